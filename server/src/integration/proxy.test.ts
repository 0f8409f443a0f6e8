// Issue 3: the service proxy to the letter of the hosted platform (docs/api.md#the-proxy), against the Swift echo service.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Project } from '../contract/types.js';
import { PACKAGES, startEchoServer, type TestServer } from '../testing/harness.js';
import { header, rawRequest } from '../testing/raw-http.js';

describe('service proxy', { timeout: 600_000 }, () => {
  let t: TestServer;
  let echo: Project;
  let key: string;
  let runId: string;
  let port: number;

  const startService = async (project: Project, args: string[] = []) => {
    const res = await t.api.public('POST', `/lambdas/${project.id}/runs`, key, { mode: 'service', arguments: args });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return t.api.waitForRun(project.id, res.body.run.uuid, key, (r) => r.state !== 'queued');
  };
  /** waits until the service answers through the proxy */
  const ready = async (id: string) => {
    for (let i = 0; i < 100; i++) {
      const res = await t.api.request('GET', `/instances/${id}/api/hello`, { headers: { 'x-api-key': key } });
      if (res.status === 200) return;
      await sleep(100);
    }
    throw new Error('service never answered');
  };

  before(async () => {
    ({ t, echo, key, port } = await startEchoServer('proxy'));
    const run = await startService(echo);
    runId = run.uuid;
    assert.equal(run.state, 'running');
    await ready(runId);
  });
  after(async () => {
    await t?.dispose();
  });

  test('GET /instances/{RUN_ID}/api/hello reaches the service as GET /hello', async () => {
    const res = await t.api.request('GET', `/instances/${runId}/api/hello`, { headers: { 'x-api-key': key } });
    assert.equal(res.status, 200);
    assert.equal(res.body, `Hello from run ${runId}\n`);
  });

  test('each of the seven methods is forwarded, with path and query unchanged', async () => {
    for (const method of ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      const res = await fetch(`${t.url}/instances/${runId}/api/some/path?x=1&y=%20z&x=2`, {
        method,
        headers: { 'x-api-key': key },
      });
      assert.equal(res.status, 200, method);
      assert.equal(res.headers.get('x-echo-method'), method);
      const text = await res.text();
      assert.ok(text.startsWith(`${method} /some/path?x=1&y=%20z&x=2 HTTP/1.1\r\n`), `${method}: ${text.slice(0, 60)}`);
    }
    const head = await fetch(`${t.url}/instances/${runId}/api/hello`, {
      method: 'HEAD',
      headers: { 'x-api-key': key },
    });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(`Hello from run ${runId}\n`.length));
    assert.equal((await head.arrayBuffer()).byteLength, 0);
    const root = await t.api.request('GET', `/instances/${runId}/api`, { headers: { 'x-api-key': key } });
    assert.ok(String(root.body).startsWith('GET / HTTP/1.1'));
  });

  test('request bodies arrive byte for byte, fixed-length and chunked', async () => {
    const body = randomBytes(200_000);
    const res = await fetch(`${t.url}/instances/${runId}/api/echo`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/octet-stream' },
      body,
    });
    const echoed = Buffer.from(await res.arrayBuffer());
    assert.ok(echoed.subarray(echoed.length - body.length).equals(body));
    const chunked = await rawRequest(
      port,
      `POST /instances/${runId}/api/chunked HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-API-Key: ${key}\r\n` +
        'Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n',
    );
    assert.equal(chunked.status, 200);
    assert.match(chunked.body.toString(), /hello/);
    assert.match(chunked.body.toString(), /world/);
  });

  test("hop-by-hop headers and the caller's key never reach the container; X-Forwarded-* are set", async () => {
    const res = await rawRequest(
      port,
      `GET /instances/${runId}/api/inspect?q=1 HTTP/1.1\r\nHost: localhost:${port}\r\n` +
        `X-API-Key: ${key}\r\nConnection: X-Private, close\r\nX-Private: secret\r\nKeep-Alive: timeout=5\r\n` +
        'Proxy-Authorization: Basic Zm9v\r\nTE: trailers\r\nUpgrade-Insecure-Requests: 1\r\nX-End-To-End: kept\r\n' +
        'Cookie: a=1; swiftlambda_console=session-value\r\n\r\n',
    );
    assert.equal(res.status, 200);
    const seen = res.body.toString('latin1').toLowerCase();
    const names = seen
      .split('\r\n\r\n')[0]!
      .split('\r\n')
      .slice(1)
      .map((l) => l.slice(0, l.indexOf(':')));
    for (const name of ['x-api-key', 'x-private', 'keep-alive', 'proxy-authorization', 'te', 'upgrade']) {
      assert.ok(!names.includes(name), `${name} must not reach the container`);
    }
    assert.ok(!seen.includes(key.toLowerCase()) && !seen.includes('swiftlambda_console'), 'no key, no console cookie');
    // the proxy's own hop to the container keeps its connection alive
    assert.match(seen, /\r\nconnection: keep-alive\r\n/);
    assert.match(seen, /\r\nx-end-to-end: kept\r\n/);
    assert.match(seen, /\r\nupgrade-insecure-requests: 1\r\n/, 'a header merely starting with "upgrade" passes');
    assert.match(seen, /\r\ncookie: a=1\r\n/);
    assert.match(seen, /\r\nx-forwarded-for: 127\.0\.0\.1\r\n/);
    assert.match(seen, new RegExp(`\\r\\nx-forwarded-host: localhost:${port}\\r\\n`));
    assert.match(seen, /\r\nx-forwarded-proto: http\r\n/);
    assert.match(seen, new RegExp(`\\r\\nx-forwarded-prefix: /instances/${runId}/api\\r\\n`));
    assert.equal(header(res, 'connection'), 'close', 'the client asked to close');
  });

  test('hop-by-hop headers of the response are removed; the rest comes back unchanged', async () => {
    const res = await rawRequest(
      port,
      `GET /instances/${runId}/api/hop HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-API-Key: ${key}\r\n\r\n`,
    );
    assert.equal(res.status, 200);
    const names = res.headers.map(([k]) => k.toLowerCase());
    for (const gone of ['x-hop-secret', 'keep-alive', 'proxy-authenticate', 'upgrade'])
      assert.ok(!names.includes(gone), gone);
    assert.equal(header(res, 'X-End-To-End'), 'kept');
    assert.ok(
      res.headers.some(([k]) => k === 'X-End-To-End'),
      'header case as the upstream sent it',
    );
    assert.ok(!names.includes('date'), 'no Date the upstream did not send');
    assert.equal(res.body.toString(), 'hop\n');
  });

  test('the upstream status comes back unchanged', async () => {
    for (const code of [201, 204, 404, 418, 500, 503]) {
      const res = await fetch(`${t.url}/instances/${runId}/api/status/${code}`, { headers: { 'x-api-key': key } });
      assert.equal(res.status, code);
    }
  });

  test('auth: no key is 401, a key restricted to another project is 403, even on the proxy', async () => {
    const none = await t.api.request('GET', `/instances/${runId}/api/hello`);
    assert.deepEqual([none.status, none.body.reason], [401, 'missing_api_key']);
    const other = await t.api.createProject(PACKAGES.hello, 'hello', { name: 'other' });
    const restricted = await t.api.createKey({ name: 'restricted', projects: [other.id] });
    const res = await t.api.request('GET', `/instances/${runId}/api/hello`, { headers: { 'x-api-key': restricted } });
    assert.deepEqual([res.status, res.body.reason], [403, 'forbidden_project']);
  });

  test('instance_not_found, instance_not_servable and instance_not_running', async () => {
    const missing = await t.api.request('GET', '/instances/00000000-0000-0000-0000-000000000000/api/hello', {
      headers: { 'x-api-key': key },
    });
    assert.deepEqual([missing.status, missing.body.error, missing.body.reason], [404, true, 'instance_not_found']);
    const oneShot = (await t.api.public('POST', `/lambdas/${echo.id}/runs`, key, { mode: 'oneShot' })).body.run;
    const notServable = await t.api.request('GET', `/instances/${oneShot.uuid}/api/hello`, {
      headers: { 'x-api-key': key },
    });
    assert.deepEqual([notServable.status, notServable.body.reason], [409, 'instance_not_servable']);
    await t.api.public('POST', `/lambdas/${echo.id}/runs/${oneShot.uuid}/stop`, key, {}).catch(() => undefined);
    const second = await startService(echo);
    await ready(second.uuid);
    await t.api.public('POST', `/lambdas/${echo.id}/runs/${second.uuid}/stop`, key, {});
    const stopped = await t.api.request('GET', `/instances/${second.uuid}/api/hello`, {
      headers: { 'x-api-key': key },
    });
    assert.deepEqual([stopped.status, stopped.body.reason], [409, 'instance_not_running']);
  });

  test('a call to a run still starting waits for its container, as a cold start does', async () => {
    const created = (await t.api.public('POST', `/lambdas/${echo.id}/runs`, key, { mode: 'service' })).body.run;
    assert.equal(created.state, 'queued');
    const res = await t.api.request('GET', `/instances/${created.uuid}/api/hello`, { headers: { 'x-api-key': key } });
    // answered once the container runs: by the service, or 502 if it had not bound its port yet
    assert.ok(
      res.status === 200 || res.body.reason === 'instance_unreachable',
      `${res.status} ${JSON.stringify(res.body)}`,
    );
    const run = (await t.api.public('GET', `/lambdas/${echo.id}/runs/${created.uuid}`, key)).body.run;
    assert.notEqual(run.startedAt, null);
    await t.api.public('POST', `/lambdas/${echo.id}/runs/${created.uuid}/stop`, key, {});

    // a run stopped before it started: the waiting call gets 409 instance_not_running
    const doomed = (await t.api.public('POST', `/lambdas/${echo.id}/runs`, key, { mode: 'service' })).body.run;
    const waiting = t.api.request('GET', `/instances/${doomed.uuid}/api/hello`, { headers: { 'x-api-key': key } });
    await t.api.public('POST', `/lambdas/${echo.id}/runs/${doomed.uuid}/stop`, key, {});
    const answer = await waiting;
    assert.deepEqual([answer.status, answer.body.reason], [409, 'instance_not_running']);
  });

  test('instance_unreachable when nothing listens on the port, answered at once', async () => {
    const hello = await t.api.createProject(PACKAGES.hello, 'hello', { name: 'silent' });
    assert.equal((await t.api.build(hello.id)).state, 'succeeded');
    const run = await startService(hello, ['sleep:60']);
    const began = Date.now();
    const res = await t.api.request('GET', `/instances/${run.uuid}/api/hello`, { headers: { 'x-api-key': key } });
    assert.deepEqual([res.status, res.body.reason], [502, 'instance_unreachable']);
    assert.ok(Date.now() - began < 1000);
    await t.api.public('POST', `/lambdas/${hello.id}/runs/${run.uuid}/stop`, key, {});
  });

  test("instance_timeout when the upstream answers after the run's deadline", async () => {
    const short = await t.api.createProject(PACKAGES.echo, 'echo-service', { name: 'short', runTimeoutSeconds: 4 });
    assert.equal((await t.api.build(short.id)).state, 'succeeded');
    const run = await startService(short);
    await ready(run.uuid);
    const began = Date.now();
    const res = await t.api.request('GET', `/instances/${run.uuid}/api/sleep/20000`, { headers: { 'x-api-key': key } });
    const took = Date.now() - began;
    assert.deepEqual([res.status, res.body.reason], [504, 'instance_timeout']);
    assert.ok(took < 4500, `answered at the deadline (${took} ms)`);
  });

  test('WebSocket upgrades are refused with unsupported_protocol', async () => {
    const res = await rawRequest(
      port,
      `GET /instances/${runId}/api/ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-API-Key: ${key}\r\nConnection: Upgrade\r\n` +
        'Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
    assert.equal(res.status, 400);
    assert.equal(JSON.parse(res.body.toString()).reason, 'unsupported_protocol');
  });

  test('publicInstances: a run snapshots it at creation; public runs need no key', async () => {
    const open = await t.api.createProject(PACKAGES.echo, 'echo-service', {
      name: 'public',
      publicInstances: true,
      runTimeoutSeconds: 120,
    });
    assert.equal((await t.api.build(open.id)).state, 'succeeded');
    const publicRun = await startService(open);
    assert.equal(publicRun.publicAccess, true);
    await ready(publicRun.uuid);
    assert.equal((await t.api.request('GET', `/instances/${publicRun.uuid}/api/hello`)).status, 200);
    await t.api.console('PATCH', `/projects/${open.id}`, { publicInstances: false });
    assert.equal(
      (await t.api.request('GET', `/instances/${publicRun.uuid}/api/hello`)).status,
      200,
      'toggling later does not affect a live run',
    );
    const privateRun = await startService(open);
    assert.equal(privateRun.publicAccess, false);
    await ready(privateRun.uuid);
    assert.equal((await t.api.request('GET', `/instances/${privateRun.uuid}/api/hello`)).status, 401);
  });

  test('a streamed answer flows as it is written, and a client that goes away ends the upstream call', async () => {
    // an upstream that streams server-sent events: this machine's node, imported as a prebuilt
    // binary (it needs only glibc and libstdc++, which the Swift image has) and run with -e
    const server =
      "let open=0;require('http').createServer((q,s)=>{if(q.url==='/open'){s.end(String(open));return}" +
      "open++;s.writeHead(200,{'content-type':'text/event-stream'});const i=setInterval(()=>s.write('data: tick\\n\\n'),50);" +
      "q.on('close',()=>{clearInterval(i);open--})}).listen(+process.env.PORT,'0.0.0.0')";
    const node = await t.api.createProject(PACKAGES.echo, 'echo-service', {
      name: 'node-stream',
      runTimeoutSeconds: 120,
    });
    assert.equal(
      (await t.api.console('POST', `/projects/${node.id}/compilations`, { binaryPath: process.execPath })).status,
      202,
    );
    const run = await startService(node, ['-e', server]);
    const base = `/instances/${run.uuid}/api`;
    let openUpstream = '';
    for (let i = 0; i < 100 && openUpstream !== '0'; i++) {
      const res = await t.api.request('GET', `${base}/open`, { headers: { 'x-api-key': key } });
      openUpstream = res.status === 200 ? String(res.body) : '';
      if (openUpstream !== '0') await sleep(100);
    }
    assert.equal(openUpstream, '0', 'the upstream answers');
    for (let k = 0; k < 3; k++) {
      const events = await new Promise<number>((resolve, reject) => {
        const req = http.get(`${t.url}${base}/stream`, { headers: { 'x-api-key': key } }, (res) => {
          assert.equal(res.headers['content-type'], 'text/event-stream');
          let seen = 0;
          res.on('data', (chunk: Buffer) => {
            seen += chunk.toString().split('data: tick').length - 1;
            if (seen >= 3) {
              req.destroy();
              resolve(seen);
            }
          });
        });
        req.on('error', (err) => (err.message.includes('socket hang up') ? undefined : reject(err)));
      });
      assert.ok(events >= 3, 'events arrive while the answer is still open');
    }
    // the upstream sees each call end shortly after its client left
    for (let i = 0; i < 50; i++) {
      openUpstream = String((await t.api.request('GET', `${base}/open`, { headers: { 'x-api-key': key } })).body);
      if (openUpstream === '0') break;
      await sleep(50);
    }
    assert.equal(openUpstream, '0', 'every upstream call ended with its client');
    await t.api.public('POST', `/lambdas/${node.id}/runs/${run.uuid}/stop`, key, {});
  });
  test('a key revoked by a call is refused on the very next proxied call; a stopped run is 409 at once', async () => {
    const keyId = async (name: string): Promise<string> =>
      (await t.api.console('GET', '/keys')).body.keys.find((k: { name: string }) => k.name === name).id;
    for (let i = 0; i < 5; i++) {
      const name = `doomed-${i}`;
      const doomed = await t.api.createKey({ name });
      const path = `/instances/${runId}/api/hello`;
      assert.equal((await t.api.request('GET', path, { headers: { 'x-api-key': doomed } })).status, 200);
      await t.api.console('POST', `/keys/${await keyId(name)}/revoke`);
      const res = await t.api.request('GET', path, { headers: { 'x-api-key': doomed } });
      assert.deepEqual([res.status, res.body.reason], [401, 'revoked_api_key']);
    }
    const other = await startService(echo);
    await ready(other.uuid);
    assert.equal(
      (await t.api.public('POST', `/lambdas/${echo.id}/runs/${other.uuid}/stop`, key, {})).body.run.state,
      'stopped',
    );
    const res = await t.api.request('GET', `/instances/${other.uuid}/api/hello`, { headers: { 'x-api-key': key } });
    assert.deepEqual([res.status, res.body.reason], [409, 'instance_not_running']);
  });

  test('a key used only on the proxy gets its lastUsedAt', async () => {
    const fresh = await t.api.createKey({ name: 'proxy-only' });
    const lastUsed = async () =>
      (await t.api.console('GET', '/keys')).body.keys.find((k: { name: string }) => k.name === 'proxy-only')
        .lastUsedAt as number | null;
    assert.equal(await lastUsed(), null);
    assert.equal(
      (await t.api.request('GET', `/instances/${runId}/api/hello`, { headers: { 'x-api-key': fresh } })).status,
      200,
    );
    assert.ok((await lastUsed()) !== null);
  });
});
