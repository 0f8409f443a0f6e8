import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { findLiveServer, moveEarlierDataDir } from './server-owner.js';

let dir = '';
let status: http.Server;
let statusUrl = '';
const TOKEN = 'the-live-token';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'swiftlambda-owner-'));
  // a stand-in for a live server's status route: 200 for its own token only
  status = http.createServer((req, res) => {
    res.statusCode = req.url === '/console/api/status' && req.headers.authorization === `Bearer ${TOKEN}` ? 200 : 401;
    res.end('{}');
  });
  await new Promise<void>((r) => status.listen(0, '127.0.0.1', r));
  statusUrl = `http://127.0.0.1:${(status.address() as AddressInfo).port}`;
});
after(async () => {
  await new Promise((r) => status.close(r));
  await rm(dir, { recursive: true, force: true });
});

const writeServerJson = async (dataDir: string, value: unknown) => {
  await mkdir(dataDir, { recursive: true });
  await writeFile(join(dataDir, 'server.json'), JSON.stringify(value));
};

/** A process that is alive (a sleeping child) and one that no longer is. */
async function pids(): Promise<{ alive: number; dead: number; stop: () => void }> {
  const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
  const gone = spawn(process.execPath, ['-e', '']);
  await new Promise((r) => gone.once('exit', r));
  return { alive: sleeper.pid!, dead: gone.pid!, stop: () => sleeper.kill() };
}

test('a live server that answers with its token is attached to; anything else means start one', async () => {
  const { alive, dead, stop } = await pids();
  try {
    const dataDir = join(dir, 'shared');
    assert.equal(await findLiveServer(dataDir), null, 'no server.json');
    await writeServerJson(dataDir, { url: statusUrl, consoleToken: TOKEN, pid: alive });
    assert.deepEqual(await findLiveServer(dataDir), { url: statusUrl, consoleToken: TOKEN, pid: alive });
    await writeServerJson(dataDir, { url: statusUrl, consoleToken: TOKEN, pid: dead });
    assert.equal(await findLiveServer(dataDir), null, 'its process is gone (a crash left server.json)');
    await writeServerJson(dataDir, { url: statusUrl, consoleToken: 'another-token', pid: alive });
    assert.equal(await findLiveServer(dataDir), null, 'the address answers, but for another server');
    await writeServerJson(dataDir, { url: 'http://127.0.0.1:9', consoleToken: TOKEN, pid: alive });
    assert.equal(await findLiveServer(dataDir), null, 'nothing listens at the address');
    await writeFile(join(dataDir, 'server.json'), '{ torn');
    assert.equal(await findLiveServer(dataDir), null, 'a torn server.json');
  } finally {
    stop();
  }
});

test("the app's earlier data dir moves to the shared one once, and never over a shared store", async () => {
  const earlier = join(dir, 'app-data');
  const shared = join(dir, 'home-data');
  assert.equal(await moveEarlierDataDir(earlier, shared), 'nothing to move');
  await mkdir(join(earlier, 'logs'), { recursive: true });
  await writeFile(join(earlier, 'db.json'), '{"from":"app"}');
  await writeFile(join(earlier, 'logs', 'r.ndjson'), 'line\n');
  assert.equal(await moveEarlierDataDir(earlier, shared), 'moved');
  assert.equal(await readFile(join(shared, 'db.json'), 'utf8'), '{"from":"app"}');
  assert.equal(await readFile(join(shared, 'logs', 'r.ndjson'), 'utf8'), 'line\n');
  assert.equal(existsSync(earlier), false);
  await mkdir(earlier, { recursive: true });
  await writeFile(join(earlier, 'db.json'), '{"from":"app again"}');
  assert.equal(await moveEarlierDataDir(earlier, shared), 'kept both');
  assert.equal(await readFile(join(shared, 'db.json'), 'utf8'), '{"from":"app"}', 'the shared store is untouched');
});
