import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { InstanceUpstream } from '../modules/proxy/instance-proxy.js';
import { rawRequest } from '../testing/raw-http.js';
import { FastLane, interceptConnections } from './fast-lane.js';
import { MainHop } from './main-hop.js';

// Once as Node's side of the front door relays, once through the fast lane (which passes every
// plain request to the main thread itself, and gives the others to Node's side).
for (const withLane of [false, true]) describe(`the front door's hop to the main thread${withLane ? ', through the fast lane' : ''}`, () => {
  let dir: string;
  let lane: FastLane | null = null;
  let upstream: InstanceUpstream | null = null;
  let main: http.Server;
  let front: http.Server;
  let port: number;
  let hold: Promise<void> | null = null;
  let hop: MainHop;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'main-hop-'));
    const socketPath = join(dir, 'main.sock');
    main = http.createServer((req, res) => {
      if (req.url === '/close') {
        res.writeHead(413, { connection: 'close', 'content-type': 'text/plain' });
        res.end('too big');
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        res.writeHead(200, [['Content-Type', 'text/plain'], ['Set-Cookie', 'a=1'], ['Set-Cookie', 'b=2'], ['X-Main', 'yes']].flat());
        res.write(JSON.stringify({ method: req.method, url: req.url, rawHeaders: req.rawHeaders }) + '\n');
        setTimeout(() => res.end(Buffer.concat(chunks)), 20);
      });
    });
    main.on('upgrade', (req, socket) => socket.end(`HTTP/1.1 400 Bad Request\r\nx-seen-peer: ${req.headers['x-swiftlambda-peer']}\r\nconnection: close\r\n\r\n`));
    await new Promise<void>((resolve) => main.listen(socketPath, resolve));
    hop = new MainHop(socketPath, () => hold);
    front = http.createServer((req, res) => hop.relay(req, res));
    front.on('upgrade', (req, socket, head: Buffer) => hop.tunnel(req, socket, head));
    if (withLane) {
      upstream = new InstanceUpstream('swiftlambda_console', 1024);
      const l = new FastLane({
        route: () => 'main', upstream, mainHop: hop, handOver: (socket) => toNode!(socket),
        keepAliveTimeoutMs: 5000, headersTimeoutMs: 5000, requestTimeoutMs: 5000, maxBodyBytes: 1024,
      });
      const toNode = interceptConnections(front, (socket) => l.accept(socket));
      lane = l;
    }
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    port = (front.address() as AddressInfo).port;
  });
  after(async () => {
    lane?.close();
    upstream?.close();
    hop.close();
    front.closeAllConnections();
    main.closeAllConnections();
    await new Promise((resolve) => front.close(resolve));
    await new Promise((resolve) => main.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  test('the request arrives as sent (less hop-by-hop headers) with the real caller address; the answer comes back as sent', async () => {
    const res = await rawRequest(
      port,
      `POST /lambdas/p/runs?x=1 HTTP/1.1\r\nHost: localhost:${port}\r\nX-Dup: 1\r\nx-dup: 2\r\nConnection: X-Private\r\nX-Private: no\r\n` +
        'X-Swiftlambda-Peer: 203.0.113.9\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n',
    );
    assert.equal(res.status, 200);
    const [first, body] = res.body.toString().split('\n');
    const seen = JSON.parse(first!) as { method: string; url: string; rawHeaders: string[] };
    assert.equal(seen.method, 'POST');
    assert.equal(seen.url, '/lambdas/p/runs?x=1');
    const pairs = [];
    for (let i = 0; i < seen.rawHeaders.length; i += 2) pairs.push(`${seen.rawHeaders[i]}: ${seen.rawHeaders[i + 1]}`);
    // undici writes Host in lower case, frames the body itself and keeps its own connection alive
    assert.deepEqual(pairs.filter((p) => !/^(transfer-encoding|content-length|connection)/i.test(p)), [
      `host: localhost:${port}`, 'X-Dup: 1', 'x-dup: 2', 'x-swiftlambda-peer: 127.0.0.1',
    ]);
    assert.equal(body, 'hello world');
    assert.deepEqual(res.headers.filter(([n]) => /^(set-cookie|x-main)$/i.test(n)), [['Set-Cookie', 'a=1'], ['Set-Cookie', 'b=2'], ['X-Main', 'yes']]);
    // the same with a plain body, which the fast lane reads itself
    const plain = await rawRequest(port, `PUT /plain HTTP/1.1\r\nHost: localhost:${port}\r\nX-Swiftlambda-Peer: 203.0.113.9\r\nContent-Length: 5\r\n\r\nhello`);
    const [line, rest] = plain.body.toString().split('\n');
    const plainRaw = (JSON.parse(line!) as { rawHeaders: string[] }).rawHeaders;
    const plainPairs = [];
    for (let i = 0; i < plainRaw.length; i += 2) plainPairs.push(`${plainRaw[i]}: ${plainRaw[i + 1]}`);
    assert.deepEqual(plainPairs.filter((p) => !/^(content-length|connection)/i.test(p)), [`host: localhost:${port}`, 'x-swiftlambda-peer: 127.0.0.1']);
    assert.equal(rest, 'hello');
  });

  test('an answer is held until the barrier opens', async () => {
    let open!: () => void;
    hold = new Promise((resolve) => (open = resolve));
    const relayed = lane?.counts.relayed ?? 0;
    let answered = false;
    const pending = fetch(`http://127.0.0.1:${port}/x`).then(async (r) => {
      answered = true;
      return r.text();
    });
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.equal(answered, false);
    hold = null;
    open();
    assert.match(await pending, /"url":"\/x"/);
    if (lane) assert.equal(lane.counts.relayed, relayed + 1, 'the lane relayed the held answer itself');
  });

  test('when the main thread closes its connection, the caller\'s is closed too', async () => {
    const res = await rawRequest(port, `GET /close HTTP/1.1\r\nHost: localhost:${port}\r\n\r\n`);
    assert.equal(res.status, 413);
    assert.deepEqual(res.headers.filter(([n]) => n.toLowerCase() === 'connection').map(([, v]) => v), ['close']);
  });

  test('an upgrade request reaches the main thread\'s upgrade handler, with the caller address', async () => {
    const res = await rawRequest(port, `GET /ws HTTP/1.1\r\nHost: localhost:${port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nX-Swiftlambda-Peer: 6.6.6.6\r\n\r\n`);
    assert.equal(res.status, 400);
    assert.deepEqual(res.headers.filter(([n]) => n === 'x-seen-peer'), [['x-seen-peer', '127.0.0.1']]);
  });
});
