// Figure 13's load: autocannon in a process of its own, `connections` keep-alive clients calling a
// URL back to back until stdin closes, then one JSON line on stdout with every failure it saw.
// Args: url, headers (JSON), connections. Prints `ready` once its first answer has come.
import { createRequire } from 'node:module';

interface Result {
  requests: { sent: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  resets: number;
  statusCodeStats: Record<string, { count: number }>;
}
interface Tracker {
  on(event: 'response', listener: () => void): void;
  on(event: 'reqError', listener: (err: Error) => void): void;
  stop(): void;
}
type Autocannon = (opts: Record<string, unknown>, cb: (err: Error | null, result: Result) => void) => Tracker;

// autocannon ships no types: loaded through require with the shape used here
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const [url, headers, connections] = [
  process.argv[2]!,
  JSON.parse(process.argv[3]!) as Record<string, string>,
  Number(process.argv[4]),
];
/** the first few errors, with when they happened (unix ms), to tell a swap's failure from noise */
const errorSamples: Array<{ at: number; error: string }> = [];
const tracker = autocannon({ url, headers, connections, duration: 3600 }, (err, result) => {
  if (err) {
    process.stderr.write(`dev-url-load: ${err.message}\n`);
    process.exit(1);
  }
  const { requests, errors, timeouts, non2xx, resets, statusCodeStats } = result;
  process.stdout.write(
    `${JSON.stringify({ sent: requests.sent, errors, timeouts, non2xx, resets, statusCodeStats, errorSamples })}\n`,
  );
  process.exit(0);
});
let ready = false;
tracker.on('response', () => {
  if (!ready) process.stdout.write('ready\n');
  ready = true;
});
tracker.on('reqError', (err) => {
  if (errorSamples.length < 10) errorSamples.push({ at: Date.now(), error: err.message });
});
process.stdin.resume();
process.stdin.on('end', () => tracker.stop());
