// Issue 26: a run reaches this machine (host.docker.internal), a container on a user network by
// its alias (the project's `networks`), and another project's dev URL through SWIFTLAMBDA_API_URL;
// the in-network listener answers only this emulator's containers.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Docker from 'dockerode';
import type { LoggedRequest, Project } from '../contract/types.js';
import { detectRuntimeNetwork } from '../modules/aws/runtime-network.js';
import { testEngine } from '../testing/docker.js';
import { PACKAGES, startTestServer, TEST_IMAGE, waitFor, type TestServer } from '../testing/harness.js';

const NET_PROBE = join(PACKAGES.hello, '../net-probe');
const docker = new Docker();
const suffix = Math.random().toString(36).slice(2, 8);
const NETWORK = `swiftlambda-test-net-${suffix}`;
const DB_ALIAS = 'db';

/** A tiny HTTP server in the Swift image (perl is there): answers `from-db` on 5432. */
const DB_SERVER = [
  'use IO::Socket::INET;',
  '$s = IO::Socket::INET->new(LocalPort => 5432, Listen => 16, ReuseAddr => 1) or die "listen: $!";',
  'while ($c = $s->accept) { while (<$c>) { last if /^\\r?\\n$/ }',
  '  print $c "HTTP/1.1 200 OK\\r\\nContent-Length: 7\\r\\nConnection: close\\r\\n\\r\\nfrom-db"; close $c }',
].join(' ');

