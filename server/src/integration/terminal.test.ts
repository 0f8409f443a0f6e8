// Issue 29: a terminal into a running run. A WebSocket on /console/api/runs/{RUN_ID}/terminal runs
// a shell with a TTY in the run's container: a command's output, `stty size` after a resize, `exit`
// closing the socket; refused upgrades (no credentials 401, a foreign Origin 403, an ended run 409,
// an unknown run 404) and the proxy still refusing WebSockets with its reason. The run is Debian's
// `sleep` imported as the binary, in the Swift image (which has bash).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import type { Project } from '../contract/types.js';
import { killTrackedChildren, trackChild } from '../testing/children.js';
import { PACKAGES, startTestServer, waitFor, type TestServer } from '../testing/harness.js';

const CLI = fileURLToPath(new URL('../cli/swiftlambda.js', import.meta.url));

interface Terminal {
  readonly ws: WebSocket;
  readonly screen: () => string;
  readonly closed: Promise<{ code: number; reason: string }>;
  type(text: string): void;
}

describe('a terminal into a running run', () => {
  let t: TestServer;
  let sleeper: Project;
  let key: string;
  const open: WebSocket[] = [];

  const terminalUrl = (runId: string, query = '') =>
    `${t.url.replace('http', 'ws')}/console/api/runs/${runId}/terminal${query}`;

  const connect = (runId: string, headers: Record<string, string>, query = ''): Promise<Terminal> =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(terminalUrl(runId, query), { headers });
      open.push(ws);
      let screen = '';
      ws.on('message', (data: Buffer) => (screen += data.toString('utf8')));
      const closed = new Promise<{ code: number; reason: string }>((r) =>
        ws.on('close', (code, reason) => r({ code, reason: reason.toString() })),
      );
      ws.once('open', () =>
        resolve({ ws, screen: () => screen, closed, type: (text) => ws.send(Buffer.from(text), { binary: true }) }),
      );
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d));
        res.on('end', () =>
          reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode, body })),
        );
      });
      ws.once('error', reject);
    });

  const refusal = async (runId: string, headers: Record<string, string>) => {
    try {
      await connect(runId, headers);
    } catch (err) {
      const { status, body } = err as { status?: number; body?: string };
      return { status, reason: body ? JSON.parse(body).reason : undefined };
    }
    assert.fail('the upgrade was accepted');
  };

  const startSleep = async (seconds: string) => {
    const res = await t.api.public('POST', `/lambdas/${sleeper.id}/runs`, key, {
      mode: 'oneShot',
      arguments: [seconds],
    });
    assert.equal(res.status, 201);
    return t.api.waitForRun(sleeper.id, res.body.run.uuid, key, (r) => r.state !== 'queued');
  };

  before(async () => {
    t = await startTestServer();
    sleeper = await t.api.createProject(PACKAGES.hello, 'hello', { name: 'terminal-sleep' });
    const imported = await t.api.console('POST', `/projects/${sleeper.id}/compilations`, {
      binaryPath: '/usr/bin/sleep',
    });
    assert.equal(imported.status, 202);
    await waitFor(
      async () =>
        (await t.api.console('GET', `/projects/${sleeper.id}/compilations`)).body.compilations[0].state ===
          'succeeded' || undefined,
      30_000,
      'the imported binary',
    );
    key = await t.api.createKey({ name: 'terminal' });
  });
  after(async () => {
    await killTrackedChildren();
    for (const ws of open) ws.terminate();
    await t?.dispose();
  });

  test('a shell in the run: output, the run environment, resize, exit closes the socket', async () => {
    const run = await startSleep('120');
    assert.equal(run.state, 'running');
    const term = await connect(run.uuid, { authorization: `Bearer ${t.server.consoleToken}` }, '?cols=90&rows=30');
    term.type('echo "sum=$((40+2)) run=$LAMBDA_RUN_UUID"\n');
    await waitFor(async () => (term.screen().includes(`sum=42 run=${run.uuid}`) ? true : undefined), 15_000, 'echo');
    term.type('stty size\n');
    await waitFor(async () => (/30 90\r?\n/.test(term.screen()) ? true : undefined), 15_000, 'the first size');
    term.ws.send(JSON.stringify({ type: 'resize', cols: 132, rows: 43 }));
    // the resize lands before the next command runs
    await new Promise((r) => setTimeout(r, 300));
    term.type('stty size; echo "$0"\n');
    await waitFor(async () => (/43 132\r?\n/.test(term.screen()) ? true : undefined), 15_000, 'the new size');
    assert.match(term.screen(), /bash/, 'bash, which the image has');
    term.type('exit\n');
    const closed = await term.closed;
    assert.equal(closed.code, 1000);
    const still = (await t.api.public('GET', `/lambdas/${sleeper.id}/runs/${run.uuid}`, key)).body.run;
    assert.equal(still.state, 'running', 'leaving the shell leaves the run alone');
    await t.api.public('POST', `/lambdas/${sleeper.id}/runs/${run.uuid}/stop`, key);
  });

  test('closing the socket hangs the shell up; the run stopping ends the terminal', async () => {
    const run = await startSleep('120');
    const token = { authorization: `Bearer ${t.server.consoleToken}` };
    const first = await connect(run.uuid, token);
    first.type('echo ready-1\n');
    await waitFor(async () => (first.screen().includes('ready-1\r\n') ? true : undefined), 15_000, 'the first shell');
    first.ws.close();
    await first.closed;
    const second = await connect(run.uuid, token);
    second.type('echo ready-2\n');
    await waitFor(async () => (second.screen().includes('ready-2\r\n') ? true : undefined), 15_000, 'the second shell');
    await t.api.public('POST', `/lambdas/${sleeper.id}/runs/${run.uuid}/stop`, key);
    const closed = await second.closed;
    assert.ok([1000, 1006, 1011].includes(closed.code), `closed with ${closed.code}`);
  });

  test('refused: no credentials 401, an API key 401, a foreign Origin 403, unknown 404, ended 409', async () => {
    const run = await startSleep('60');
    assert.deepEqual(await refusal(run.uuid, {}), { status: 401, reason: 'console_auth_required' });
    assert.deepEqual(await refusal(run.uuid, { 'x-api-key': key }), { status: 401, reason: 'console_auth_required' });
    assert.deepEqual(
      await refusal(run.uuid, { authorization: `Bearer ${t.server.consoleToken}`, origin: 'http://evil.example' }),
      { status: 403, reason: 'forbidden_origin' },
    );
    assert.deepEqual(await refusal('no-such-run', { authorization: `Bearer ${t.server.consoleToken}` }), {
      status: 404,
      reason: 'run_not_found',
    });
    await t.api.public('POST', `/lambdas/${sleeper.id}/runs/${run.uuid}/stop`, key);
    assert.deepEqual(await refusal(run.uuid, { authorization: `Bearer ${t.server.consoleToken}` }), {
      status: 409,
      reason: 'instance_not_running',
    });
    // the proxy still answers a WebSocket upgrade with its reason
    const proxied = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(`${t.url.replace('http', 'ws')}/instances/${run.uuid}/api/socket`, {
        headers: { 'x-api-key': key },
      });
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('open', () => reject(new Error('the proxy accepted a WebSocket')));
      ws.once('error', () => undefined);
    });
    assert.ok([400, 409].includes(proxied), `proxy answered ${proxied}`);
  });

  test('swiftlambda shell: typed lines run in the container, exit leaves with 0; an ended run names the reason', async () => {
    const run = await startSleep('120');
    await writeFile(
      join(t.dataDir, 'server.json'),
      JSON.stringify({ url: t.url, consoleToken: t.server.consoleToken, pid: process.pid }),
    );
    const shell = (runId: string, input: string) =>
      new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
        const child = trackChild(
          spawn(process.execPath, [CLI, '--data-dir', t.dataDir, 'shell', sleeper.id, runId], { stdio: 'pipe' }),
        );
        let out = '';
        let err = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (err += d));
        child.once('exit', (code) => resolve({ code, out, err }));
        child.stdin.end(input);
      });
    const done = await shell(run.uuid.slice(0, 8), 'echo "cli=$((2+3))"\nexit\n');
    assert.equal(done.code, 0, done.err);
    assert.match(done.out, /cli=5\r\n/);
    await t.api.public('POST', `/lambdas/${sleeper.id}/runs/${run.uuid}/stop`, key);
    const ended = await shell(run.uuid, '');
    assert.notEqual(ended.code, 0);
    assert.match(ended.err, /\(409 instance_not_running\)/);
  });
});
