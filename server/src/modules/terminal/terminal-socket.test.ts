import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { TerminalSockets, type TerminalDeps } from './terminal-socket.js';

// The run, the engine and the console's auth are never asked: the id is refused first.
const terminals = new TerminalSockets({
  isOwnOrigin: () => true,
  log: () => undefined,
} as unknown as TerminalDeps);

let server: http.Server;
let base: string;
/** every socket, upgraded ones included (closeAllConnections does not see those) */
const sockets = new Set<Socket>();

before(async () => {
  server = http.createServer((_req, res) => res.writeHead(404).end());
  server.on('connection', (socket) => sockets.add(socket));
  server.on('upgrade', (req, socket, head) => terminals.handleUpgrade(req, socket, head));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(
  async () => {
    terminals.close();
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  },
  { timeout: 5000 },
);

/** The status and reason of a refused upgrade. */
function refusal(url: string): Promise<{ status: number; reason: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { handshakeTimeout: 3000 });
    ws.once('open', () => reject(new Error('the upgrade was accepted')));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, reason: (JSON.parse(body) as { reason: string }).reason }),
      );
    });
  });
}

test(
  'a run id that is not percent-encoded UTF-8 is 400 malformed_path, and the server goes on',
  { timeout: 10_000 },
  async () => {
    assert.deepEqual(await refusal(`${base}/console/api/runs/%E0%A4/terminal`), {
      status: 400,
      reason: 'malformed_path',
    });
    assert.deepEqual(await refusal(`${base}/console/api/runs/%E0%A4/terminal`), {
      status: 400,
      reason: 'malformed_path',
    });
  },
);
