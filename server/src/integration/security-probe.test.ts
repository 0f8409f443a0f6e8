// Issue 23, the second security probe: the session cookie from another site's page, keyless Invoke
// bodies, malformed paths, and secrets echoed in errors, the request log and Replay. Raw sockets,
// so that exactly the attacker's bytes arrive. No Swift build: this machine's node, imported as a
// prebuilt binary, is both the service (`node -e`) and the function's binary.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Project } from '../contract/types.js';
import { consoleSession, PACKAGES, startTestServer, waitFor, type TestServer } from '../testing/harness.js';
import { rawRequest } from '../testing/raw-http.js';

/** A service that answers every request with what it received: request line, headers, body. */
const ECHO_SERVICE =
  "require('http').createServer((q,s)=>{const b=[];q.on('data',d=>b.push(d));q.on('end',()=>{" +
  "s.setHeader('content-type','text/plain');s.end(q.method+' '+q.url+'\\n'+q.rawHeaders.join('\\n')+'\\n\\n'+Buffer.concat(b))})})" +
  ".listen(+process.env.PORT,'0.0.0.0')";

const SIGV4 =
  'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261207/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=abc';

describe('second security probe', { timeout: 600_000 }, () => {
  let t: TestServer;
  let port: number;
  let key: string;
  let service: Project;
  let fn: Project;
  let runId: string;
  let session: string;
  const head = (lines: string[]) => `${lines.join('\r\n')}\r\n\r\n`;
  const host = () => `Host: 127.0.0.1:${port}`;

  const importNode = async (project: Project) =>
    assert.equal(
      (await t.api.console('POST', `/projects/${project.id}/compilations`, { binaryPath: process.execPath })).status,
      202,
    );

  before(async () => {
    t = await startTestServer();
    port = Number(new URL(t.url).port);
    key = await t.api.createKey({ name: 'probe' });
    service = await t.api.createProject(PACKAGES.echo, 'echo-service', {
      name: 'probe-service',
      runTimeoutSeconds: 300,
    });
    await importNode(service);
    fn = await t.api.createProject(PACKAGES.echo, 'echo-service', { name: 'probe-function', runtime: 'awsLambda' });
    await importNode(fn);
    await waitFor(
      async () =>
        (await t.api.console('GET', `/projects/${fn.id}/compilations`)).body.compilations[0]?.state === 'succeeded' ||
        undefined,
      30_000,
      'the imported binaries',
    );
    const res = await t.api.public('POST', `/lambdas/${service.id}/runs`, key, {
      mode: 'service',
      arguments: ['-e', ECHO_SERVICE],
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    runId = res.body.run.uuid;
    await waitFor(
      async () => (await t.api.public('GET', `/instances/${runId}/api/hello`, key)).status === 200 || undefined,
      60_000,
      'the service',
    );
    session = await consoleSession(t);
  });
  after(async () => {
    await t?.dispose();
  });

  test('the session cookie with Sec-Fetch-Site same-site or cross-site is 403 forbidden_origin on every route, the proxy and dev URL included', async () => {
    const routes: Array<[string, string, string[], number]> = [
      ['GET', `/instances/${runId}/api/hello`, [], 200],
      ['POST', `/instances/${runId}/api/hello`, [], 200],
      ['GET', `/dev/${service.id}/api/hello`, [], 200],
      ['GET', `/lambdas/${service.id}/runs`, [], 200],
      ['GET', `/lambdas/${service.id}/runs/${runId}/logs`, [], 200],
      ['GET', '/console/api/keys', [], 200],
      ['GET', `/console/api/projects/${fn.id}/invocations`, [], 200],
      ['POST', `/2015-03-31/functions/${fn.id}/invocations`, ['X-Amz-Invocation-Type: DryRun'], 204],
    ];
    const answers: Array<[string | null, number]> = [
      ['same-site', 403],
      ['cross-site', 403],
      ['Same-Site', 403],
      ['same-origin', 0],
      ['none', 0],
      [null, 0],
    ];
    for (const [method, path, extra, ok] of routes) {
      for (const [site, expected] of answers) {
        const res = await rawRequest(
          port,
          head([
            `${method} ${path} HTTP/1.1`,
            host(),
            `Cookie: ${session}`,
            ...(site ? [`Sec-Fetch-Site: ${site}`] : []),
            ...extra,
            'Content-Length: 0',
            'Connection: close',
          ]),
        );
        const what = `${method} ${path} ${site ?? 'no Sec-Fetch-Site'}: ${res.body.toString().slice(0, 200)}`;
        assert.equal(res.status, expected || ok, what);
        if (expected === 403) assert.equal(JSON.parse(res.body.toString()).reason, 'forbidden_origin', what);
      }
    }
    // a key is what authenticates such a request: the cookie beside it changes nothing
    const withKey = await rawRequest(
      port,
      head([
        `GET /instances/${runId}/api/hello HTTP/1.1`,
        host(),
        `X-API-Key: ${key}`,
        `Cookie: ${session}`,
        'Sec-Fetch-Site: same-site',
        'Connection: close',
      ]),
    );
    assert.equal(withKey.status, 200);
  });

  test('a bad % escape in a path is 400 on every route, never 500 nor a stack trace', async () => {
    const before = t.logLines.length;
    const paths = [
      '/2015-03-31/functions/%E0%A4%A/invocations',
      '/2015-03-31/functions/%E0%A4/invocations',
      '/2015-03-31/functions/%zz/invocations',
      `/lambdas/%E0%A4%A/runs`,
      `/lambdas/%E0%A4/runs`,
      `/lambdas/${service.id}/runs/%E0%A4`,
      '/console/api/projects/%E0%A4',
      '/console/api/projects/%E0%A4%A',
      '/instances/%E0%A4/api/hello',
      `/instances/${runId}/api/%zz`,
      '/dev/%E0%A4/api/',
      '/dev/%/api/',
      '/%E0%A4%A',
    ];
    for (const path of paths) {
      for (const auth of [
        `Authorization: ${SIGV4}`,
        `X-API-Key: ${key}`,
        `Authorization: Bearer ${t.api.consoleToken}`,
      ]) {
        const res = await rawRequest(
          port,
          head([`POST ${path} HTTP/1.1`, host(), auth, 'Content-Length: 2', 'Connection: close']) + '{}',
        );
        assert.equal(res.status, 400, `${path} ${auth.slice(0, 20)}: ${res.body.toString().slice(0, 200)}`);
        assert.equal(JSON.parse(res.body.toString()).error, true);
      }
    }
    const logged = t.logLines.slice(before).join('\n');
    assert.doesNotMatch(logged, /\n\s+at /, 'no stack trace is logged');
  });

  test('keyless Invoke bodies share one budget: 500 fake-SigV4 1 MiB uploads, RSS growth within 200 MB, then 429s stop', async () => {
    // Each connection declares 1 MiB and sends one byte less, then waits: a server that reads every
    // keyless body holds ~500 MB. The flood comes from another process, so its buffers are not counted.
    const flood = (n: number) => {
      const script = `
        const net = require('node:net');
        const [port, path, n, auth] = process.argv.slice(1);
        const body = Buffer.alloc(1024 * 1024 - 1, 120);
        const counts = { throttled: 0, otherStatus: [], failed: 0 };
        let last = Date.now();
        for (let i = 0; i < Number(n); i++) {
          const s = net.connect(Number(port), '127.0.0.1');
          let answer = '';
          s.on('error', () => { counts.failed++; last = Date.now(); });
          s.on('data', (d) => {
            if (answer.includes('\\r\\n\\r\\n')) return;
            answer += d;
            if (!answer.includes('\\r\\n\\r\\n')) return;
            last = Date.now();
            if (/^HTTP\\/1\\.1 429 /.test(answer) && /x-amzn-ErrorType: TooManyRequestsException/i.test(answer)) counts.throttled++;
            else counts.otherStatus.push(answer.split('\\r\\n')[0]);
          });
          s.write('POST ' + path + ' HTTP/1.1\\r\\nHost: 127.0.0.1:' + port + '\\r\\nAuthorization: ' + auth +
            '\\r\\nContent-Length: ' + (body.length + 1) + '\\r\\n\\r\\n');
          s.write(body);
        }
        // quiet for 3 s: every answer that will come has come; the rest are held
        const timer = setInterval(() => {
          if (Date.now() - last < 3000) return;
          clearInterval(timer);
          console.log(JSON.stringify(counts));
          setTimeout(() => process.exit(0), 1000);
        }, 200);`;
      const child = spawn(
        process.execPath,
        ['-e', script, String(port), `/2015-03-31/functions/${fn.id}/invocations`, String(n), SIGV4],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      const exited = new Promise((resolve) => child.once('exit', resolve));
      const timeout = setTimeout(() => child.kill('SIGKILL'), 120_000);
      return {
        child,
        done: exited.then(() => {
          clearTimeout(timeout);
          return JSON.parse(out) as { throttled: number; otherStatus: string[]; failed: number };
        }),
      };
    };
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const first = flood(500);
    let result;
    try {
      result = await first.done;
    } finally {
      clearInterval(sampler);
      first.child.kill('SIGKILL');
    }
    await new Promise((r) => setTimeout(r, 2000));
    const afterRss = process.memoryUsage().rss;
    const growthMb = Math.round((peak - baseline) / 1e6);
    const leftMb = Math.round((afterRss - baseline) / 1e6);
    console.log(
      `# 500 keyless 1 MiB Invoke uploads: ${result.throttled} answered 429, ${result.failed} reset; server ` +
        `RSS growth ${growthMb} MB at peak, ${leftMb} MB after they left`,
    );
    assert.deepEqual(result.otherStatus, []);
    assert.ok(result.throttled >= 450, `only ${result.throttled} of 500 were throttled`);
    assert.ok(growthMb <= 200, `RSS grew by ${growthMb} MB`);
    assert.ok(leftMb <= 200, `RSS stayed ${leftMb} MB above the baseline`);
    // the budget came back with the callers: a few can upload again, the rest are throttled
    const second = flood(30);
    const again = await second.done;
    assert.ok(again.throttled <= 10, `the budget was not returned: ${JSON.stringify(again)}`);
    assert.ok(again.throttled >= 1, `the budget did not apply again: ${JSON.stringify(again)}`);
    // a caller with a key is not held to the keyless budget
    const keyed = await rawRequest(
      port,
      head([
        `POST /2015-03-31/functions/${fn.id}/invocations HTTP/1.1`,
        host(),
        `X-API-Key: ${key}`,
        'X-Amz-Invocation-Type: DryRun',
        'Content-Length: 0',
        'Connection: close',
      ]),
    );
    assert.equal(keyed.status, 204);
  });

  test('an aborted Invoke upload is one log line, not a stack trace', async () => {
    const before = t.logLines.length;
    await new Promise<void>((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.on('error', reject);
      socket.write(
        head([
          `POST /2015-03-31/functions/${fn.id}/invocations HTTP/1.1`,
          host(),
          `Authorization: ${SIGV4}`,
          'Content-Length: 1000000',
        ]),
      );
      socket.write(Buffer.alloc(100_000, 120), () => {
        setTimeout(() => {
          socket.resetAndDestroy();
          resolve();
        }, 200);
      });
    });
    const lines = await waitFor(
      async () => (t.logLines.length > before ? t.logLines.slice(before) : undefined),
      5_000,
      'a log line',
    );
    await new Promise((r) => setTimeout(r, 500));
    const all = t.logLines.slice(before);
    assert.equal(all.length, 1, all.join('\n---\n'));
    assert.match(lines[0]!, /aborted/i);
    assert.doesNotMatch(all[0]!, /\n\s+at /);
  });

  test('Invoke error bodies never repeat the console token or a key', async () => {
    const token = t.api.consoleToken;
    const shapes: Array<[string, string[]]> = [
      [`/2015-03-31/functions/${token}/invocations`, []],
      [`/2015-03-31/functions/${key}/invocations`, []],
      [`/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:${token}/invocations`, []],
      [`/2015-03-31/functions/${fn.id}/invocations`, [`X-Amz-Invocation-Type: ${token}`]],
      [`/2015-03-31/functions/${fn.id}/invocations`, [`X-Amz-Log-Type: ${key}`]],
      [`/2015-03-31/functions/${fn.id}/invocations?Qualifier=${token}`, []],
    ];
    for (const [path, extra] of shapes) {
      const res = await rawRequest(
        port,
        head([
          `POST ${path} HTTP/1.1`,
          host(),
          `Authorization: ${SIGV4}`,
          ...extra,
          'Content-Length: 0',
          'Connection: close',
        ]),
      );
      assert.ok(res.status >= 400 && res.status < 500, `${path}: ${res.status}`);
      const text = res.raw.toString('latin1');
      assert.ok(!text.includes(token), `the console token echoed: ${text}`);
      assert.ok(!text.includes(key), `the key echoed: ${text}`);
    }
  });

  test('the request log redacts credentials, credential-named query parameters and secrets; Replay sends none of them', async () => {
    const token = t.api.consoleToken;
    const sessionValue = session.slice(session.indexOf('=') + 1);
    const query = `page=2&api_key=k1&Token=t1&SECRET=s1&password=p1&access_token=a1&signature=g1&KEY=kk1&note=${token}`;
    const res = await rawRequest(
      port,
      head([
        `POST /instances/${runId}/api/orders?${query} HTTP/1.1`,
        host(),
        `X-API-Key: ${key}`,
        'Authorization: Bearer service-own-credential',
        'Proxy-Authorization: Basic cHJveHk6c2VjcmV0',
        `X-Console-Token: ${token}`,
        `X-Forwarded-Key: ${key}`,
        `Cookie: theirs=1; ${session}`,
        'X-Trace: abc',
        'Content-Length: 2',
        'Connection: close',
      ]) + '{}',
    );
    assert.equal(res.status, 200);
    const list = await t.api.console('GET', `/runs/${runId}/requests?limit=5`);
    const record = list.body.requests.find((r: { path: string }) => r.path === '/orders');
    assert.ok(record, JSON.stringify(list.body));
    const headers = new Map<string, string>(
      record.requestHeaders.map(([k, v]: [string, string]) => [k.toLowerCase(), v]),
    );
    for (const name of ['x-api-key', 'authorization', 'proxy-authorization', 'x-console-token', 'x-forwarded-key'])
      assert.equal(headers.get(name), '[redacted]', name);
    assert.equal(headers.get('cookie'), 'theirs=1; swiftlambda_console=[redacted]');
    assert.equal(headers.get('x-trace'), 'abc');
    assert.equal(
      record.query,
      'page=2&api_key=[redacted]&Token=[redacted]&SECRET=[redacted]&password=[redacted]' +
        '&access_token=[redacted]&signature=[redacted]&KEY=[redacted]&note=[redacted]',
    );
    const everything = JSON.stringify(list.body);
    for (const secret of [token, key, sessionValue])
      assert.ok(!everything.includes(secret), 'a secret in the request log');

    const replay = await t.api.console('POST', `/runs/${runId}/requests/${record.id}/replay`);
    assert.equal(replay.status, 200, JSON.stringify(replay.body));
    assert.equal(replay.body.request.status, 200);
    const seen: string = replay.body.request.responseBody.text;
    assert.ok(!seen.includes('[redacted]'), `the service was sent a redacted value:\n${seen}`);
    assert.match(seen, /^POST \/orders\?page=2\n/);
    assert.match(seen, /\nCookie\ntheirs=1\n/);
    assert.match(seen, /\nX-Trace\nabc\n/);
    assert.doesNotMatch(seen, /Proxy-Authorization|X-Console-Token|X-API-Key/i);
  });
});
