// Issue 5: a page in the user's browser, hostile requests, and secrets that must never leak.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { SANDBOX_POLICY } from '../modules/proxy/index.js';
import { PACKAGES, startTestServer, type TestServer } from '../testing/harness.js';
import { rawRequest } from '../testing/raw-http.js';

async function readTree(dir: string): Promise<string> {
  let out = '';
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out += await readTree(path);
    else if (entry.isFile()) out += await readFile(path, 'latin1');
  }
  return out;
}

describe('security', { timeout: 600_000 }, () => {
  let t: TestServer;
  let port: number;
  let key: string;
  let projectId: string;
  let runId: string;

  before(async () => {
    t = await startTestServer();
    port = Number(new URL(t.url).port);
    const echo = await t.api.createProject(PACKAGES.echo, 'echo-service', { runTimeoutSeconds: 300 });
    projectId = echo.id;
    assert.equal((await t.api.build(echo.id)).state, 'succeeded');
    key = await t.api.createKey({ name: 'security' });
    runId = (await t.api.public('POST', `/lambdas/${echo.id}/runs`, key, { mode: 'service' })).body.run.uuid;
    await t.api.waitForRun(echo.id, runId, key, (r) => r.state === 'running');
    for (let i = 0; i < 50; i++) {
      if ((await t.api.public('GET', `/instances/${runId}/api/hello`, key)).status === 200) break;
      await sleep(100);
    }
  });
  after(async () => {
    await t?.dispose();
  });

  test('DNS rebinding: a foreign Host is refused before auth or proxying, on every route', async () => {
    const paths = ['/console/api/status', `/lambdas/${projectId}/runs`, `/instances/${runId}/api/hello`, '/'];
    for (const path of paths) {
      for (const host of [`evil.example:${port}`, `127.0.0.1:${port + 1}`, 'localhost', `attacker.localhost:${port}`]) {
        const res = await rawRequest(
          port,
          `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nX-API-Key: ${key}\r\nAuthorization: Bearer ${t.api.consoleToken}\r\nConnection: close\r\n\r\n`,
        );
        assert.equal(res.status, 403, `${host} ${path}`);
        assert.equal(JSON.parse(res.body.toString()).reason, 'forbidden_host');
      }
    }
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`]) {
      const res = await rawRequest(
        port,
        `GET /lambdas/${projectId}/runs HTTP/1.1\r\nHost: ${host}\r\nX-API-Key: ${key}\r\nConnection: close\r\n\r\n`,
      );
      assert.equal(res.status, 200, host);
    }
    const noHost = await rawRequest(port, `GET /lambdas/${projectId}/runs HTTP/1.0\r\nX-API-Key: ${key}\r\n\r\n`);
    assert.equal(noHost.status, 400);
    assert.equal(JSON.parse(noHost.body.toString()).reason, 'missing_host');
  });

  test('a foreign Origin cannot use console routes or change state through the public API', async () => {
    const evil = { origin: 'http://evil.example', authorization: `Bearer ${t.api.consoleToken}` };
    const consoleRes = await t.api.request('GET', '/console/api/keys', { headers: evil });
    assert.deepEqual([consoleRes.status, consoleRes.body.reason], [403, 'forbidden_origin']);
    const nullOrigin = await t.api.request('GET', '/console/api/keys', { headers: { ...evil, origin: 'null' } });
    assert.equal(nullOrigin.status, 403);
    const start = await t.api.request('POST', `/lambdas/${projectId}/runs`, {
      body: { mode: 'oneShot' },
      headers: { origin: 'http://evil.example', 'x-api-key': key },
    });
    assert.deepEqual([start.status, start.body.reason], [403, 'forbidden_origin']);
    const read = await t.api.request('GET', `/lambdas/${projectId}/runs`, {
      headers: { origin: 'http://evil.example', 'x-api-key': key },
    });
    assert.equal(read.status, 200, 'reads without credentials from the page pass to the key check');
    assert.equal(read.headers.get('access-control-allow-origin'), null, 'and never get CORS headers');
    const own = await t.api.request('GET', '/console/api/keys', {
      headers: { origin: t.url, authorization: `Bearer ${t.api.consoleToken}` },
    });
    assert.equal(own.status, 200);
    const preflight = await t.api.request('OPTIONS', `/lambdas/${projectId}/runs`, {
      headers: {
        origin: 'http://evil.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'x-api-key',
      },
    });
    assert.equal(preflight.headers.get('access-control-allow-origin'), null);
    assert.equal(preflight.headers.get('access-control-allow-headers'), null);
  });

  test('pages opened through the proxy run sandboxed; API calls get the answer unchanged', async () => {
    const nav = await t.api.request('GET', `/instances/${runId}/api/index.html`, {
      headers: { 'x-api-key': key, 'sec-fetch-dest': 'document', 'sec-fetch-mode': 'navigate' },
    });
    assert.equal(nav.headers.get('content-security-policy'), SANDBOX_POLICY);
    const api = await t.api.request('GET', `/instances/${runId}/api/index.html`, { headers: { 'x-api-key': key } });
    assert.equal(api.headers.get('content-security-policy'), null);
    const fetchCall = await t.api.request('GET', `/instances/${runId}/api/hello`, {
      headers: { 'x-api-key': key, 'sec-fetch-dest': 'empty', 'sec-fetch-mode': 'cors' },
    });
    assert.equal(fetchCall.headers.get('content-security-policy'), null);
    const consolePage = await t.api.request('GET', '/');
    assert.match(consolePage.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
  });

  test('the console session cannot be borrowed by a page on another origin; API keys never open console routes', async () => {
    const login = await fetch(`${t.url}/?token=${t.api.consoleToken}`, { redirect: 'manual' });
    assert.equal(login.status, 303);
    assert.equal(login.headers.get('location'), '/');
    const cookie = login.headers.get('set-cookie') ?? '';
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    assert.ok(!cookie.includes(t.api.consoleToken), 'the cookie is not the token');
    const session = cookie.split(';')[0]!;
    assert.equal((await t.api.request('GET', '/console/api/keys', { headers: { cookie: session } })).status, 200);
    assert.equal(
      (await t.api.request('GET', '/console/api/keys', { headers: { cookie: session, origin: 'http://evil.example' } }))
        .status,
      403,
    );
    assert.equal((await t.api.request('GET', '/console/api/keys', { headers: { 'x-api-key': key } })).status, 401);
    const bad = await fetch(`${t.url}/?token=wrong`, { redirect: 'manual' });
    assert.equal(bad.headers.get('set-cookie'), null);
  });

  test('garbled keys are 401, never 500; no secret in the data dir, in errors, or on the wire to the container', async () => {
    const secrets = [key, t.api.consoleToken];
    for (const junk of [
      '',
      ' ',
      'slk_',
      'slk_' + '0'.repeat(36),
      key.slice(0, -1),
      key + 'x',
      '\u00e9'.repeat(40),
      'Bearer',
      key.toLowerCase(),
    ]) {
      const res = await t.api.request('GET', `/lambdas/${projectId}/runs`, { headers: { 'x-api-key': junk } });
      assert.equal(res.status, 401, JSON.stringify(junk));
    }
    const echoed = await t.api.request('GET', `/instances/${runId}/api/echo`, {
      headers: { 'x-api-key': key, authorization: `Bearer ${key}` },
    });
    for (const s of secrets) assert.ok(!String(echoed.body).includes(s), 'the container never sees a key or the token');
    const errors = await Promise.all([
      t.api.request('POST', `/lambdas/${projectId}/runs`, {
        rawBody: `{"mode":"${key}"`,
        headers: { 'x-api-key': key },
      }),
      t.api.request('POST', `/lambdas/${projectId}/runs`, { body: { mode: key }, headers: { 'x-api-key': key } }),
      t.api.request('GET', `/lambdas/${projectId}/runs/${key}`, { headers: { 'x-api-key': key } }),
      t.api.console('POST', '/keys', { name: key, projects: [key] }),
    ]);
    for (const e of errors) {
      assert.ok(e.status >= 400 && e.status < 500);
      for (const s of secrets) assert.ok(!JSON.stringify(e.body).includes(s), `${e.status} ${JSON.stringify(e.body)}`);
    }
    const tree = await readTree(t.dataDir);
    assert.ok(!tree.includes(key), 'no API key secret anywhere in the data dir');
  });

  test('path tricks under /instances never reach non-proxy handlers', async () => {
    for (const path of [
      '/../../console/api/keys',
      '/%2e%2e/%2e%2e/console/api/keys',
      '/..%2F..%2Fconsole%2Fapi%2Fkeys',
      '//console/api/keys',
    ]) {
      const res = await rawRequest(
        port,
        `GET /instances/${runId}/api${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-API-Key: ${key}\r\nConnection: close\r\n\r\n`,
      );
      assert.equal(res.status, 200, path);
      assert.ok(
        res.body.toString().startsWith(`GET ${path} HTTP/1.1`),
        `forwarded as is: ${res.body.toString().slice(0, 60)}`,
      );
      assert.ok(!res.body.toString().includes('"keys"'));
    }
  });

  test('request smuggling shapes are refused with 400 and never reach the container', async () => {
    const shapes = [
      `POST /instances/${runId}/api/smuggle-a HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-API-Key: ` +
        `${key}\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
      `POST /instances/${runId}/api/smuggle-b HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-API-Key: ` +
        `${key}\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n`,
      `POST /instances/${runId}/api/smuggle-c HTTP/1.1\nHost: 127.0.0.1:${port}\nX-API-Key: ${key}\nContent-Length: 0\n\n`,
      `POST /instances/${runId}/api/smuggle-d HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-API-Key: ${key}\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab`,
    ];
    for (const shape of shapes) {
      const res = await rawRequest(port, shape);
      assert.equal(res.status, 400, shape.split(/\r?\n/)[0]);
    }
    const check = await t.api.request('GET', `/instances/${runId}/api/hello`, { headers: { 'x-api-key': key } });
    assert.equal(check.status, 200, 'the service still answers');
  });

  test('request bodies over the limit get 413 without contacting the container', async () => {
    const small = await startTestServer({ env: { SWIFTLAMBDA_PROXY_MAX_BODY_BYTES: '1024' } });
    try {
      const p = await small.api.createProject(PACKAGES.echo, 'echo-service');
      // reuse the binary built above: import it instead of building again
      const binary = join(t.dataDir, 'binaries', projectId);
      const compilation = (await readdir(binary))[0]!;
      assert.equal(
        (
          await small.api.console('POST', `/projects/${p.id}/compilations`, {
            binaryPath: join(binary, compilation, 'echo-service'),
          })
        ).status,
        202,
      );
      const k = await small.api.createKey();
      const run = (await small.api.public('POST', `/lambdas/${p.id}/runs`, k, { mode: 'service' })).body.run;
      await small.api.waitForRun(p.id, run.uuid, k, (r) => r.state === 'running');
      for (
        let i = 0;
        i < 50 && (await small.api.public('GET', `/instances/${run.uuid}/api/hello`, k)).status !== 200;
        i++
      )
        await sleep(100);
      const fixed = await small.api.request('POST', `/instances/${run.uuid}/api/big`, {
        rawBody: 'x'.repeat(2048),
        headers: { 'x-api-key': k },
      });
      assert.deepEqual([fixed.status, fixed.body.reason], [413, 'payload_too_large']);
      const sport = Number(new URL(small.url).port);
      const chunk = 'y'.repeat(800);
      const chunked = await rawRequest(
        sport,
        `POST /instances/${run.uuid}/api/big-chunked HTTP/1.1\r\nHost: 127.0.0.1:${sport}\r\nX-API-Key: ` +
          `${k}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n` +
          `${(800).toString(16)}\r\n${chunk}\r\n${(800).toString(16)}\r\n${chunk}\r\n0\r\n\r\n`,
      );
      assert.equal(chunked.status, 413);
      const ok = await small.api.request('POST', `/instances/${run.uuid}/api/small`, {
        rawBody: 'x'.repeat(1000),
        headers: { 'x-api-key': k },
      });
      assert.equal(ok.status, 200);
      const logs = (await small.api.allLogs(p.id, run.uuid, k)).map((c) => c.data).join('');
      assert.ok(!logs.includes('/big'), 'the container saw nothing of the refused requests');
    } finally {
      await small.dispose();
    }
  });
});
