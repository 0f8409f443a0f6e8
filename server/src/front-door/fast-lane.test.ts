import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { InstanceUpstream, type InstanceTarget } from '../modules/proxy/instance-proxy.js';
import { FastLane, interceptConnections } from './fast-lane.js';
import { MainHop } from './main-hop.js';

const BIG = Buffer.alloc(8 * 1024 * 1024, 'abcdefghijklmnopqrstuvwxyz');

/** Writes `parts` (a pause between them), then reads until the server closes the connection. */
function converse(port: number, parts: Array<string | Buffer>, options: { gapMs?: number; end?: boolean; timeoutMs?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no close within ${options.timeoutMs ?? 5000} ms; got ${Buffer.concat(chunks).toString('latin1')}`));
    }, options.timeoutMs ?? 5000);
    socket.on('data', (d) => chunks.push(d));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    void (async () => {
      for (const part of parts) {
        socket.write(part);
        if (options.gapMs) await new Promise((r) => setTimeout(r, options.gapMs));
      }
      if (options.end) socket.end();
    })();
  });
}

/** the bodies of the answers in `text`, in order (Content-Length answers only) */
function bodies(text: string): string[] {
  const out: string[] = [];
  let rest = text;
  while (rest.startsWith('HTTP/1.1')) {
    const end = rest.indexOf('\r\n\r\n');
    const length = Number(/\r\ncontent-length: (\d+)/i.exec(rest.slice(0, end))?.[1] ?? 0);
    out.push(rest.slice(end + 4, end + 4 + length));
    rest = rest.slice(end + 4 + length);
  }
  return out;
}

describe('fast lane', () => {
  let dir: string;
  let service: http.Server;
  let servicePort: number;
  let main: http.Server;
  let front: http.Server;
  let port: number;
  let lane: FastLane;
  let upstream: InstanceUpstream;
  let mainHop: MainHop;
  let closedPort: number;
  let hangClosed: Promise<void>;
  let sawHangClose: () => void = () => undefined;

  const target = (rest: string, hostPort: number): InstanceTarget => ({ runId: 'ok', hostPort, rest, remainingMs: 60_000, clientIp: '127.0.0.1' });
  const H = 'Host: 127.0.0.1\r\n';

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fast-lane-'));
    hangClosed = new Promise((resolve) => (sawHangClose = resolve));
    // a running service: the container's stand-in
    service = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.url === '/hang') {
          res.writeHead(200);
          res.write('started');
          res.once('close', () => sawHangClose());
          return;
        }
        if (req.url === '/big') {
          // in pieces and without a length: the lane frames it chunked
          for (let at = 0; at < BIG.length; at += 64 * 1024) res.write(BIG.subarray(at, at + 64 * 1024));
          return void res.end();
        }
        const body = `service ${req.method} ${req.url} ${Buffer.concat(chunks).toString()}`;
        res.writeHead(200, { 'content-length': Buffer.byteLength(body) }).end(body);
      });
    });
    await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
    servicePort = (service.address() as AddressInfo).port;
    // a port nothing listens on
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    closedPort = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    // the main thread, on its private socket
    main = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = `main ${req.method} ${req.url} ${Buffer.concat(chunks).toString()}`;
        res.writeHead(200, { 'content-length': Buffer.byteLength(body) }).end(body);
      });
    });
    const socketPath = join(dir, 'main.sock');
    await new Promise<void>((resolve) => main.listen(socketPath, resolve));
    upstream = new InstanceUpstream('swiftlambda_console', 1000);
    mainHop = new MainHop(socketPath, () => null);
    // the public port: Node's server answers what the lane hands over with "node <url>"
    front = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const body = `node ${req.url}`;
        res.writeHead(200, { 'content-length': Buffer.byteLength(body) }).end(body);
      });
    });
    lane = new FastLane({
      route: (head) => {
        if (head.url.startsWith('/refused')) return null;
        if (head.url.startsWith('/instances/ok/api')) return target(head.url.slice('/instances/ok/api'.length) || '/', servicePort);
        if (head.url.startsWith('/instances/down/api')) return target('/', closedPort);
        return 'main';
      },
      upstream,
      mainHop,
      handOver: (socket) => toNode!(socket),
      keepAliveTimeoutMs: 400,
      headersTimeoutMs: 400,
      requestTimeoutMs: 800,
      maxBodyBytes: 1000,
    });
    const toNode = interceptConnections(front, (socket) => lane.accept(socket));
    assert.ok(toNode, 'Node\'s server has its one connection listener');
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    port = (front.address() as AddressInfo).port;
  });
  after(async () => {
    lane.close();
    upstream.close();
    mainHop.close();
    for (const s of [front, service, main]) {
      s.closeAllConnections();
      await new Promise((resolve) => s.close(resolve));
    }
    await rm(dir, { recursive: true, force: true });
  });

  const counted = async (fn: () => Promise<void>) => {
    const before = { ...lane.counts };
    await fn();
    return { proxied: lane.counts.proxied - before.proxied, relayed: lane.counts.relayed - before.relayed, handedOver: lane.counts.handedOver - before.handedOver };
  };

  test('plain requests stay in the lane: services called directly, the rest to the main thread, pipelined answers in order', async () => {
    let text = '';
    const counts = await counted(async () => {
      text = await converse(port, [
        `GET /instances/ok/api/a?b=1 HTTP/1.1\r\n${H}\r\n` +
          `POST /lambdas/x/runs HTTP/1.1\r\n${H}Content-Length: 2\r\n\r\nhi` +
          `PUT /instances/ok/api/put HTTP/1.1\r\n${H}Content-Length: 3\r\nConnection: close\r\n\r\nabc`,
      ]);
    });
    assert.deepEqual(bodies(text), ['service GET /a?b=1 ', 'main POST /lambdas/x/runs hi', 'service PUT /put abc']);
    assert.deepEqual(counts, { proxied: 2, relayed: 1, handedOver: 0 });
    assert.match(text, /connection: close\r\n\r\nservice PUT \/put abc$/, 'closed after the answer the client asked to close');
  });

  test('a request that is not plain gives the connection to Node\'s server with its bytes, and it stays there', async () => {
    let text = '';
    const counts = await counted(async () => {
      text = await converse(port, [
        `GET /instances/ok/api/first HTTP/1.1\r\n${H}\r\n`,
        `POST /chunked HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n` +
          `GET /instances/ok/api/after HTTP/1.1\r\n${H}Connection: close\r\n\r\n`,
      ], { gapMs: 50 });
    });
    assert.deepEqual(bodies(text), ['service GET /first ', 'node /chunked', 'node /instances/ok/api/after']);
    assert.deepEqual(counts, { proxied: 1, relayed: 0, handedOver: 1 });
    // what the front door refuses itself (a foreign Host) goes to Node's server too
    assert.deepEqual(bodies(await converse(port, [`GET /refused HTTP/1.1\r\n${H}Connection: close\r\n\r\n`])), ['node /refused']);
    // a body larger than the lane holds, and a call over the proxy's limit, too
    const big = 'x'.repeat(1001);
    assert.deepEqual(bodies(await converse(port, [`POST /instances/ok/api/big HTTP/1.1\r\n${H}Content-Length: 1001\r\nConnection: close\r\n\r\n${big}`])), ['node /instances/ok/api/big']);
  });

  test('a head and a body that arrive in a few pieces are waited for', async () => {
    const request = `POST /instances/ok/api/slow HTTP/1.1\r\n${H}Content-Length: 5\r\nConnection: close\r\n\r\nhello`;
    let text = '';
    const counts = await counted(async () => {
      const size = Math.ceil(request.length / 8);
      text = await converse(port, Array.from({ length: 8 }, (_, i) => request.slice(i * size, (i + 1) * size)), { gapMs: 5 });
    });
    assert.deepEqual(bodies(text), ['service POST /slow hello']);
    assert.deepEqual(counts, { proxied: 1, relayed: 0, handedOver: 0 });
  });

  test('a request dripped in many small pieces goes to Node\'s server, which reads it incrementally', async () => {
    const body = 'x'.repeat(200);
    const request = `POST /instances/ok/api/drip HTTP/1.1\r\n${H}Content-Length: 200\r\nConnection: close\r\n\r\n`;
    let text = '';
    const counts = await counted(async () => {
      text = await converse(port, [request, ...body.match(/.{1,4}/g)!], { gapMs: 1 });
    });
    assert.deepEqual(bodies(text), ['node /instances/ok/api/drip']);
    assert.deepEqual(counts, { proxied: 0, relayed: 0, handedOver: 1 });
  });

  test('a request that does not arrive in time gets Node\'s 408; an idle connection closes after the keep-alive timeout', async () => {
    const began = Date.now();
    assert.equal(await converse(port, [`GET /instances/ok/api/x HTTP/1.1\r\n${H}`]), 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n');
    assert.ok(Date.now() - began >= 400);
    assert.equal(await converse(port, [`POST /instances/ok/api/x HTTP/1.1\r\n${H}Content-Length: 5\r\n\r\nab`]), 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n');
    assert.deepEqual(bodies(await converse(port, [`GET /instances/ok/api/idle HTTP/1.1\r\n${H}\r\n`])), ['service GET /idle '], 'closed once idle');
  });

  test('a client that half-closes ends the connection at once, as on Node\'s side: its upstream call stops', async () => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(`GET /instances/ok/api/hang HTTP/1.1\r\n${H}\r\n`));
    await new Promise((resolve) => socket.once('data', resolve));
    socket.end();
    await hangClosed;
    await new Promise((resolve) => socket.once('close', resolve));
  });

  test('the upstream refusing connections gives the seed\'s 502, as Node\'s side writes it, and the connection goes on', async () => {
    const text = await converse(port, [`GET /instances/down/api/x HTTP/1.1\r\n${H}\r\nGET /instances/ok/api/next HTTP/1.1\r\n${H}Connection: close\r\n\r\n`]);
    const [first] = text.split('\r\n\r\n');
    assert.equal(first, 'HTTP/1.1 502 Bad Gateway\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: 124\r\nConnection: keep-alive\r\nKeep-Alive: timeout=0');
    const [error, next] = bodies(text);
    assert.deepEqual(JSON.parse(error!), { error: true, reason: 'instance_unreachable', message: 'nothing is accepting connections on the run\'s port (ECONNREFUSED)' });
    assert.equal(next, 'service GET /next ');
  });

  test('a large answer reaches a slow reader whole; a client that goes away ends the upstream call', async () => {
    hangClosed = new Promise((resolve) => (sawHangClose = resolve));
    const got = await new Promise<Buffer>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => socket.write(`GET /instances/ok/api/big HTTP/1.1\r\n${H}Connection: close\r\n\r\n`));
      const chunks: Buffer[] = [];
      socket.on('data', (d) => {
        chunks.push(d);
        socket.pause();
        setTimeout(() => socket.resume(), 1);
      });
      socket.on('close', () => resolve(Buffer.concat(chunks)));
    });
    const body = got.subarray(got.indexOf('\r\n\r\n') + 4);
    // the service sent no length: chunked on the client's side
    assert.match(got.subarray(0, 200).toString(), /Transfer-Encoding: chunked/);
    const unchunked: Buffer[] = [];
    for (let at = 0; ;) {
      const lineEnd = body.indexOf('\r\n', at);
      const size = parseInt(body.subarray(at, lineEnd).toString(), 16);
      if (size === 0) break;
      unchunked.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
      at = lineEnd + 2 + size + 2;
    }
    const hash = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    assert.equal(hash(Buffer.concat(unchunked)), hash(BIG));

    const socket = net.connect(port, '127.0.0.1', () => socket.write(`GET /instances/ok/api/hang HTTP/1.1\r\n${H}\r\n`));
    await new Promise((resolve) => socket.once('data', resolve));
    socket.destroy();
    await hangClosed;
  });
});