describe('networks: the host, a user network, other services', { timeout: 600_000 }, () => {
  let t: TestServer;
  let key: string;
  let probe: Project;
  let echo: Project;
  let laptop: http.Server;
  let laptopPort: number;
  let gateway: string;
  let db: Docker.Container | null = null;

  /** Runs net-probe one-shot with `args`; resolves with the finished run and its output. */
  const probeRun = async (args: string[]): Promise<{ run: any; output: string }> => {
    const res = await t.api.public('POST', `/lambdas/${probe.id}/runs`, key, { mode: 'oneShot', arguments: args });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const run = await t.api.waitForRun(probe.id, res.body.run.uuid, key, (r) => r.finishedAt !== null, 60_000);
    const output = (await t.api.allLogs(probe.id, run.uuid, key)).map((c) => c.data).join('');
    return { run, output };
  };

  before(async () => {
    const network = await detectRuntimeNetwork(testEngine);
    assert.equal(network.kind, 'bridge', 'this test needs the bridge gateway on this machine (Linux)');
    gateway = network.bindHost;
    // "the laptop": a server on this machine, on the bridge gateway only
    laptop = http.createServer((_req, res) => res.end('from-laptop'));
    await new Promise<void>((resolve) => laptop.listen(0, gateway, resolve));
    laptopPort = (laptop.address() as AddressInfo).port;
    // "the compose stack": a network and a server on it known by an alias
    await docker.createNetwork({ Name: NETWORK, Driver: 'bridge', Labels: { 'swiftlambda.test': 'networks' } });
    db = await docker.createContainer({
      Image: TEST_IMAGE,
      Entrypoint: ['perl', '-e', DB_SERVER],
      Labels: { 'swiftlambda.test': 'networks' },
      HostConfig: { NetworkMode: NETWORK },
      NetworkingConfig: { EndpointsConfig: { [NETWORK]: { Aliases: [DB_ALIAS] } } },
    });
    await db.start();

    t = await startTestServer();
    key = await t.api.createKey({ name: 'networks' });
    probe = await t.api.createProject(NET_PROBE, 'net-probe', { networks: [NETWORK] });
    echo = await t.api.createProject(PACKAGES.echo, 'echo-service', { runTimeoutSeconds: 300, networks: [NETWORK] });
    for (const p of [probe, echo]) {
      const c = await t.api.build(p.id);
      assert.equal(c.state, 'succeeded', c.errorSummary ?? '');
    }
  });
  after(async () => {
    await t?.dispose();
    await db?.remove({ force: true }).catch(() => undefined);
    await docker
      .getNetwork(NETWORK)
      .remove()
      .catch(() => undefined);
    await new Promise((resolve) => (laptop ? laptop.close(resolve) : resolve(undefined)));
  });

  test('a run reaches this machine, the network by alias, and another project through SWIFTLAMBDA_API_URL', async () => {
    // the callee: a service run on the same user network; its published port still answers
    const started = await t.api.public('POST', `/lambdas/${echo.id}/runs`, key, { mode: 'service' });
    assert.equal(started.status, 201);
    const echoRun = started.body.run.uuid as string;
    await waitFor(
      async () => (await t.api.public('GET', `/instances/${echoRun}/api/hello`, key)).status === 200 || undefined,
      30_000,
      'the echo service through its published port',
    );

    const { run, output } = await probeRun([
      'env',
      'SWIFTLAMBDA_API_URL',
      'get',
      `http://host.docker.internal:${laptopPort}/`,
      'get',
      `http://${DB_ALIAS}:5432/`,
      'tcp',
      DB_ALIAS,
      '5432',
      'get',
      `\${SWIFTLAMBDA_API_URL}/dev/${echo.id}/api/hello`,
      `X-API-Key:${key}`,
      'get',
      `\${SWIFTLAMBDA_API_URL}/dev/${echo.id}/api/hello`,
    ]);
    assert.equal(run.state, 'succeeded', output);
    const apiUrl = /env SWIFTLAMBDA_API_URL=(\S+)/.exec(output)?.[1];
    assert.ok(apiUrl?.startsWith(`http://${gateway}:`), output);
    assert.match(output, /get http:\/\/host\.docker\.internal:\d+\/ -> HTTP\/1\.1 200 OK \| from-laptop/);
    assert.match(output, /get http:\/\/db:5432\/ -> HTTP\/1\.1 200 OK \| from-db/);
    assert.match(output, /tcp db:5432 connected/);
    const lines = output.split('\n').filter((l) => l.includes(`/dev/${echo.id}/api/hello`));
    assert.equal(lines.length, 2, output);
    assert.match(lines[0]!, new RegExp(`HTTP/1.1 200 OK \\| Hello from run ${echoRun}`));
    assert.match(lines[1]!, /HTTP\/1.1 401 .*missing_api_key/);
    assert.ok(!output.includes('failed'), output);

    // the call through the in-network listener is in the callee's request log
    const logged = (await t.api.console('GET', `/runs/${echoRun}/requests?limit=10`)).body.requests as LoggedRequest[];
    const call = logged.find((r) => r.via === 'dev' && r.path === '/hello' && r.status === 200);
    assert.ok(call, JSON.stringify(logged.map((r) => [r.via, r.path, r.status])));
  });

  test('the in-network listener answers nobody but this emulator’s containers', async () => {
    const { output } = await probeRun(['env', 'SWIFTLAMBDA_API_URL']);
    const apiUrl = new URL(/env SWIFTLAMBDA_API_URL=(\S+)/.exec(output)![1]!);
    // from this machine: the source address is the gateway's own, and the connection is cut
    const fromHost = await fetch(`${apiUrl.origin}/console/api/status`).then(
      (r) => `answered ${r.status}`,
      () => 'refused',
    );
    assert.equal(fromHost, 'refused');
    // from a container that is not the emulator's (the db server's image, on the bridge)
    const stranger = await docker.createContainer({
      Image: TEST_IMAGE,
      Entrypoint: [
        'bash',
        '-c',
        `exec 3<>/dev/tcp/${apiUrl.hostname}/${apiUrl.port} && printf 'GET /console/api/status ` +
          `HTTP/1.1\\r\\nHost: ${apiUrl.host}\\r\\n\\r\\n' >&3 && cat <&3; echo "[end]"`,
      ],
      Labels: { 'swiftlambda.test': 'networks' },
    });
    try {
      let out = '';
      const stream = await stranger.attach({ stream: true, stdout: true, stderr: true });
      stream.on('data', (d: Buffer) => (out += d.toString('latin1')));
      await stranger.start();
      await stranger.wait();
      await new Promise((r) => setTimeout(r, 200));
      assert.ok(out.includes('[end]') && !out.includes('HTTP/1.1'), out);
    } finally {
      await stranger.remove({ force: true }).catch(() => undefined);
    }
  });

  test('a network that does not exist fails the run, naming it', async () => {
    const missing = `no-such-network-${suffix}`;
    const patched = await t.api.console('PATCH', `/projects/${probe.id}`, { networks: [missing] });
    assert.equal(patched.status, 200);
    try {
      const { run } = await probeRun(['tcp', DB_ALIAS, '5432']);
      assert.equal(run.state, 'failed');
      assert.ok(
        run.errorSummary.includes(`"${missing}"`) && run.errorSummary.includes('docker network ls'),
        run.errorSummary,
      );
      assert.equal((await testEngine.listContainers({ 'swiftlambda.run': run.uuid })).length, 0, 'no container left');
    } finally {
      await t.api.console('PATCH', `/projects/${probe.id}`, { networks: [NETWORK] });
    }
  });

  test('the networks field is validated, and GET /console/api/networks lists the engine’s networks', async () => {
    for (const networks of [
      ['a', 'b', 'c', 'd', 'e', 'f'],
      ['host'],
      ['bridge'],
      ['bad name'],
      [NETWORK, NETWORK],
      'not-a-list',
      [42],
    ]) {
      const res = await t.api.console('PATCH', `/projects/${probe.id}`, { networks });
      assert.deepEqual([res.status, res.body.reason], [400, 'invalid_networks'], JSON.stringify(networks));
    }
    assert.deepEqual((await t.api.console('GET', `/projects/${probe.id}`)).body.project.networks, [NETWORK]);
    const list = await t.api.console('GET', '/networks');
    assert.equal(list.status, 200);
    const ours = list.body.networks.find((n: { name: string }) => n.name === NETWORK);
    assert.deepEqual(ours && { driver: ours.driver, some: ours.containers >= 1 }, { driver: 'bridge', some: true });
    assert.ok(list.body.networks.some((n: { name: string }) => n.name === 'bridge'));
    assert.equal((await t.api.request('GET', '/console/api/networks')).status, 401, 'console routes need the console');
  });
});
