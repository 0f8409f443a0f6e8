// Issue 6, figure 3: the front door (a worker thread that owns the public port) answers calls to
// running services itself and passes everything else to the main thread. These tests pin what a
// user can observe of that split: calls to services do not wait for the main thread, and the
// worker's copy of keys and runs is never behind the caller's own previous call.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import type { Project } from '../contract/types.js';
import { startEchoServer, waitFor, type TestServer } from '../testing/harness.js';
import { rawRequest } from '../testing/raw-http.js';

describe('front door', () => {
  let t: TestServer;
  let echo: Project;
  let key: string;
  let runId: string;
  let port: number;

  const startService = async () => {
    const res = await t.api.public('POST', `/lambdas/${echo.id}/runs`, key, { mode: 'service', arguments: [] });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const id: string = res.body.run.uuid;
    await waitFor(async () => {
      const r = await t.api.request('GET', `/instances/${id}/api/hello`, { headers: { 'x-api-key': key } });
      return r.status === 200 || undefined;
    }, 30_000, 'the service to answer');
    return id;
  };
  const keyId = async (name: string): Promise<string> =>
    (await t.api.console('GET', '/keys')).body.keys.find((k: { name: string }) => k.name === name).id;

  before(async () => {
    ({ t, echo, key, port } = await startEchoServer('front-door'));
    runId = await startService();
  });
  after(async () => {
    await t?.dispose();
  });

  test('calls to a running service are answered while the main thread is blocked; API calls wait for it', () => {
    // spawnSync blocks this thread (the server's main thread) until the child is done
    const script = `
      const [base, key, runId] = process.argv.slice(1);
      const call = (path) => fetch(base + path, { headers: { 'x-api-key': key }, signal: AbortSignal.timeout(3000) })
        .then(async (r) => r.status + ' ' + (await r.text()).slice(0, 40), (e) => e.name);
      (async () => {
        const proxied = [];
        for (let i = 0; i < 20; i++) proxied.push(await call('/instances/' + runId + '/api/hello'));
        console.log(JSON.stringify({ proxied, api: await call('/lambdas/x/runs') }));
      })();`;
    const child = spawnSync(process.execPath, ['-e', script, t.url, key, runId], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(child.status, 0, child.stderr);
    const { proxied, api } = JSON.parse(child.stdout) as { proxied: string[]; api: string };
    for (const answer of proxied) assert.match(answer, /^200 Hello from run /);
    assert.equal(api, 'TimeoutError', 'an API call needs the main thread');
  });

  // The worker usually has a change before the answer that made it comes back anyway; when it does
  // not, the answer is held (main-hop.test.ts checks the hold itself).
  test('a key revoked by a call is refused on the very next proxied call', async () => {
    for (let i = 0; i < 10; i++) {
      const name = `doomed-${i}`;
      const doomed = await t.api.createKey({ name });
      const path = `/instances/${runId}/api/hello`;
      assert.equal((await t.api.request('GET', path, { headers: { 'x-api-key': doomed } })).status, 200);
      await t.api.console('POST', `/keys/${await keyId(name)}/revoke`);
      const res = await t.api.request('GET', path, { headers: { 'x-api-key': doomed } });
      assert.deepEqual([res.status, res.body.reason], [401, 'revoked_api_key']);
    }
  });

  test('a run stopped by a call gets instance_not_running on the very next proxied call', async () => {
    const id = await startService();
    const stopped = await t.api.public('POST', `/lambdas/${echo.id}/runs/${id}/stop`, key, {});
    assert.equal(stopped.body.run.state, 'stopped');
    const res = await t.api.request('GET', `/instances/${id}/api/hello`, { headers: { 'x-api-key': key } });
    assert.deepEqual([res.status, res.body.reason], [409, 'instance_not_running']);
  });

  test('a key used only on the proxy gets its lastUsedAt', async () => {
    const fresh = await t.api.createKey({ name: 'proxy-only' });
    const id = await keyId('proxy-only');
    const lastUsed = async () => (await t.api.console('GET', '/keys')).body.keys.find((k: { id: string }) => k.id === id).lastUsedAt as number | null;
    assert.equal(await lastUsed(), null);
    assert.equal((await t.api.request('GET', `/instances/${runId}/api/hello`, { headers: { 'x-api-key': fresh } })).status, 200);
    await waitFor(async () => (await lastUsed()) ?? undefined, 5000, 'lastUsedAt');
  });

  test('the caller cannot choose the address the container sees in X-Forwarded-For', async () => {
    const res = await rawRequest(
      port,
      `GET /instances/${runId}/api/inspect HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-API-Key: ${key}\r\n` +
        'X-Swiftlambda-Peer: 203.0.113.9\r\nConnection: close\r\n\r\n',
    );
    assert.equal(res.status, 200);
    const seen = res.body.toString('latin1').toLowerCase();
    assert.match(seen, /\r\nx-forwarded-for: 127\.0\.0\.1\r\n/);
    assert.ok(!seen.includes('203.0.113.9') && !seen.includes('x-swiftlambda-peer'), 'the caller\'s copy never reaches the container');
  });
});
