// A client in a process of its own that polls a run until it is terminal and records every answer:
// what a user's client sees, without the test's own use of the server's event loop (the test
// process is the server's main thread) in the measurement.
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { execTracked } from './children.js';
import { pollGet } from './poll-get.js';

const TERMINAL = new Set(['succeeded', 'failed', 'stopped', 'timedOut']);
const self = fileURLToPath(import.meta.url);

export interface PollResult {
  /** each answer's status and latency in ms, in order */
  readonly answers: ReadonlyArray<{ readonly status: number; readonly ms: number }>;
  /** the terminal run, or null when the poller gave up at its deadline */
  readonly run: any;
}

/**
 * Polls `runUrl` every `intervalMs` from another process (tracked, so an `after` hook's
 * killTrackedChildren ends it) until the run is terminal or `deadlineMs` has passed.
 */
export async function pollRunFromOtherProcess(
  runUrl: string,
  key: string,
  options: { intervalMs?: number; deadlineMs?: number } = {},
): Promise<PollResult> {
  const { intervalMs = 20, deadlineMs = 10 * 60_000 } = options;
  const args = [self, runUrl, key, String(intervalMs), String(deadlineMs)];
  const { code, stdout, stderr } = await execTracked(process.execPath, args, deadlineMs + 30_000);
  if (code !== 0) throw new Error(`the poller ended with ${code ?? 'a kill'}: ${stderr.slice(0, 500)}`);
  return JSON.parse(stdout) as PollResult;
}

async function poll(runUrl: string, key: string, intervalMs: number, deadlineMs: number): Promise<void> {
  const answers: Array<{ status: number; ms: number }> = [];
  const deadline = Date.now() + deadlineMs;
  let run: any = null;
  while (Date.now() < deadline) {
    const began = performance.now();
    const res = await pollGet(runUrl, { 'x-api-key': key });
    answers.push({ status: res.status, ms: performance.now() - began });
    if (res.status === 200) {
      const current = JSON.parse(res.body).run;
      if (TERMINAL.has(current.state)) {
        run = current;
        break;
      }
    }
    await sleep(intervalMs);
  }
  process.stdout.write(JSON.stringify({ answers, run }));
  process.exit(0);
}

if (process.argv[1] === self)
  void poll(process.argv[2]!, process.argv[3]!, Number(process.argv[4]), Number(process.argv[5]));
