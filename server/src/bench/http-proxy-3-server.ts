// Figure 3's Node baseline: http-proxy-3 (the maintained http-proxy) as one would deploy it, in a
// process of its own with a keep-alive agent to the upstream. Prints its port once listening.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createProxyServer } from 'http-proxy-3';

const upstreamPort = Number(process.argv[2]);
const proxy = createProxyServer({
  target: `http://127.0.0.1:${upstreamPort}`,
  agent: new http.Agent({ keepAlive: true, maxSockets: 64 }),
  xfwd: true,
});
proxy.on('error', (_err, _req, res) => {
  if (res instanceof http.ServerResponse && !res.headersSent) res.writeHead(502).end();
  else res.destroy();
});
const server = http.createServer((req, res) => proxy.web(req, res));
server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as AddressInfo).port}\n`));
