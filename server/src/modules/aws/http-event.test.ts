import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { generateSecret } from '../../domain/key-format.js';
import { CallerCredentials } from '../proxy/index.js';
import {
  awsRequestTime,
  buildHttpEvent,
  FUNCTION_ERROR_ANSWER,
  httpAnswerOf,
  queryParameters,
  type HttpEventRequest,
} from './http-event.js';
import { matchFunctionUrl } from './function-url.js';

const TOKEN = 'console-token-0123456789abcdef';
const credentials = new CallerCredentials(TOKEN, 'swiftlambda_console');
const KEY = generateSecret();

function request(over: Partial<HttpEventRequest> = {}): HttpEventRequest {
  return {
    method: 'GET',
    rawPath: '/hello',
    rawQueryString: '',
    rawHeaders: ['Host', '127.0.0.1:7400', 'User-Agent', 'curl/8.5.0'],
    body: Buffer.alloc(0),
    sourceIp: '127.0.0.1',
    localPort: 7400,
    requestId: 'req-1',
    apiId: 'lambda-id',
    traceId: 'Root=1-00000000-000000000000000000000000',
    timeEpoch: Date.UTC(2026, 11, 7, 8, 5, 9, 123),
    ...over,
  };
}

describe('function URL events (payload format 2.0)', () => {
  test('the fixed fields, requestContext and the time in API Gateway format', () => {
    const event = buildHttpEvent(request(), credentials);
    assert.equal(event.version, '2.0');
    assert.equal(event.routeKey, '$default');
    assert.equal(event.rawPath, '/hello');
    assert.equal(event.rawQueryString, '');
    assert.equal(event.isBase64Encoded, false);
    assert.ok(!('body' in event) && !('cookies' in event) && !('queryStringParameters' in event));
    assert.ok(!('pathParameters' in event));
    assert.deepEqual(event.requestContext, {
      accountId: '000000000000',
      apiId: 'lambda-id',
      domainName: '127.0.0.1:7400',
      domainPrefix: '127',
      http: { method: 'GET', path: '/hello', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'curl/8.5.0' },
      requestId: 'req-1',
      routeKey: '$default',
      stage: '$default',
      time: '07/Dec/2026:08:05:09 +0000',
      timeEpoch: Date.UTC(2026, 11, 7, 8, 5, 9, 123),
    });
    assert.equal(awsRequestTime(Date.UTC(2027, 0, 31, 23, 59, 0)), '31/Jan/2027:23:59:00 +0000');
  });

  test('headers lower-cased, repeated ones joined with commas; cookies apart; X-Forwarded-* set', () => {
    const event = buildHttpEvent(
      request({
        rawHeaders: [
          'Host',
          'localhost:7400',
          'X-Multi',
          'a',
          'x-multi',
          'b',
          'Cookie',
          'one=1; two=2',
          'X-Forwarded-For',
          '10.0.0.1',
          'Connection',
          'keep-alive, X-Hop',
          'X-Hop',
          'gone',
          'Expect',
          '100-continue',
        ],
      }),
      credentials,
    );
    assert.equal(event.headers['x-multi'], 'a,b');
    assert.deepEqual(event.cookies, ['one=1', 'two=2']);
    assert.equal(event.headers.cookie, undefined);
    assert.equal(event.headers.connection, undefined);
    assert.equal(event.headers['x-hop'], undefined);
    assert.equal(event.headers.expect, undefined);
    assert.equal(event.headers['x-forwarded-for'], '10.0.0.1, 127.0.0.1');
    assert.equal(event.headers['x-forwarded-proto'], 'http');
    assert.equal(event.headers['x-forwarded-port'], '7400');
    assert.equal(event.requestContext.domainPrefix, 'localhost');
    assert.equal(event.requestContext.http.userAgent, '');
  });

  test("the caller's credentials never reach the event; other Authorization values and cookies do", () => {
    const withKey = buildHttpEvent(
      request({
        rawHeaders: [
          'Host',
          'localhost:7400',
          'X-API-Key',
          KEY,
          'Authorization',
          `Bearer ${TOKEN}`,
          'Cookie',
          'swiftlambda_console=session; theirs=1',
        ],
      }),
      credentials,
    );
    const text = JSON.stringify(withKey);
    assert.ok(!text.includes(KEY) && !text.includes(TOKEN) && !text.includes('session'), text);
    assert.deepEqual(withKey.cookies, ['theirs=1']);
    const keyAsAuthorization = buildHttpEvent(
      request({ rawHeaders: ['Host', 'h:1', 'authorization', `bearer ${KEY}`] }),
      credentials,
    );
    assert.equal(keyAsAuthorization.headers.authorization, undefined);
    const own = buildHttpEvent(
      request({ rawHeaders: ['Host', 'h:1', 'Authorization', 'Basic dXNlcjpwdw=='] }),
      credentials,
    );
    assert.equal(own.headers.authorization, 'Basic dXNlcjpwdw==');
  });

  test('query parameters decoded, repeated ones joined with commas', () => {
    assert.deepEqual(queryParameters('a=1&b=x%20y&a=2&c'), { a: '1,2', b: 'x y', c: '' });
    assert.equal(queryParameters(''), undefined);
    const event = buildHttpEvent(request({ rawQueryString: 'name=Swift&tag=a&tag=b' }), credentials);
    assert.equal(event.rawQueryString, 'name=Swift&tag=a&tag=b');
    assert.deepEqual(event.queryStringParameters, { name: 'Swift', tag: 'a,b' });
  });

  test('UTF-8 bodies as text, others base64', () => {
    const text = buildHttpEvent(request({ method: 'POST', body: Buffer.from('{"é":1}') }), credentials);
    assert.deepEqual([text.body, text.isBase64Encoded], ['{"é":1}', false]);
    const bytes = Buffer.from([0, 1, 2, 0xff, 0xfe]);
    const binary = buildHttpEvent(request({ method: 'POST', body: bytes }), credentials);
    assert.deepEqual([binary.body, binary.isBase64Encoded], [bytes.toString('base64'), true]);
  });

  test('function URL paths: the id, the path after it (`/` when empty) and the query', () => {
    assert.deepEqual(matchFunctionUrl('/lambda-url/abc'), { id: 'abc', rawPath: '/', rawQueryString: '' });
    assert.deepEqual(matchFunctionUrl('/lambda-url/abc?x=1'), { id: 'abc', rawPath: '/', rawQueryString: 'x=1' });
    assert.deepEqual(matchFunctionUrl('/lambda-url/abc/a/b%20c?x=1&y'), {
      id: 'abc',
      rawPath: '/a/b%20c',
      rawQueryString: 'x=1&y',
    });
    assert.equal(matchFunctionUrl('/lambda-urlx/abc'), null);
    // a bad escape is 400 malformed_path on every route, as the proxy's own paths
    assert.throws(() => matchFunctionUrl('/lambda-url/%zz/'), { reason: 'malformed_path' });
  });
});

