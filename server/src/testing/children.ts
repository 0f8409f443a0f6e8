// Child processes started by tests and benchmarks: each is tracked until it exits, so an `after`
// hook can end all of them even when a test failed or timed out half-way.
import { execFile, type ChildProcess, type ExecFileOptions } from 'node:child_process';

const running = new Set<ChildProcess>();

/** Tracks `child` until it exits; returns it. */
export function trackChild<T extends ChildProcess>(child: T): T {
  if (child.exitCode !== null || child.signalCode !== null) return child;
  running.add(child);
  const forget = () => running.delete(child);
  child.once('exit', forget);
  child.once('error', forget);
  return child;
}

/** SIGKILLs `child` (SIGTERM etc. when asked) and resolves once it has exited. */
export async function killChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  await exited;
}

/** For `after` hooks: kills every tracked child that is still running. */
export async function killTrackedChildren(): Promise<void> {
  await Promise.all([...running].map((child) => killChild(child)));
}

export interface ExecResult {
  /** the exit code; null when the child was killed (by its deadline or an `after` hook) */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `file` to completion, tracked, and killed at `timeoutMs` if it has not ended by then. A
 * non-zero exit is a result, not an error.
 */
export function execTracked(
  file: string,
  args: readonly string[],
  timeoutMs: number,
  options: ExecFileOptions = {},
): Promise<ExecResult> {
  return new Promise((resolve) => {
    const child = execFile(
      file,
      args,
      { maxBuffer: 64 * 1024 * 1024, ...options, timeout: timeoutMs, killSignal: 'SIGKILL', encoding: 'utf8' },
      (err, stdout, stderr) => {
        const code = err
          ? typeof (err as { code?: unknown }).code === 'number'
            ? (err as { code: number }).code
            : null
          : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
    trackChild(child);
  });
}
