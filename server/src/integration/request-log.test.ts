// Issue 17: the request log. Every call that reached a service through the proxy, with what it
// sent and got, credentials redacted, bodies capped, and replay.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { LoggedRequest, Project } from '../contract/types.js';
import { startEchoServer, waitFor, type TestServer } from '../testing/harness.js';

describe('request log', { timeout: 600_000 }, () => {
  let t: TestServer;
  let echo: Project;
  let key: string;
  let runId: string;
  const logged = async (limit = 500): Promise<LoggedRequest[]> =>
    (await t.api.console('GET', `/runs/${runId}/requests?limit=${limit}`)).body.requests;

  before(async () => {
    ({ t, echo, key } = await startEchoServer('request-log'));
    runId = (await t.api.public('POST', `/lambdas/${echo.id}/runs`, key, { mode: 'service' })).body.run.uuid;
    await waitFor(
      async () => (await t.api.public('GET', `/instances/${runId}/api/hello`, key)).status === 200 || undefined,
      30_000,
      'the service',
    );
  });
  after(async () => {
    await t?.dispose();
  });

  test('a call is logged with method, path, query, status, sizes, headers and bodies; credentials redacted', async () => {
    const body = JSON.stringify({ message: 'hi' });
    const res = await t.api.request('POST', `/instances/${runId}/api/echo?x=1&y=2`, {
      rawBody: body,
      headers: { 'x-api-key': key, 'content-type': 'application/json', cookie: 'theirs=1', 'x-custom': 'kept' },
    });
    assert.equal(res.status, 200);
    const [record] = await logged(1);
    assert.ok(record);
    assert.deepEqual(
      [record.method, record.path, record.query, record.status, record.via, record.reason],
      ['POST', '/echo', 'x=1&y=2', 200, 'instance', null],
    );
    assert.equal(record.requestBytes, Buffer.byteLength(body));
    assert.deepEqual(record.requestBody, { text: body });
    assert.ok(
      record.responseBytes > 0 &&
        record.responseBody &&
        'text' in record.responseBody &&
        record.responseBody.text.includes('{"message":"hi"}'),
    );
    const headers = new Map(record.requestHeaders.map(([k, v]) => [k.toLowerCase(), v]));
    assert.equal(headers.get('x-api-key'), '[redacted]');
    assert.equal(headers.get('x-custom'), 'kept');
    assert.equal(headers.get('cookie'), 'theirs=1');
    assert.ok(!JSON.stringify(record).includes(key), 'the key never appears');
    assert.ok(record.responseHeaders.some(([k]) => k.toLowerCase() === 'x-echo-method'));
    assert.ok(record.durationMs >= 0);
  });

  test('the dev URL, the console token and binary and oversized bodies', async () => {
    await t.api.request('PUT', `/dev/${echo.id}/api/bin`, {
      rawBody: undefined,
      headers: { authorization: `Bearer ${t.api.consoleToken}` },
    });
    const dev = (await logged(1))[0]!;
    assert.equal(dev.via, 'dev');
    assert.equal(new Map(dev.requestHeaders.map(([k, v]) => [k.toLowerCase(), v])).get('authorization'), '[redacted]');
    const binary = Buffer.from([0, 255, 1, 254, 0xc3]);
    await fetch(`${t.url}/instances/${runId}/api/binary`, {
      method: 'POST',
      body: binary,
      headers: { 'x-api-key': key },
    });
    assert.deepEqual((await logged(1))[0]!.requestBody, { base64: binary.toString('base64') });
    const big = 'z'.repeat(70 * 1024);
    await t.api.request('POST', `/instances/${runId}/api/big`, { rawBody: big, headers: { 'x-api-key': key } });
    const record = (await logged(1))[0]!;
    assert.equal(record.requestBytes, big.length);
    assert.equal(record.requestBody, null, 'past 64 KiB the body is not kept');
    const replay = await t.api.console('POST', `/runs/${runId}/requests/${record.id}/replay`);
    assert.deepEqual([replay.status, replay.body.reason], [409, 'request_not_replayable']);
  });

  test("the emulator's own answers are logged with their reason", async () => {
    await t.api.request('GET', `/instances/${runId}/api/hello`);
    const record = (await logged(1))[0]!;
    assert.deepEqual([record.status, record.reason], [401, 'missing_api_key']);
  });

  test('replay sends the call again and logs the new answer', async () => {
    await t.api.request('POST', `/instances/${runId}/api/replay-me?q=1`, {
      rawBody: 'again',
      headers: { 'x-api-key': key },
    });
    const original = (await logged(1))[0]!;
    const res = await t.api.console('POST', `/runs/${runId}/requests/${original.id}/replay`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const replayed = res.body.request as LoggedRequest;
    assert.notEqual(replayed.id, original.id);
    assert.deepEqual(
      [replayed.method, replayed.path, replayed.query, replayed.status],
      ['POST', '/replay-me', 'q=1', 200],
    );
    assert.ok(
      replayed.responseBody &&
        'text' in replayed.responseBody &&
        replayed.responseBody.text.startsWith('POST /replay-me?q=1 HTTP/1.1'),
    );
    assert.match((replayed.responseBody as { text: string }).text, /\r\n\r\nagain$/);
    assert.equal((await logged(1))[0]!.id, replayed.id, 'the replay is the newest record');
    assert.equal((await t.api.console('POST', `/runs/${runId}/requests/nope/replay`)).status, 404);
  });

  test("edit and replay: method, path, headers and body changed; never the emulator's credentials", async () => {
    await t.api.request('GET', `/instances/${runId}/api/original`, { headers: { 'x-api-key': key } });
    const original = (await logged(1))[0]!;
    const url = `/runs/${runId}/requests/${original.id}/replay`;
    const res = await t.api.console('POST', url, {
      method: 'PUT',
      path: `/edited/path?b=2&leak=${encodeURIComponent(t.api.consoleToken)}`,
      headers: [
        ['content-type', 'text/plain'],
        ['x-edited', 'yes'],
        ['x-api-key', key],
        ['authorization', `Bearer ${t.api.consoleToken}`],
        ['x-sneaky', `see ${key}`],
        ['cookie', `theirs=1; swiftlambda_console=${t.api.consoleToken}`],
      ],
      body: 'edited body',
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const replayed = res.body.request as LoggedRequest;
    assert.deepEqual(
      [replayed.method, replayed.path, replayed.query, replayed.status, replayed.requestBytes],
      ['PUT', '/edited/path', 'b=2', 200, 11],
    );
    const echoed = (replayed.responseBody as { text: string }).text;
    assert.ok(echoed.startsWith('PUT /edited/path?b=2 HTTP/1.1'), echoed);
    assert.match(echoed, /\r\nx-edited: yes\r\n/i);
    assert.match(echoed, /\r\ncookie: theirs=1\r\n/i);
    assert.match(echoed, /\r\n\r\nedited body$/);
    for (const secret of [key, t.api.consoleToken, 'x-api-key', 'authorization', 'x-sneaky'])
      assert.ok(!echoed.toLowerCase().includes(secret.toLowerCase()), `${secret} is not sent`);
    assert.deepEqual(replayed.requestBody, { text: 'edited body' });
    assert.ok(!JSON.stringify(replayed).includes(key) && !JSON.stringify(replayed).includes(t.api.consoleToken));
    assert.equal((await logged(1))[0]!.id, replayed.id, 'the edited replay is the newest record');

    // a bad edit is refused with a stable reason, and nothing is sent or logged
    const bad: Array<[unknown, string]> = [
      [{ method: 'TRACE' }, 'invalid_method'],
      [{ path: 'no-slash' }, 'invalid_path'],
      [{ path: '/a b' }, 'invalid_path'],
      [{ path: '/bad%zz' }, 'invalid_path'],
      [{ headers: [['bad name', 'x']] }, 'invalid_headers'],
      [{ headers: [['x-ok', 'line\r\nbreak']] }, 'invalid_headers'],
      [{ headers: { 'x-ok': 'not a list' } }, 'invalid_headers'],
      [{ body: 42 }, 'invalid_body'],
      [{ body: 'z'.repeat(64 * 1024 + 1) }, 'invalid_body'],
      [{ method: 'HEAD', body: 'x' }, 'invalid_body'],
      [{ verb: 'GET' }, 'unknown_field'],
    ];
    for (const [body, reason] of bad) {
      const refused = await t.api.console('POST', url, body);
      assert.deepEqual([refused.status, refused.body.reason], [400, reason], JSON.stringify(body));
    }
    assert.equal((await logged(1))[0]!.id, replayed.id, 'a refused edit logs nothing');
  });

  test('at most 500 calls are kept per run, newest first', async () => {
    for (let i = 0; i < 520; i += 20) {
      await Promise.all(
        Array.from({ length: 20 }, (_, j) =>
          t.api.request('GET', `/instances/${runId}/api/hello?n=${i + j}`, { headers: { 'x-api-key': key } }),
        ),
      );
    }
    const all = await logged(500);
    assert.equal(all.length, 500);
    assert.ok(Number(all[0]!.id) > Number(all[499]!.id), 'newest first');
  });
});
