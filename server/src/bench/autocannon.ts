// autocannon in a process of its own: the load generator and the one-client latency probe the
// figures share, so neither shares the server's event loop.
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const require = createRequire(import.meta.url);

export interface LoadResult {
  readonly reqPerSec: number;
  readonly p99: number;
  readonly errors: number;
  /** requests sent, the unmeasured warm-up's included */
  readonly sent: number;
}

/**
 * autocannon in its own process, so the load generator does not share the server's event loop.
 * Each target (direct, the emulator, http-proxy-3, nginx) first gets 2 s of the same load, not
 * counted: the JIT of a Node server or proxy is warm before it is measured, as in any steady-state
 * benchmark.
 */
export async function load(url: string, headers: Record<string, string>, seconds: number): Promise<LoadResult> {
  const warmUp = await autocannon(['-c', '50', '-d', '2'], url, headers);
  const measured = await autocannon(['-c', '50', '-d', String(seconds)], url, headers);
  return { ...measured, sent: warmUp.sent + measured.sent };
}

/**
 * One client in its own process sending `count` requests one after another: the latency a real
 * client sees, without the bench's own heap and event loop in the measurement.
 */
export async function latencyFromOtherProcess(
  url: string,
  headers: Record<string, string>,
  count: number,
): Promise<{ median: number; p99: number; max: number }> {
  const r = await autocannonRaw(['-c', '1', '-a', String(count)], url, headers);
  return { median: r.latency.p50, p99: r.latency.p99, max: r.latency.max };
}

async function autocannon(options: string[], url: string, headers: Record<string, string>): Promise<LoadResult> {
  const r = await autocannonRaw(options, url, headers);
  return {
    reqPerSec: r.requests.average,
    p99: r.latency.p99,
    errors: r.errors + r.non2xx + r.timeouts,
    sent: r.requests.sent,
  };
}

interface AutocannonJson {
  requests: { average: number; sent: number };
  latency: { p50: number; p99: number; max: number };
  errors: number;
  non2xx: number;
  timeouts: number;
}

async function autocannonRaw(options: string[], url: string, headers: Record<string, string>): Promise<AutocannonJson> {
  const cli = join(require.resolve('autocannon/package.json'), '..', 'autocannon.js');
  const args = [cli, ...options, '-j', ...Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}=${v}`]), url];
  const { stdout } = await exec(process.execPath, args, {
    maxBuffer: 64 * 1024 * 1024,
    timeout: 10 * 60_000,
    killSignal: 'SIGKILL',
  });
  return JSON.parse(stdout) as AutocannonJson;
}
