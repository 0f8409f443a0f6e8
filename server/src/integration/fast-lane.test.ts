// Issue 6, figure 3: the front door's fast lane reads plain requests itself; any connection that
// sends something else is Node's HTTP server's, as before. Both must answer alike, byte for byte:
// each request below is sent on a fresh connection (the lane) and on a connection that first sent
// a request the lane does not take (so Node's side serves it), and the answers are compared.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PACKAGES, startTestServer, type TestServer } from '../testing/harness.js';
import { rawAnswers } from '../testing/raw-http.js';
import { RAW_UPSTREAM } from '../testing/raw-upstream.js';

describe('fast lane and Node\'s side answer alike', () => {
  let t: TestServer;
  let port: number;
  let key: string;
  let runId: string;
  let projectId: string;

  before(async () => {
    t = await startTestServer();
    port = Number(new URL(t.url).port);
    key = await t.api.createKey({ name: 'lane' });
    const project = await t.api.createProject(PACKAGES.echo, 'echo-service', { name: 'raw-upstream', runTimeoutSeconds: 300 });
    projectId = project.id;
    assert.equal((await t.api.console('POST', `/projects/${project.id}/compilations`, { binaryPath: process.execPath })).status, 202);
    const res = await t.api.public('POST', `/lambdas/${project.id}/runs`, key, { mode: 'service', arguments: ['-e', RAW_UPSTREAM] });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    runId = res.body.run.uuid;
    for (let i = 0; i < 100; i++) {
      if ((await t.api.request('GET', `/instances/${runId}/api/a`, { headers: { 'x-api-key': key } })).status === 200) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the raw upstream never answered');
  });
  after(async () => {
    await t?.dispose();
  });

  /** [request bytes, the methods of its requests (several when pipelined)] */
  const cases = (): Record<string, [string, string[]]> => {
    const H = `Host: 127.0.0.1:${port}\r\n`;
    const K = `X-API-Key: ${key}\r\n`;
    const P = `/instances/${runId}/api`;
    const get = (path: string, extra = '') => [`GET ${P}${path} HTTP/1.1\r\n${H}${K}${extra}\r\n`, ['GET']] as [string, string[]];
    return {
      'duplicate and hop-by-hop response headers': get('/a'),
      'HEAD': [`HEAD ${P}/a HTTP/1.1\r\n${H}${K}\r\n`, ['HEAD']],
      'a chunked answer': get('/chunked'),
      'trailers': get('/trailer'),
      'an empty reason phrase': get('/nostatus'),
      '204': get('/204'),
      '304': get('/304'),
      'a 1xx before the answer': get('/continue'),
      'a close-delimited answer': get('/close'),
      'an invalid header from the service': get('/bad'),
      'a latin1 header value': get('/latin1'),
      'a body in two writes': get('/slow'),
      'a request the service echoes: X-Forwarded-For, cookies, Authorization, Connection-named and hop-by-hop headers': [
        `POST ${P}/echo?q=1%202&x HTTP/1.1\r\n${H}${K}X-Forwarded-For: 1.2.3.4\r\nCookie: a=1; swiftlambda_console=zzz; b=2\r\n` +
          'Authorization: Basic abc\r\nConnection: keep-alive, X-Foo\r\nX-Foo: gone\r\nKeep-Alive: 300\r\nTE: trailers\r\n' +
          'Proxy-Authorization: x\r\nX-Swiftlambda-Peer: 6.6.6.6\r\ncontent-type: text/plain\r\nContent-Length: 5\r\n\r\nhello',
        ['POST'],
      ],
      'a key as Bearer, duplicate request headers': [`GET ${P}/echo HTTP/1.1\r\n${H}Authorization: Bearer ${key}\r\nX-Dup: 1\r\nx-dup: 2\r\nX-Mixed-CASE: v\r\n\r\n`, ['GET']],
      'the root, and a query on it': [`GET ${P} HTTP/1.1\r\n${H}${K}\r\nGET ${P}?x=1 HTTP/1.1\r\n${H}${K}\r\n`, ['GET', 'GET']],
      'every method with and without a body': [
        `POST ${P}/echo HTTP/1.1\r\n${H}${K}Content-Length: 0\r\n\r\nPUT ${P}/echo HTTP/1.1\r\n${H}${K}Content-Length: 3\r\n\r\nabc` +
          `DELETE ${P}/echo HTTP/1.1\r\n${H}${K}\r\nOPTIONS ${P}/echo HTTP/1.1\r\n${H}${K}\r\nPATCH ${P}/echo HTTP/1.1\r\n${H}${K}Content-Length: 1\r\n\r\nz`,
        ['POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'],
      ],
      'Connection: close': get('/a', 'Connection: close\r\n'),
      'a page opened in a browser gets the sandbox': get('/echo', 'Sec-Fetch-Dest: document\r\nSec-Fetch-Mode: navigate\r\n'),
      'forty headers': get('/echo', Array.from({ length: 40 }, (_, i) => `X-H${i}: ${i}\r\n`).join('')),
      'dot segments are forwarded as they are': get('/../../lambdas'),
      'pipelined calls': [`GET ${P}/a HTTP/1.1\r\n${H}${K}\r\nGET ${P}/chunked HTTP/1.1\r\n${H}${K}\r\nPUT ${P}/echo HTTP/1.1\r\n${H}${K}Content-Length: 2\r\n\r\nok`, ['GET', 'GET', 'PUT']],
      'the API': [`GET /lambdas/${projectId}/runs?limit=1 HTTP/1.1\r\n${H}${K}\r\n`, ['GET']],
      'the API: a bad key, no key': [`GET /lambdas/${projectId}/runs HTTP/1.1\r\n${H}X-API-Key: slk_nope\r\n\r\nGET /lambdas/${projectId}/runs HTTP/1.1\r\n${H}\r\n`, ['GET', 'GET']],
      'the proxy\'s refusals: no key, an unknown run': [`GET ${P}/a HTTP/1.1\r\n${H}\r\nGET /instances/nope/api/a HTTP/1.1\r\n${H}${K}\r\n`, ['GET', 'GET']],
      'a console page': [`GET /?token=wrong HTTP/1.1\r\n${H}\r\n`, ['GET']],
    };
  };

  // a header value outside ASCII: not plain, so this connection is Node's from its first request
  const primer = () => Buffer.from(`GET /lambdas/none/runs HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Primer: caf\xe9\r\n\r\n`, 'latin1');
  const masked = (b: Buffer) => b.toString('latin1').replace(/\r\nDate: [^\r]+/gi, '\r\nDate: <date>');

  test('every answer is the same from both paths, and each path served its connection', async () => {
    for (const [what, [request, methods]] of Object.entries(cases())) {
      const before = await t.server.frontDoorStats();
      const lane = await rawAnswers(port, request, methods);
      const afterLane = await t.server.frontDoorStats();
      const node = await rawAnswers(port, request, methods, primer());
      const afterNode = await t.server.frontDoorStats();
      assert.equal(masked(lane.answers), masked(node.answers), what);
      assert.equal(lane.closed, node.closed, `${what}: the connection closes after on both or neither`);
      assert.equal(afterLane!.handedOver, before!.handedOver, `${what}: the lane kept its connection`);
      assert.equal(afterLane!.proxied + afterLane!.relayed - before!.proxied - before!.relayed, methods.length, `${what}: the lane sent every request on`);
      assert.equal(afterNode!.handedOver, afterLane!.handedOver + 1, `${what}: the primed connection went to Node's side`);
    }
  });
});
