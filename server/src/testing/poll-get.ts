import { Agent, request } from 'node:http';

/**
 * A light HTTP GET for clients that poll every few milliseconds: one keep-alive connection and
 * no WHATWG streams, so the poller does not slow what it times (`fetch` does: decision 0075).
 * The benchmarks poll emulator and baselines alike with it.
 */
const pollAgent = new Agent({ keepAlive: true, maxSockets: 1 });
export function pollGet(
  url: string,
  headers: Record<string, string> = {},
  retry = true,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: pollAgent, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      // a kept-alive connection the server closed meanwhile: Node's documented retry
      if (retry && req.reusedSocket && err.code === 'ECONNRESET') resolve(pollGet(url, headers, false));
      else reject(err);
    });
    req.end();
  });
}
