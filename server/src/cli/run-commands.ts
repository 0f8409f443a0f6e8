// `swiftlambda run`, `runs`, `logs`, `stop`, `stop-all` and `open` (the README's "The `swiftlambda` CLI"): the public runs
// API, called with the console token (which acts as the owner there).
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import type {
  ListRunsResponse,
  LogsResponse,
  Run,
  RunMode,
  StartRunResponse,
  StopAllResponse,
} from '../contract/types.js';
import { ApiCallError, call, CliError, followLog, type Connection } from './client.js';
import type { HintContext } from './hints.js';
import type { Output } from './output.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** the most runs the public list answers */
const LIST_MAX = 50;
const ERROR_WIDTH = 60;

const runsPath = (projectId: string) => `/lambdas/${encodeURIComponent(projectId)}/runs`;
const runPath = (projectId: string, runId: string) => `${runsPath(projectId)}/${encodeURIComponent(runId)}`;
const exitCodeOf = (signal: NodeJS.Signals) => 128 + (constants.signals[signal] ?? 1);

export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return (
    rows
      .map((r) =>
        r
          .map((c, i) => c.padEnd(widths[i]!))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

/** unix seconds as `YYYY-MM-DD HH:MM:SS` (UTC), or `-` */
export const time = (s: number | null) => (s ? new Date(s * 1000).toISOString().replace('T', ' ').slice(0, 19) : '-');

/** `42s`, `3m04s`, `2h05m` */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** The row of `swiftlambda runs`; a live run's duration runs up to `nowSeconds`. */
export function runRow(run: Run, nowSeconds: number): string[] {
  const took = run.startedAt ? duration((run.finishedAt ?? nowSeconds) - run.startedAt) : '-';
  const firstLine = (run.errorSummary ?? '').split('\n')[0]!;
  const error = firstLine.length > ERROR_WIDTH ? `${firstLine.slice(0, ERROR_WIDTH - 1)}…` : firstLine;
  return [
    run.uuid,
    run.mode,
    run.state,
    time(run.startedAt),
    took,
    run.exitCode === null ? '-' : String(run.exitCode),
    error || '-',
  ];
}

/** `stopped (exit 143)` */
const outcome = (run: Pick<Run, 'state' | 'exitCode'>) =>
  `${run.state}${run.exitCode !== null && run.exitCode !== undefined ? ` (exit ${run.exitCode})` : ''}`;

/**
 * A RUN_ID as typed: a whole id, or the start of one of the project's newest runs (as `dev`
 * prints them: 8 characters), as docker takes a container id's prefix.
 */
export async function resolveRunId(
  conn: Connection,
  projectId: string,
  typed: string,
  ctx: HintContext,
): Promise<string> {
  ctx.runId = typed;
  if (UUID.test(typed)) return typed;
  const { runs } = await call<ListRunsResponse>(conn, 'GET', `${runsPath(projectId)}?limit=${LIST_MAX}`);
  const matches = runs.filter((r) => r.uuid.startsWith(typed.toLowerCase()));
  if (matches.length === 1) return (ctx.runId = matches[0]!.uuid);
  if (!matches.length)
    throw new CliError(
      `no run starting with ${typed} among the ${LIST_MAX} newest of ${projectId}: \`swiftlambda runs ${projectId}\` lists them`,
      'run_not_found',
    );
  throw new CliError(`${typed} starts ${matches.length} runs' ids: type more of it`, 'usage');
}

export async function listRuns(
  conn: Connection,
  out: Output,
  projectId: string,
  options: { state?: string; limit?: string },
): Promise<number> {
  const query = new URLSearchParams();
  if (options.state) query.set('state', options.state);
  if (options.limit) query.set('limit', options.limit);
  const q = query.toString() ? `?${query.toString()}` : '';
  const body = await call<ListRunsResponse>(conn, 'GET', `${runsPath(projectId)}${q}`);
  out.data(body);
  const now = Date.now() / 1000;
  out.text(
    table([
      ['RUN_ID', 'MODE', 'STATE', 'STARTED (UTC)', 'DURATION', 'EXIT', 'ERROR'],
      ...body.runs.map((r) => runRow(r, now)),
    ]),
  );
  return 0;
}

/**
 * `logs`: the run's output so far; with `follow`, then what it writes until it ends. Exits 0
 * whatever the run's outcome, as `docker logs -f` does: `run` is the command whose exit code is it.
 */
export async function showLogs(
  conn: Connection,
  out: Output,
  projectId: string,
  runId: string,
  follow: boolean,
): Promise<number> {
  if (!follow) {
    const logs: LogsResponse = { logs: [], logsTruncated: false };
    for (let after = -1; ;) {
      const page = await call<LogsResponse>(
        conn,
        'GET',
        `${runPath(projectId, runId)}/logs?afterSequence=${after}&limit=500`,
      );
      logs.logs.push(...page.logs);
      logs.logsTruncated = page.logsTruncated;
      if (!out.json) page.logs.forEach((c) => out.chunk(c));
      if (page.logs.length < 500) break;
      after = page.logs[page.logs.length - 1]!.sequence;
    }
    out.data(logs);
    if (logs.logsTruncated) out.note("» the output past the emulator's cap was not kept (logsTruncated)");
    return 0;
  }
  const end = await followLog(conn, `${runPath(projectId, runId)}/logs?follow=true`, { onChunk: (c) => out.chunk(c) });
  if (!end)
    throw new CliError(
      `the server closed the log stream before run ${runId} ended: \`swiftlambda logs ${projectId} ${runId} -f\` follows it again`,
      'stream_lost',
    );
  const { run } = await call<{ run: Run }>(conn, 'GET', runPath(projectId, runId));
  out.data({ run });
  out.note(`run ${run.uuid}: ${outcome(run)}${run.logsTruncated ? '; the output past the cap was not kept' : ''}`);
  return 0;
}

/** `stop`: a run that has already ended is no error (as `docker stop`): its state is shown. */
export async function stopRun(conn: Connection, out: Output, projectId: string, runId: string): Promise<number> {
  try {
    const body = await call<{ run: Run }>(conn, 'POST', `${runPath(projectId, runId)}/stop`, {});
    out.data(body);
    out.text(`run ${body.run.uuid}: ${outcome(body.run)}\n`);
  } catch (err) {
    if (!(err instanceof ApiCallError && err.reason === 'not_stoppable')) throw err;
    const body = await call<{ run: Run }>(conn, 'GET', runPath(projectId, runId));
    out.data(body);
    out.text(`run ${body.run.uuid} had already ended: ${outcome(body.run)}\n`);
  }
  return 0;
}

export async function stopAll(conn: Connection, out: Output, projectId: string): Promise<number> {
  const body = await call<StopAllResponse>(conn, 'POST', `${runsPath(projectId)}/stop`, {});
  out.data(body);
  out.text(body.stopped ? `stopped ${body.stopped} run${body.stopped === 1 ? '' : 's'}\n` : 'no live runs\n');
  for (const run of body.runs) out.text(`run ${run.uuid}: ${outcome(run)}\n`);
  return 0;
}

/**
 * `run`: starts a run and follows its output. Ctrl-C (or SIGTERM) stops the run, as `docker run`
 * without -d does, and exits 128+signal once it has stopped; a second one exits at once.
 */
export async function startRun(
  conn: Connection,
  out: Output,
  projectId: string,
  mode: RunMode,
  args: string[],
  /** how the run is started (`swiftlambda debug` starts a debug run); the public API by default */
  begin: () => Promise<{ run: Run }> = () =>
    call<StartRunResponse>(conn, 'POST', runsPath(projectId), { mode, arguments: args }),
): Promise<number> {
  let interrupted: NodeJS.Signals | undefined;
  let runId: string | undefined;
  let stopped: Promise<void> | undefined;
  const following = new AbortController();
  const stop = (id: string) => {
    out.note(`stopping run ${id} (Ctrl-C again to stop waiting; the run is stopped all the same)`);
    stopped = call(conn, 'POST', `${runPath(projectId, id)}/stop`, {})
      .then(
        () => undefined,
        (err: unknown) => {
          // not_stoppable: it ended by itself meanwhile
          if (!(err instanceof ApiCallError && err.reason === 'not_stoppable'))
            out.note(`could not stop run ${id}: ${(err as Error).message}`);
        },
      )
      .then(() => {
        // the end event follows the stop; if the stream has nothing more to say, stop listening
        setTimeout(() => following.abort(), 10_000).unref();
      });
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) process.exit(exitCodeOf(interrupted));
    interrupted = signal;
    if (runId) stop(runId);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const started = await begin();
    const { run } = started;
    runId = run.uuid;
    out.data(started);
    out.note(
      `run ${run.uuid} (${run.mode})${run.mode === 'service' ? `: ${conn.url}/instances/${run.uuid}/api/` : ''}`,
    );
    // a Ctrl-C while the run was being created stops it now
    if (interrupted) stop(run.uuid);
    const end = await followLog(conn, `${runPath(projectId, run.uuid)}/logs?follow=true`, {
      signal: following.signal,
      onChunk: (c) => out.chunk(c),
    });
    await stopped;
    const final = (await call<{ run: Run }>(conn, 'GET', runPath(projectId, run.uuid))).run;
    out.data({ run: final });
    if (!end && !interrupted && (final.state === 'queued' || final.state === 'running')) {
      throw new CliError(
        `the server closed the log stream; run ${run.uuid} goes on: ` +
          `\`swiftlambda logs ${projectId} ${run.uuid} -f\` follows it, \`swiftlambda stop ${projectId} ${run.uuid}\` stops it`,
        'stream_lost',
      );
    }
    out.note(`run ${run.uuid}: ${outcome(final)}`);
    if (interrupted) return exitCodeOf(interrupted);
    return final.state === 'succeeded' ? 0 : 1;
  } catch (err) {
    // refused before a run existed, or the server went away: leave as asked
    if (interrupted && !runId) return exitCodeOf(interrupted);
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** The command that opens a URL in the default browser here: $BROWSER, else the platform's opener. */
export function browserCommand(
  url: string,
  platform = process.platform,
  browser = process.env.BROWSER,
): [string, string[]] {
  if (browser?.trim()) {
    const [command, ...args] = browser.trim().split(/\s+/);
    return [command!, [...args, url]];
  }
  if (platform === 'darwin') return ['open', [url]];
  // `start` is a cmd built-in; its first quoted argument is a window title
  if (platform === 'win32') return ['cmd', ['/c', 'start', '""', url]];
  return ['xdg-open', [url]];
}

/** Resolves true once the opener has exited 0 (or is still running after a moment), false when it cannot run or fails. */
function launch(command: string, args: string[]): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      stdio: 'ignore',
      detached: true,
      windowsVerbatimArguments: process.platform === 'win32',
    });
    const timer = setTimeout(() => {
      // a browser that runs in the foreground: it is open
      child.unref();
      resolve(true);
    }, 3000);
    child.once('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code === 0);
    });
  });
}

/**
 * `open`: the console in the browser, signed in through `/?token=`. The URL with the token is
 * printed only when no browser could be opened, and only by this command.
 */
export async function openConsole(conn: Connection, out: Output): Promise<number> {
  const signIn = `${conn.url}/?token=${encodeURIComponent(conn.token)}`;
  const [command, args] = browserCommand(signIn);
  if (await launch(command, args)) {
    out.data({ opened: true, url: `${conn.url}/` });
    out.note(`opened the console (${conn.url}/) in the browser with ${command}`);
    return 0;
  }
  out.data({ opened: false, url: signIn });
  out.note(`could not open a browser (${command}); open this URL to sign in to the console:`);
  out.text(`${signIn}\n`);
  return 0;
}
