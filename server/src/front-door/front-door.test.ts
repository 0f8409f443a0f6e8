import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { displayPrefix, generateSecret, hashSecret } from '../domain/key-format.js';
import type { MatchableKey } from '../modules/keys/key-matcher.js';
import { FrontDoor } from './front-door.js';
import type { Route } from './protocol.js';

describe('front door', () => {
  let dir: string;
  let main: http.Server;
  let service: http.Server;
  let servicePort: number;
  let door: FrontDoor;
  let base: string;
  let onMain: (() => void) | null = null;
  const secret = generateSecret();
  const key: MatchableKey = { id: 'k1', prefix: displayPrefix(secret), secretHash: hashSecret(secret), projects: ['p1'], expiresAt: null, revokedAt: null };
  const used: string[] = [];
  let routes: Route[] = [];
  let keys: MatchableKey[] = [key];
  const publish = () => door.publish({ routes, keys, clockOffsetMs: 0 });
  const get = async (path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(base + path, { headers });
    return `${res.status} ${await res.text()}`;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'front-door-'));
    // the main thread: answers everything with "main" (and may change the state first)
    main = http.createServer((_req, res) => {
      onMain?.();
      res.end('main');
    });
    // a running service
    service = http.createServer((req, res) => res.end(`service ${req.url}`));
    await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
    servicePort = (service.address() as AddressInfo).port;
    door = new FrontDoor(main, {
      dataDir: dir, host: '127.0.0.1', port: 0, consoleToken: 'console-token-0123456789abcdef', sessionCookie: 'swiftlambda_console',
      maxBodyBytes: 1024, onKeyUsed: (id) => used.push(id), log: () => undefined,
    });
    publish();
    const address = await door.listen();
    door.serve();
    base = `http://127.0.0.1:${address.port}`;
  });
  after(async () => {
    await door.close();
    service.closeAllConnections();
    await new Promise((resolve) => service.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  test('a running service with a caller let in is called directly; everything else goes to the main thread', async () => {
    routes = [
      { runId: 'pub', project: 'p1', publicAccess: true, hostPort: servicePort, deadlineAt: Date.now() + 60_000 },
      { runId: 'priv', project: 'p1', publicAccess: false, hostPort: servicePort, deadlineAt: Date.now() + 60_000 },
      { runId: 'other', project: 'p2', publicAccess: false, hostPort: servicePort, deadlineAt: Date.now() + 60_000 },
      { runId: 'late', project: 'p1', publicAccess: true, hostPort: servicePort, deadlineAt: Date.now() - 1 },
    ];
    publish();
    assert.equal(await get('/lambdas/p1/runs'), '200 main');
    assert.equal(await get('/instances/pub/api/a?b=1'), '200 service /a?b=1');
    assert.equal(await get('/instances/priv/api/x', { 'x-api-key': secret }), '200 service /x');
    assert.equal(await get('/instances/priv/api/x', { authorization: 'Bearer console-token-0123456789abcdef' }), '200 service /x');
    assert.deepEqual(used, ['k1'], 'a key let in is reported once to the main thread');
    // refusals and their reasons belong to the main thread
    assert.equal(await get('/instances/priv/api/x'), '200 main');
    assert.equal(await get('/instances/priv/api/x', { 'x-api-key': generateSecret() }), '200 main');
    assert.equal(await get('/instances/other/api/x', { 'x-api-key': secret }), '200 main', 'a key restricted to another project');
    assert.equal(await get('/instances/late/api/x'), '200 main', 'past the deadline');
    assert.equal(await get('/instances/unknown/api/x'), '200 main');
  });

  test('a key revoked while the main thread answers is refused on the next call', async () => {
    routes = [{ runId: 'priv', project: 'p1', publicAccess: false, hostPort: servicePort, deadlineAt: Date.now() + 60_000 }];
    publish();
    for (let i = 0; i < 20; i++) {
      keys = [key];
      publish();
      assert.equal(await get('/instances/priv/api/x', { 'x-api-key': secret }), '200 service /x');
      onMain = () => {
        keys = [{ ...key, revokedAt: 1 }];
        publish();
      };
      assert.equal(await get('/keys/k1/revoke'), '200 main');
      onMain = null;
      assert.equal(await get('/instances/priv/api/x', { 'x-api-key': secret }), '200 main');
    }
  });

  test('the thread holds an answer from the main thread until it has the state sent before it', async () => {
    // the worker alone, driven by hand: the state is announced at once but arrives 300 ms later
    const sent = new Int32Array(new SharedArrayBuffer(4));
    const socketPath = join(dir, 'hand.sock');
    let announce: (() => void) | null = null;
    const handMain = http.createServer((_req, res) => {
      announce?.();
      res.end('main');
    });
    await new Promise<void>((resolve) => handMain.listen(socketPath, resolve));
    const worker = new Worker(new URL('./worker.js', import.meta.url));
    const listening = new Promise<{ port: number }>((resolve) => worker.on('message', (m: { type: string; port: number }) => m.type === 'listening' && resolve(m)));
    worker.postMessage({ type: 'listen', port: 0, config: { host: '127.0.0.1', socketPath, consoleToken: 'c'.repeat(32), sessionCookie: 's', maxBodyBytes: 1024, sent: sent.buffer } });
    const { port } = await listening;
    worker.postMessage({ type: 'serve' });
    const route = { runId: 'r', project: 'p1', publicAccess: true, hostPort: servicePort, deadlineAt: Date.now() + 60_000 };
    const state = (seq: number, list: Route[]) => ({ type: 'state', seq, routes: JSON.stringify(list), clockOffsetMs: 0 });
    worker.postMessage(state(Atomics.add(sent, 0, 1) + 1, [route]));
    const call = async (path: string) => (await fetch(`http://127.0.0.1:${port}${path}`)).text();
    try {
      assert.equal(await call('/instances/r/api/x'), 'service /x');
      announce = () => {
        const seq = Atomics.add(sent, 0, 1) + 1;
        setTimeout(() => worker.postMessage(state(seq, [])), 300);
      };
      const started = Date.now();
      assert.equal(await call('/runs/r/stop'), 'main');
      assert.ok(Date.now() - started >= 250, 'the answer waited for the state');
      announce = null;
      assert.equal(await call('/instances/r/api/x'), 'main', 'the stopped run is not called directly');
    } finally {
      await worker.terminate();
      handMain.closeAllConnections();
      await new Promise((resolve) => handMain.close(resolve));
    }
  });

  /** A second front door with its own main thread, for the start-up cases below. */
  const otherDoor = (otherMain: http.Server, dataDir: string, port = 0) =>
    new FrontDoor(otherMain, {
      dataDir, host: '127.0.0.1', port, consoleToken: 't'.repeat(32), sessionCookie: 's',
      maxBodyBytes: 1, onKeyUsed: () => undefined, log: () => undefined,
    });
  /** Starts a front door on `dataDir`; resolves with where its main thread listened. */
  const answersThrough = async (dataDir: string): Promise<string> => {
    const otherMain = http.createServer((_req, res) => res.end('other main'));
    const other = otherDoor(otherMain, dataDir);
    try {
      const { port } = await other.listen();
      other.serve();
      assert.equal(await (await fetch(`http://127.0.0.1:${port}/x`)).text(), 'other main');
      return otherMain.address() as string;
    } finally {
      await other.close();
    }
  };

  test('a port already taken is an error with its code', async () => {
    const otherDir = await mkdtemp(join(tmpdir(), 'front-door-taken-'));
    const other = otherDoor(http.createServer(), otherDir, Number(new URL(base).port));
    await assert.rejects(other.listen(), (err: NodeJS.ErrnoException) => err.code === 'EADDRINUSE');
    await other.close();
    await rm(otherDir, { recursive: true, force: true });
  });

  test('a data dir whose path is too long for a Unix socket still works (the socket goes to a private temp dir)', async () => {
    const deep = join(dir, 'd'.repeat(60), 'e'.repeat(60));
    await mkdir(deep, { recursive: true });
    assert.ok(!(await answersThrough(deep)).startsWith(deep));
  });

  test('a data dir that cannot hold the socket: the main thread listens in a private temp dir', async () => {
    const odd = await mkdtemp(join(tmpdir(), 'front-door-odd-'));
    await mkdir(join(odd, 'main.sock'));
    try {
      await answersThrough(odd);
    } finally {
      await rm(odd, { recursive: true, force: true });
    }
  });

  test('a front door thread that dies is started again on the same port, with the state', async () => {
    routes = [{ runId: 'pub', project: 'p1', publicAccess: true, hostPort: servicePort, deadlineAt: Date.now() + 60_000 }];
    publish();
    // what an uncaught error in the thread does: it exits
    await (door as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    let answer = '';
    for (let i = 0; i < 100 && !answer.startsWith('200'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      answer = await get('/instances/pub/api/back').catch(() => '');
    }
    assert.equal(answer, '200 service /back');
    assert.equal(await get('/lambdas/p1/runs'), '200 main');
  });
});