describe('function URL answers (payload format 2.0)', () => {
  const answer = (result: unknown) =>
    httpAnswerOf(Buffer.from(typeof result === 'string' ? result : JSON.stringify(result)));

  test('statusCode, headers, cookies as Set-Cookie, body', () => {
    const a = answer({
      statusCode: 201,
      headers: { 'X-Hello': 'world', 'Content-Type': 'text/plain', 'X-Count': 3 },
      cookies: ['a=1; Path=/', 'b=2; HttpOnly'],
      body: 'created',
    });
    assert.equal(a.status, 201);
    assert.deepEqual(a.headers, [
      ['X-Hello', 'world'],
      ['Content-Type', 'text/plain'],
      ['X-Count', '3'],
      ['set-cookie', 'a=1; Path=/'],
      ['set-cookie', 'b=2; HttpOnly'],
    ]);
    assert.equal(a.body.toString(), 'created');
  });

  test('isBase64Encoded bodies are decoded; no content type set means application/json; no body is empty', () => {
    const a = answer({ statusCode: 200, body: Buffer.from([1, 2, 255]).toString('base64'), isBase64Encoded: true });
    assert.deepEqual([...a.body], [1, 2, 255]);
    assert.deepEqual(a.headers, [['content-type', 'application/json']]);
    const empty = answer({ statusCode: 204 });
    assert.equal(empty.body.length, 0);
  });

  test('any other result is 200 application/json with the result as the body', () => {
    for (const result of ['{"message":"hi"}', '"just a string"', '42', '[1,2]', 'null', 'not json at all']) {
      const a = httpAnswerOf(Buffer.from(result));
      assert.equal(a.status, 200, result);
      assert.deepEqual(a.headers, [['content-type', 'application/json']]);
      assert.equal(a.body.toString(), result);
    }
  });

  test('the emulator writes Content-Length, hop-by-hop headers are dropped; a malformed answer is a 502', () => {
    const a = answer({ statusCode: 200, headers: { 'Content-Length': '999', Connection: 'close', 'X-Ok': '1' } });
    assert.deepEqual(a.headers, [
      ['content-type', 'application/json'],
      ['X-Ok', '1'],
    ]);
    for (const bad of [
      { statusCode: '200' },
      { statusCode: 42 },
      { statusCode: 200, headers: { 'bad name': 'x' } },
      { statusCode: 200, headers: { 'X-Split': 'a\r\nInjected: 1' } },
      { statusCode: 200, cookies: 'a=1' },
      { statusCode: 200, headers: ['x'] },
    ]) {
      assert.deepEqual(answer(bad), FUNCTION_ERROR_ANSWER, JSON.stringify(bad));
    }
    assert.equal(FUNCTION_ERROR_ANSWER.status, 502);
    assert.equal(FUNCTION_ERROR_ANSWER.body.toString(), '{"message":"Internal Server Error"}');
  });
});
