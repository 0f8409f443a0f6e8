import assert from 'node:assert/strict';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { MAX_HEAD_BYTES, readRequestHead, type RequestHead } from './request-head.js';

const read = (text: string) => readRequestHead(Buffer.from(text, 'latin1'));
const head = (text: string): RequestHead => {
  const h = read(text);
  assert.equal(typeof h, 'object', `expected a head: ${JSON.stringify(text)} gave ${String(h)}`);
  return h as RequestHead;
};

describe('the fast lane reads a request head', () => {
  test('a plain head: method, target, raw headers as Node gives them, the fields the rules read', () => {
    const text =
      'POST /instances/r1/api/a?b=1%20&c HTTP/1.1\r\nHost: 127.0.0.1:7400\r\nX-API-Key:   slk_k  \r\nX-Dup: 1\r\nx-dup: 2\r\n' +
      'Connection: keep-alive, X-Foo\r\nconnection: close\r\nContent-Length: 3\r\nCookie: a=1\r\nEmpty:\r\n\r\nabc';
    const h = head(text);
    assert.equal(h.method, 'POST');
    assert.equal(h.url, '/instances/r1/api/a?b=1%20&c');
    assert.deepEqual(h.rawHeaders, [
      'Host', '127.0.0.1:7400', 'X-API-Key', 'slk_k', 'X-Dup', '1', 'x-dup', '2',
      'Connection', 'keep-alive, X-Foo', 'connection', 'close', 'Content-Length', '3', 'Cookie', 'a=1', 'Empty', '',
    ]);
    assert.equal(h.headers.host, '127.0.0.1:7400');
    assert.equal(h.headers['x-api-key'], 'slk_k');
    assert.equal(h.headers.connection, 'keep-alive, X-Foo, close');
    assert.equal(h.headers.cookie, 'a=1');
    assert.equal(h.contentLength, 3);
    assert.equal(h.headLength, text.length - 3);
    assert.equal(h.close, true);
    assert.equal(head('GET / HTTP/1.1\r\nHost: x\r\n\r\n').close, false);
    assert.equal(head('GET / HTTP/1.1\r\nHost: x\r\n\r\n').contentLength, 0);
  });

  test('every shape that is not plain is declined (Node reads it instead)', () => {
    const ok = 'GET /instances/r/api/x HTTP/1.1\r\nHost: h\r\n';
    const declined: Record<string, string> = {
      'Transfer-Encoding': `${ok}Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
      'Content-Length with Transfer-Encoding': `${ok}Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n`,
      'two Content-Lengths': `${ok}Content-Length: 1\r\nContent-Length: 1\r\n\r\na`,
      'a Content-Length that is not digits': `${ok}Content-Length: +1\r\n\r\na`,
      'a huge Content-Length': `${ok}Content-Length: 9999999999999999\r\n\r\n`,
      'bare LF line ends': 'GET / HTTP/1.1\nHost: h\n\n',
      'a bare LF in a value': `${ok}X-A: a\nb\r\n\r\n`,
      'a bare CR in a value': `${ok}X-A: a\rb\r\n\r\n`,
      'obs-fold': `${ok}X-A: a\r\n b\r\n\r\n`,
      'space before the colon': `${ok}X-A : a\r\n\r\n`,
      'no colon': `${ok}X-A\r\n\r\n`,
      'a name that is not a token': `${ok}X(A): a\r\n\r\n`,
      'a byte outside ASCII': `${ok}X-A: caf\xe9\r\n\r\n`,
      'a control byte': `${ok}X-A: a\x01\r\n\r\n`,
      'a NUL in the target': 'GET /a\x00b HTTP/1.1\r\nHost: h\r\n\r\n',
      'HTTP/1.0': 'GET / HTTP/1.0\r\nHost: h\r\n\r\n',
      'HTTP/2 preface': 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n',
      'a method outside the seed': 'PROPFIND / HTTP/1.1\r\nHost: h\r\n\r\n',
      'a lower-case method': 'get / HTTP/1.1\r\nHost: h\r\n\r\n',
      'absolute form': 'GET http://h/ HTTP/1.1\r\nHost: h\r\n\r\n',
      'asterisk form': 'OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n',
      'a fragment': 'GET /a#b HTTP/1.1\r\nHost: h\r\n\r\n',
      'two spaces in the request line': 'GET  / HTTP/1.1\r\nHost: h\r\n\r\n',
      'two Hosts': `${ok}Host: h\r\n\r\n`,
      'two keys': `${ok}X-API-Key: a\r\nX-API-Key: b\r\n\r\n`,
      'two Authorizations': `${ok}Authorization: a\r\nauthorization: b\r\n\r\n`,
      'two Cookies': `${ok}Cookie: a=1\r\nCookie: b=2\r\n\r\n`,
      'two X-Forwarded-For': `${ok}X-Forwarded-For: a\r\nX-Forwarded-For: b\r\n\r\n`,
      'Expect': `${ok}Expect: 100-continue\r\nContent-Length: 1\r\n\r\na`,
      'Upgrade': `${ok}Connection: Upgrade\r\nUpgrade: websocket\r\n\r\n`,
      'a leading empty line': `\r\n${ok}\r\n`,
      'a head over 16 KiB': `${ok}X-Big: ${'a'.repeat(MAX_HEAD_BYTES)}\r\n\r\n`,
      'a head over 16 KiB that has not ended': `${ok}X-Big: ${'a'.repeat(MAX_HEAD_BYTES)}`,
      'no Host': 'GET / HTTP/1.1\r\nX-A: a\r\n\r\n',
      'garbage': 'hello there\r\n',
    };
    for (const [what, text] of Object.entries(declined)) assert.equal(read(text), 'declined', what);
  });

  test('every prefix of a plain head is incomplete; a prefix that cannot become one is declined at once', () => {
    const text = 'PATCH /instances/r/api/x?y=1 HTTP/1.1\r\nHost: 127.0.0.1:7400\r\nX-API-Key: slk_k\r\nContent-Length: 2\r\n\r\n';
    for (let i = 0; i < text.length - 1; i++) assert.equal(read(text.slice(0, i)), 'incomplete', JSON.stringify(text.slice(0, i)));
    assert.equal(typeof read(text), 'object');
    for (const text of ['POST /a HTTP/1.1\nHost', 'PROPFIND / HTTP/1.1\r\n', 'GET / HTTP/1.0\r\n', 'GET /x HTTP/1.1\rX', 'BREW /', '\x16\x03\x01']) {
      assert.equal(read(text), 'declined', JSON.stringify(text));
    }
  });

  describe('whatever it accepts, Node reads the same way', () => {
    let server: http.Server;
    let port: number;
    const seen: Array<{ method: string; url: string; rawHeaders: string[]; body: string }> = [];
    before(async () => {
      server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          seen.push({ method: req.method!, url: req.url!, rawHeaders: req.rawHeaders, body: Buffer.concat(chunks).toString('latin1') });
          res.end('ok');
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
    });
    after(() => {
      server.closeAllConnections();
      server.close();
    });

    /** what Node's server made of `bytes` (null when it refused them) */
    const nodeReads = (bytes: Buffer) =>
      new Promise<(typeof seen)[number] | null>((resolve) => {
        seen.length = 0;
        const socket = net.connect(port, '127.0.0.1', () => socket.end(bytes));
        let answer = '';
        socket.on('data', (d) => (answer += d.toString('latin1')));
        socket.on('error', () => undefined);
        socket.on('close', () => resolve(answer.startsWith('HTTP/1.1 200') ? (seen[0] ?? null) : null));
      });

    // heads built from pieces: mostly plain ones, with the odd ones request smuggling is made of
    const token = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}$/);
    const plainValue = fc.stringMatching(/^[\x20-\x7e\t]{0,20}$/);
    const oddValue = fc.constantFrom(' padded \t', '', 'a\r\nb', 'x\ny', 'a\rb', 'caf\xe9', '\x00', ' chunked', '1, 2', '-1', '0x10');
    const name = fc.oneof(
      { arbitrary: token, weight: 20 },
      { arbitrary: fc.constantFrom('Host', 'Content-Length', 'Transfer-Encoding', 'X-API-Key', 'Connection', 'Cookie', 'Expect', 'Upgrade', 'Bad Name', 'Bad:Colon', ''), weight: 1 },
    );
    const line = fc
      .tuple(name, fc.oneof({ arbitrary: fc.constantFrom(':', ': ', ':\t'), weight: 20 }, { arbitrary: fc.constant(' :'), weight: 1 }), fc.oneof({ arbitrary: plainValue, weight: 20 }, { arbitrary: oddValue, weight: 1 }))
      .map(([n, sep, v]) => `${n}${sep}${v}`);
    const requestLine = fc
      .tuple(
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'GET', 'POST', 'get', 'PROPFIND'),
        fc.oneof({ arbitrary: fc.stringMatching(/^\/[\x21-\x22\x24-\x7e]{0,24}$/), weight: 12 }, { arbitrary: fc.stringMatching(/^\/[\x21-\x7e]{0,24}$/), weight: 2 }, { arbitrary: fc.constantFrom('*', 'http://h/', '/a b', '/a\tb'), weight: 1 }),
        fc.oneof({ arbitrary: fc.constant('HTTP/1.1'), weight: 12 }, { arbitrary: fc.constantFrom('HTTP/1.0', 'HTTP/1.1 ', 'HTTP/2.0', 'http/1.1'), weight: 1 }),
      )
      .map(([m, u, v]) => `${m} ${u} ${v}`);
    const request = fc
      .tuple(requestLine, fc.array(line, { maxLength: 5 }), fc.nat({ max: 9 }), fc.nat({ max: 8 }), fc.oneof({ arbitrary: fc.constant('\r\n'), weight: 12 }, { arbitrary: fc.constant('\n'), weight: 1 }))
      .map(([rl, lines, host, bodyLength, eol]) => {
        const all = host > 0 ? [rl, 'Host: 127.0.0.1', ...lines] : [rl, ...lines];
        if (bodyLength > 0 && host > 2) all.push(`Content-Length: ${bodyLength}`);
        return `${all.join(eol)}${eol}${eol}${'b'.repeat(bodyLength)}`;
      });

    test('differential: 400 generated heads', async () => {
      let accepted = 0;
      await fc.assert(
        fc.asyncProperty(request, async (text) => {
          const bytes = Buffer.from(text, 'latin1');
          const h = readRequestHead(bytes);
          if (typeof h === 'string') return;
          accepted++;
          const body = bytes.subarray(h.headLength, h.headLength + h.contentLength).toString('latin1');
          const node = await nodeReads(Buffer.concat([bytes.subarray(0, h.headLength + h.contentLength)]));
          assert.ok(node, `Node refused a head the lane accepts: ${JSON.stringify(text)}`);
          assert.deepEqual({ method: h.method, url: h.url, rawHeaders: h.rawHeaders, body }, node, JSON.stringify(text));
        }),
        { numRuns: 400 },
      );
      assert.ok(accepted > 100, `only ${accepted} generated heads were plain: the generator must make more`);
    });
  });
});
