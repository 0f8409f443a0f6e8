// Issue 14: the findings of an attacker on localhost against the public port, one regression test
// each, sent with raw sockets so that exactly the attacker's bytes arrive.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Project } from '../contract/types.js';
import { consoleSession, startEchoServer, waitFor, type TestServer } from '../testing/harness.js';
import { header, rawRequest } from '../testing/raw-http.js';

describe('hardening of the one HTTP stack', { timeout: 600_000 }, () => {
  let t: TestServer;
  let echo: Project;
  let key: string;
  let port: number;
  let runId: string;
  let session: string;
  const head = (lines: string[]) => `${lines.join('\r\n')}\r\n\r\n`;
  const host = () => `Host: 127.0.0.1:${port}`;

  before(async () => {
    ({ t, echo, key, port } = await startEchoServer('hardening'));
    const res = await t.api.public('POST', `/lambdas/${echo.id}/runs`, key, { mode: 'service' });
    runId = res.body.run.uuid;
    await waitFor(
      async () => (await t.api.public('GET', `/instances/${runId}/api/hello`, key)).status === 200 || undefined,
      30_000,
      'the service',
    );
    session = await consoleSession(t);
  });
  after(async () => {
    await t?.dispose();
  });

  test('a client that reads an answer to Connection: close and then resets never takes the port down', async () => {
    const paths = [`/instances/${runId}/api/hello`, `/lambdas/${echo.id}/runs`, '/console/api/status'];
    for (let round = 0; round < 3; round++) {
      for (const path of paths) {
        await new Promise<void>((resolve, reject) => {
          const socket = net.connect(port, '127.0.0.1');
          socket.on('error', reject);
          socket.write(
            head([
              `GET ${path} HTTP/1.1`,
              host(),
              `X-API-Key: ${key}`,
              `Authorization: Bearer ${t.api.consoleToken}`,
              'Connection: close',
            ]),
          );
          socket.once('data', () => {
            socket.resetAndDestroy();
            resolve();
          });
        });
      }
      await sleep(50);
    }
    const still = await t.api.public('GET', `/instances/${runId}/api/hello`, key);
    assert.equal(still.status, 200, 'the port still answers proxied calls');
    assert.equal((await t.api.public('GET', `/lambdas/${echo.id}/runs`, key)).status, 200, 'and API calls');
  });

  test("1,000 unauthenticated bodies one byte short of 1 MiB are not held: the server's memory stays bounded", async () => {
    // Each connection declares 1 MiB and sends one byte less, then waits: a server that buffers a
    // body before checking the caller holds ~1 GB here. The flood comes from another process, so its
    // own buffers are not counted.
    const script = `
      const net = require('node:net');
      const [port, path, n] = process.argv.slice(1).map((v, i) => i === 1 ? v : Number(v));
      const body = Buffer.alloc(1024 * 1024 - 1, 120);
      const sockets = [];
      let refused = 0, failed = 0;
      for (let i = 0; i < n; i++) {
        const s = net.connect(port, '127.0.0.1');
        sockets.push(s);
        let answer = '';
        s.on('error', () => { failed++; check(); });
        s.on('data', (d) => {
          if (answer.includes('\\r\\n\\r\\n')) return;
          answer += d;
          if (answer.includes('\\r\\n\\r\\n')) { if (/^HTTP\\/1\\.1 401 /.test(answer)) refused++; check(); }
        });
        s.write('POST ' + path + ' HTTP/1.1\\r\\nHost: 127.0.0.1:' + port + '\\r\\nContent-Length: ' + (body.length + 1) + '\\r\\n\\r\\n');
        s.write(body);
      }
      let reported = false;
      function check() {
        if (reported || refused + failed < n) return;
        reported = true;
        // every connection is still open with its body sent: the parent measures now
        console.log(JSON.stringify({ refused, failed }));
        setTimeout(() => process.exit(0), 1000);
      }
      setTimeout(() => { console.log(JSON.stringify({ refused, failed, timedOut: true })); process.exit(0); }, 120000);`;
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const child = spawn(process.execPath, ['-e', script, String(port), `/instances/${runId}/api/flood`, '1000'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    try {
      await new Promise((resolve) => child.once('exit', resolve));
    } finally {
      clearInterval(sampler);
      child.kill('SIGKILL');
    }
    const result = JSON.parse(out) as { refused: number; failed: number; timedOut?: boolean };
    const growthMb = Math.round((peak - baseline) / 1e6);
    console.log(
      `# 1,000 unauthenticated bodies one byte short of 1 MiB: ${result.refused} refused with 401, server RSS growth ${growthMb} MB`,
    );
    assert.equal(result.refused, 1000, JSON.stringify(result));
    // held bodies would be ~1,000 MB; Node reads and drops them as they arrive
    assert.ok(growthMb < 200, `RSS grew by ${growthMb} MB`);
    assert.equal((await t.api.public('GET', `/instances/${runId}/api/hello`, key)).status, 200);
  });

  test("the console token and the session cookie, however written, never reach the service; the service's own do", async () => {
    const token = t.api.consoleToken;
    const value = session.slice(session.indexOf('=') + 1);
    const variants = [
      [`Authorization: Bearer ${token}`],
      [`authorization: bearer ${token}`],
      [`AUTHORIZATION: BEARER   ${token}`],
      [`Cookie: swiftlambda_console =${value}`],
      [`Cookie: a=1;swiftlambda_console= ${value} ; b=2`],
      [`Cookie: a=1`, `Cookie: swiftlambda_console=${value}`],
    ];
    for (const extra of variants) {
      const res = await rawRequest(
        port,
        head([`GET /instances/${runId}/api/echo HTTP/1.1`, host(), ...extra, 'Connection: close']),
      );
      assert.equal(res.status, 200, extra.join(' | '));
      const seen = res.body.toString('latin1');
      assert.ok(!seen.includes(token) && !seen.includes(value), `forwarded a credential: ${extra.join(' | ')}`);
      if (extra.join('').includes('a=1')) assert.match(seen, /a=1/);
    }
    const own = await rawRequest(
      port,
      head([
        `GET /instances/${runId}/api/echo HTTP/1.1`,
        host(),
        `X-API-Key: ${key}`,
        'Authorization: Bearer service-own-token',
        'Cookie: theirs=1',
        'Connection: close',
      ]),
    );
    assert.match(own.body.toString('latin1'), /Authorization: Bearer service-own-token\r\n/);
    assert.match(own.body.toString('latin1'), /Cookie: theirs=1\r\n/);
  });

  test('the console session with another Origin is refused on every route, the proxy included, even when Connection names Origin', async () => {
    const routes = [
      ['GET', `/instances/${runId}/api/echo`],
      ['POST', `/instances/${runId}/api/echo`],
      ['GET', `/lambdas/${echo.id}/runs`],
      ['POST', `/lambdas/${echo.id}/runs`],
      ['GET', '/console/api/keys'],
    ] as const;
    for (const [method, path] of routes) {
      for (const origin of [
        'null',
        `http://127.0.0.1:${port + 1}`,
        `http://localhost:${port + 1}`,
        'http://evil.example',
      ]) {
        for (const connection of ['keep-alive', 'origin', 'Origin, close']) {
          const res = await rawRequest(
            port,
            head([
              `${method} ${path} HTTP/1.1`,
              host(),
              `Cookie: ${session}`,
              `Origin: ${origin}`,
              `Connection: ${connection}`,
              'Content-Length: 0',
            ]),
          );
          assert.deepEqual(
            [res.status, JSON.parse(res.body.toString()).reason],
            [403, 'forbidden_origin'],
            `${method} ${path} ${origin} ${connection}`,
          );
        }
      }
    }
    const own = await rawRequest(
      port,
      head([
        `GET /instances/${runId}/api/hello HTTP/1.1`,
        host(),
        `Cookie: ${session}`,
        `Origin: http://127.0.0.1:${port}`,
        'Connection: close',
      ]),
    );
    assert.equal(own.status, 200, "the console's own origin is let in");
  });

  test('absolute-form targets and a second Host are refused with 400', async () => {
    const shapes: Array<[string, string]> = [
      [
        head([
          `GET http://127.0.0.1:${port}/instances/${runId}/api/hello HTTP/1.1`,
          host(),
          `X-API-Key: ${key}`,
          'Connection: close',
        ]),
        'invalid_request_target',
      ],
      [
        head([
          `GET http://evil.example/lambdas/${echo.id}/runs HTTP/1.1`,
          host(),
          `X-API-Key: ${key}`,
          'Connection: close',
        ]),
        'invalid_request_target',
      ],
      [head(['OPTIONS * HTTP/1.1', host(), 'Connection: close']), 'invalid_request_target'],
      [
        head([
          `GET /instances/${runId}/api/hello HTTP/1.1`,
          host(),
          'Host: evil.example',
          `X-API-Key: ${key}`,
          'Connection: close',
        ]),
        'duplicate_host',
      ],
      [
        head([
          `GET /lambdas/${echo.id}/runs HTTP/1.1`,
          host(),
          `Host: 127.0.0.1:${port}`,
          `X-API-Key: ${key}`,
          'Connection: close',
        ]),
        'duplicate_host',
      ],
    ];
    for (const [request, reason] of shapes) {
      const res = await rawRequest(port, request);
      assert.deepEqual([res.status, JSON.parse(res.body.toString()).reason], [400, reason], request.split('\r\n')[0]);
    }
  });

  test("methods outside the proxy's seven get 405 method_not_allowed on the proxy", async () => {
    for (const method of ['TRACE', 'PROPFIND', 'MKCOL', 'PURGE']) {
      const res = await rawRequest(
        port,
        head([`${method} /instances/${runId}/api/echo HTTP/1.1`, host(), `X-API-Key: ${key}`, 'Connection: close']),
      );
      assert.deepEqual([res.status, JSON.parse(res.body.toString()).reason], [405, 'method_not_allowed'], method);
      assert.equal(header(res, 'allow'), 'GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS');
    }
  });

  test('X-Forwarded-For ends with the real peer, whatever the caller sends and however many headers', async () => {
    // Node refuses a head with too many headers itself (431; Node 26 from 1,000 headers): that is
    // its limit to keep, and below it the real peer must still come last
    for (const count of [990, 1010]) {
      const filler = Array.from({ length: count }, (_, i) => `X-Filler-${i}: ${i}`);
      const res = await rawRequest(
        port,
        head([
          `GET /instances/${runId}/api/echo HTTP/1.1`,
          host(),
          'X-Forwarded-For: 203.0.113.9',
          `X-API-Key: ${key}`,
          ...filler,
          'X-Forwarded-For: 198.51.100.7',
          'Connection: close',
        ]),
      );
      if (count > 990 && res.status === 431) continue;
      assert.equal(res.status, 200, `${count} headers`);
      const xff = /\r\nx-forwarded-for: ([^\r]*)\r\n/i.exec(res.body.toString('latin1'))?.[1] ?? '';
      assert.match(xff, /(^|, )127\.0\.0\.1$/, `X-Forwarded-For seen by the service after ${count} headers: ${xff}`);
    }
  });
});
