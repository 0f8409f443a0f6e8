// Issue 31: function URLs in AWS Lambda mode, with resources/examples/aws-http (an
// APIGatewayV2Request → APIGatewayV2Response handler). Real Docker, a real Swift build.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { AwsInvocation } from '../contract/aws.js';
import type { Project } from '../contract/types.js';
import { killTrackedChildren } from '../testing/children.js';
import { startTestServer, waitFor, type TestServer } from '../testing/harness.js';

const AWS_HTTP = fileURLToPath(new URL('../../../resources/examples/aws-http', import.meta.url));
const TIMEOUT_SECONDS = 3;

interface Answer {
  status: number;
  /** Node's raw list: [name, value, …] */
  raw: string[];
  body: Buffer;
  header(name: string): string | undefined;
  all(name: string): string[];
}

/** One request with node:http, so that repeated headers go out as separate lines. */
function send(
  url: string,
  options: { method?: string; headers?: http.OutgoingHttpHeaders; body?: Buffer | string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => {
        const raw = res.rawHeaders;
        const all = (name: string) => raw.filter((_, i) => i % 2 === 1 && raw[i - 1]!.toLowerCase() === name);
        resolve({ status: res.statusCode!, raw, body: Buffer.concat(parts), header: (n) => all(n)[0], all });
      });
      res.on('error', reject);
    });
    req.setTimeout(60_000, () => req.destroy(new Error('the request timed out')));
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('function URLs (AWS Lambda mode)', { timeout: 900_000 }, () => {
  let t: TestServer;
  let fn: Project;
  let other: Project;
  let key: string;
  const base = () => `${t.url}/lambda-url/${fn.id}`;
  const invocations = async (): Promise<AwsInvocation[]> =>
    (await t.api.console('GET', `/projects/${fn.id}/invocations?limit=200`)).body.invocations;
  const eventOf = (a: Answer): any => {
    assert.equal(a.status, 200, a.body.toString());
    return JSON.parse(a.body.toString('utf8'));
  };

  before(async () => {
    t = await startTestServer();
    fn = await t.api.createProject(AWS_HTTP, 'aws-http', {
      runtime: 'awsLambda',
      runTimeoutSeconds: TIMEOUT_SECONDS,
      memoryLimitMb: 256,
    });
    other = await t.api.createProject(AWS_HTTP, 'aws-http', { name: 'aws-http-other', runtime: 'awsLambda' });
    const build = await t.api.build(fn.id);
    assert.equal(build.state, 'succeeded', build.errorSummary ?? '');
    key = await t.api.createKey({ name: 'url' });
  });
  after(async () => {
    await t?.dispose();
    await killTrackedChildren();
  });

  test(
    'a GET with a query, two cookies and a repeated header: the event field by field, no credential in it',
    { timeout: 60_000 },
    async () => {
      const before = Date.now();
      const a = await send(`${base()}/event?name=Swift&tag=a&tag=b`, {
        headers: { 'x-api-key': key, cookie: 'one=1; two=2', 'x-multi': ['first', 'second'], 'User-Agent': 'curl/8' },
      });
      const event = eventOf(a);
      assert.ok(!a.body.toString().includes(key), 'the key reached the function');
      assert.equal(event.version, '2.0');
      assert.equal(event.routeKey, '$default');
      assert.equal(event.rawPath, '/event');
      assert.equal(event.rawQueryString, 'name=Swift&tag=a&tag=b');
      assert.deepEqual(event.queryStringParameters, { name: 'Swift', tag: 'a,b' });
      assert.deepEqual(event.cookies, ['one=1', 'two=2']);
      assert.equal(event.headers['x-multi'], 'first,second');
      assert.equal(event.headers['user-agent'], 'curl/8');
      assert.equal(event.headers.host, new URL(t.url).host);
      assert.equal(event.headers['x-forwarded-proto'], 'http');
      assert.equal(event.headers['x-api-key'], undefined);
      assert.equal(event.headers.cookie, undefined);
      assert.ok(Object.keys(event.headers).every((h) => h === h.toLowerCase()));
      assert.equal(event.body, undefined);
      assert.equal(event.isBase64Encoded, false);
      assert.equal(event.pathParameters, undefined);
      const rc = event.requestContext;
      assert.equal(rc.accountId, '000000000000');
      assert.equal(rc.apiId, fn.id);
      assert.equal(rc.domainName, new URL(t.url).host);
      assert.equal(rc.domainPrefix, '127');
      assert.deepEqual(rc.http, {
        method: 'GET',
        path: '/event',
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'curl/8',
      });
      assert.equal(rc.requestId, a.header('x-amzn-requestid'));
      assert.equal(rc.routeKey, '$default');
      assert.equal(rc.stage, '$default');
      assert.ok(rc.timeEpoch >= before && rc.timeEpoch <= Date.now(), String(rc.timeEpoch));
      const d = new Date(rc.timeEpoch);
      const month = d.toUTCString().split(' ')[2];
      const pad = (n: number) => String(n).padStart(2, '0');
      assert.equal(
        rc.time,
        `${pad(d.getUTCDate())}/${month}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`,
      );

      // the console lists the call with its method, path and status, under the event's request id
      const [listed] = await invocations();
      assert.equal(listed!.requestId, rc.requestId);
      assert.equal(listed!.source, 'url');
      assert.deepEqual(listed!.http, { method: 'GET', path: '/event', query: 'name=Swift&tag=a&tag=b', status: 200 });
      assert.equal(listed!.state, 'succeeded');
      assert.equal(listed!.initDurationMs, Math.round(listed!.initDurationMs! * 100) / 100);
    },
  );

  test('a POST with a JSON body, and one with a binary body (base64)', { timeout: 60_000 }, async () => {
    const json = '{"hello":"wörld","n":[1,2]}';
    const posted = eventOf(
      await send(`${base()}/event`, {
        method: 'POST',
        headers: { 'x-api-key': key, 'content-type': 'application/json' },
        body: json,
      }),
    );
    assert.equal(posted.requestContext.http.method, 'POST');
    assert.equal(posted.body, json);
    assert.equal(posted.isBase64Encoded, false);
    assert.equal(posted.headers['content-type'], 'application/json');
    assert.equal(posted.headers['content-length'], String(Buffer.byteLength(json)));

    const bytes = Buffer.from([0, 1, 2, 0x80, 0xfe, 0xff, 10, 13]);
    const binary = eventOf(
      await send(`${base()}/event`, {
        method: 'PUT',
        headers: { 'x-api-key': key, 'content-type': 'application/octet-stream' },
        body: bytes,
      }),
    );
    assert.equal(binary.requestContext.http.method, 'PUT');
    assert.equal(binary.isBase64Encoded, true);
    assert.deepEqual(Buffer.from(binary.body, 'base64'), bytes);
  });

  test(
    'the handler answer: status 201, a header and a cookie; a base64 body decoded',
    { timeout: 60_000 },
    async () => {
      const a = await send(`${base()}/hello?name=Swift`, { headers: { 'x-api-key': key } });
      assert.equal(a.status, 201);
      assert.equal(a.header('x-hello'), 'world');
      assert.deepEqual(a.all('set-cookie'), ['visits=1; Path=/; HttpOnly']);
      assert.equal(a.header('content-type'), 'text/plain; charset=utf-8');
      assert.equal(a.body.toString(), 'Hello, Swift!\n');

      const b = await send(`${base()}/binary`, { headers: { 'x-api-key': key } });
      assert.equal(b.status, 200);
      assert.equal(b.header('content-type'), 'application/octet-stream');
      assert.deepEqual([...b.body], [...Array(256).keys()]);

      const root = await send(base(), { method: 'DELETE', headers: { 'x-api-key': key } });
      assert.equal(root.status, 404);
      assert.deepEqual(JSON.parse(root.body.toString()), { message: 'Not Found' });
    },
  );

  test('a function error answers 502, a timeout 504; both listed', { timeout: 90_000 }, async () => {
    const failed = await send(`${base()}/fail`, { method: 'POST', headers: { 'x-api-key': key } });
    assert.equal(failed.status, 502);
    assert.equal(failed.body.toString(), '{"message":"Internal Server Error"}');
    const slow = await send(`${base()}/sleep?seconds=${TIMEOUT_SECONDS + 3}`, { headers: { 'x-api-key': key } });
    assert.equal(slow.status, 504);
    const [timedOut, error] = await invocations();
    assert.deepEqual([error!.state, error!.errorType, error!.http?.status], ['failed', 'HelloFailure', 502]);
    assert.deepEqual([timedOut!.state, timedOut!.http?.path, timedOut!.http?.status], ['timedOut', '/sleep', 504]);
    // the next call gets a new container and works
    assert.equal((await send(`${base()}/hello`, { headers: { 'x-api-key': key } })).status, 201);
  });

  test(
    'auth: no key is 401, a key of another project 403, the console token never reaches the event; publicInstances needs none',
    {
      timeout: 60_000,
    },
    async () => {
      const none = await send(`${base()}/event`);
      assert.equal(none.status, 401);
      assert.equal(JSON.parse(none.body.toString()).reason, 'missing_api_key');
      const restricted = await t.api.createKey({ name: 'other', projects: [other.id] });
      assert.equal((await send(`${base()}/event`, { headers: { 'x-api-key': restricted } })).status, 403);
      const unknown = await send(`${t.url}/lambda-url/no-such-function/`, { headers: { 'x-api-key': key } });
      assert.equal(unknown.status, 404);

      const token = t.server.consoleToken;
      const asConsole = await send(`${base()}/event`, { headers: { authorization: `Bearer ${token}` } });
      assert.ok(!asConsole.body.toString().includes(token));
      assert.equal(eventOf(asConsole).headers.authorization, undefined);

      // the console's session cookie: refused from another origin, never passed on from its own
      const signIn = await fetch(`${t.url}/?token=${token}`, { redirect: 'manual' });
      const session = signIn.headers.get('set-cookie')!.split(';')[0]!;
      const foreign = await send(`${base()}/event`, { headers: { cookie: session, origin: 'http://evil.example' } });
      assert.equal(foreign.status, 403);
      const viaSession = await send(`${base()}/event`, { headers: { cookie: `${session}; theirs=1` } });
      assert.deepEqual(eventOf(viaSession).cookies, ['theirs=1']);
      assert.ok(!viaSession.body.toString().includes(session.split('=')[1]!));

      assert.equal((await t.api.console('PATCH', `/projects/${fn.id}`, { publicInstances: true })).status, 200);
      try {
        const open = eventOf(await send(`${base()}/event`, { headers: { authorization: 'Basic dXNlcjpwdw==' } }));
        assert.equal(open.headers.authorization, 'Basic dXNlcjpwdw==');
        const keyed = await send(`${base()}/event`, { headers: { 'x-api-key': key } });
        assert.ok(!keyed.body.toString().includes(key));
      } finally {
        await t.api.console('PATCH', `/projects/${fn.id}`, { publicInstances: false });
      }
    },
  );

  test('the REPORT of cold starts has the memory used (concurrent cold starts)', { timeout: 90_000 }, async () => {
    // a new build: every container of the old one is retired, so each call below starts one
    const build = await t.api.build(fn.id);
    assert.equal(build.state, 'succeeded');
    const answers = await Promise.all(
      [1, 2, 3, 4].map(() => send(`${base()}/sleep?seconds=0.5`, { headers: { 'x-api-key': key } })),
    );
    assert.deepEqual(
      answers.map((a) => a.status),
      [200, 200, 200, 200],
    );
    // END and REPORT follow the answers
    const cold = await waitFor(
      async () => {
        const last = (await invocations()).slice(0, 4);
        return last.every((i) => i.logTail.includes('REPORT')) ? last : undefined;
      },
      10_000,
      'the REPORT lines',
    );
    for (const inv of cold) {
      assert.equal(inv.coldStart, true);
      assert.ok(inv.maxMemoryUsedMb! > 0, `Max Memory Used: ${inv.maxMemoryUsedMb} MB`);
      assert.match(inv.logTail, /Max Memory Used: [1-9]\d* MB/);
      assert.equal(inv.initDurationMs, Math.round(inv.initDurationMs! * 100) / 100);
    }
  });
});
