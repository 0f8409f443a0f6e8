// Clients in a process of their own that go away in the middle of proxied calls: before the
// answer, after its head, after its first body bytes. The test process serves the proxy, so only
// the server's sockets and objects are counted there.
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { execTracked } from './children.js';

const self = fileURLToPath(import.meta.url);
/** an echo answer this big cannot sit in the sockets' buffers: the client leaves mid-body */
const ECHO_BODY = Buffer.alloc(512 * 1024, 'x');

export interface AbortSummary {
  /** calls the client left before any answer */
  readonly beforeAnswer: number;
  /** calls the client left after the answer's head, before its end */
  readonly midAnswer: number;
}

/** `count` clients, 100 at a time, each leaving one call to `runId`'s service part-way. */
export async function abortCallsFromOtherProcess(
  baseUrl: string,
  key: string,
  runId: string,
  count: number,
): Promise<AbortSummary> {
  const { code, stdout, stderr } = await execTracked(
    process.execPath,
    [self, baseUrl, key, runId, String(count)],
    5 * 60_000,
  );
  if (code !== 0) throw new Error(`the clients ended with ${code ?? 'a kill'}: ${stderr.slice(0, 500)}`);
  return JSON.parse(stdout) as AbortSummary;
}

function oneCall(base: URL, key: string, runId: string, kind: number): Promise<'before' | 'mid' | 'complete'> {
  return new Promise((resolve) => {
    const sleep = kind === 0;
    const req = http.request({
      host: base.hostname,
      port: base.port,
      agent: false,
      method: sleep ? 'GET' : 'POST',
      path: `/instances/${runId}/api/${sleep ? 'sleep/300' : 'echo'}`,
      headers: { 'x-api-key': key, ...(sleep ? {} : { 'content-length': ECHO_BODY.length }) },
    });
    let outcome: 'before' | 'mid' | 'complete' = 'before';
    req.on('response', (res) => {
      outcome = 'mid';
      res.on('end', () => (outcome = 'complete'));
      // kind 1 leaves at the head, kind 2 after the first bytes of the body
      if (kind === 1) req.destroy();
      else res.once('data', () => req.destroy());
    });
    req.on('error', () => undefined);
    req.on('close', () => resolve(outcome));
    if (sleep) {
      setTimeout(() => req.destroy(), 30);
      req.end();
    } else {
      req.end(ECHO_BODY);
    }
  });
}

async function main(baseUrl: string, key: string, runId: string, count: number): Promise<void> {
  const base = new URL(baseUrl);
  const summary = { beforeAnswer: 0, midAnswer: 0 };
  for (let done = 0; done < count; done += 100) {
    const outcomes = await Promise.all(
      Array.from({ length: Math.min(100, count - done) }, (_, i) => oneCall(base, key, runId, (done + i) % 3)),
    );
    for (const o of outcomes) {
      if (o === 'before') summary.beforeAnswer++;
      else if (o === 'mid') summary.midAnswer++;
    }
  }
  process.stdout.write(JSON.stringify(summary));
  process.exit(0);
}

if (process.argv[1] === self) void main(process.argv[2]!, process.argv[3]!, process.argv[4]!, Number(process.argv[5]));
