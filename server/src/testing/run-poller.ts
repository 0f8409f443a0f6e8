// A client in a process of its own that polls a run until it is terminal and times every answer:
// what a user's client sees, without the test's own use of the server's event loop (the test
// process is the server's main thread) in the measurement.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { pollGet } from './poll-get.js';

const TERMINAL = new Set(['succeeded', 'failed', 'stopped', 'timedOut']);
const self = fileURLToPath(import.meta.url);

/** Polls `runUrl` every `intervalMs` from another process; the latencies in ms, and the final run. */
export async function pollRunFromOtherProcess(runUrl: string, key: string, intervalMs = 20): Promise<{ latencies: number[]; run: any }> {
  const { stdout } = await promisify(execFile)(process.execPath, [self, runUrl, key, String(intervalMs)], { maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(stdout) as { latencies: number[]; run: any };
}

async function poll(runUrl: string, key: string, intervalMs: number): Promise<void> {
  const latencies: number[] = [];
  for (;;) {
    const began = performance.now();
    const res = await pollGet(runUrl, { 'x-api-key': key });
    latencies.push(performance.now() - began);
    const run = JSON.parse(res.body).run;
    if (TERMINAL.has(run.state)) {
      process.stdout.write(JSON.stringify({ latencies, run }));
      process.exit(0);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

if (process.argv[1] === self) void poll(process.argv[2]!, process.argv[3]!, Number(process.argv[4]));
