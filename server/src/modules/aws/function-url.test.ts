import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { FunctionUrls, type FunctionUrlDeps } from './function-url.js';

// The services are never reached: the id is refused before any of them is asked.
const urls = new FunctionUrls({
  consoleToken: 'console-token-0123456789abcdef',
  sessionCookie: 'swiftlambda_console',
  log: () => undefined,
} as unknown as FunctionUrlDeps);

let server: http.Server;
let base: string;

before(async () => {
  server = http.createServer((req, res) => {
    if (!urls.handle(req, res)) res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

test(
  'an id that is not percent-encoded UTF-8 is 400 malformed_path, and the server goes on',
  { timeout: 10_000 },
  async () => {
    const res = await fetch(`${base}/lambda-url/%E0%A4/hello`);
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { reason: string }).reason, 'malformed_path');
    const again = await fetch(`${base}/lambda-url/`);
    assert.equal(again.status, 400);
    assert.equal(((await again.json()) as { reason: string }).reason, 'bad_request');
  },
);
