// `swiftlambda dev`: the development loop from a terminal (docs/api.md#development-loop). The server does the work
// (watch, rebuild, hot swap); this follows it: build output, diagnostics, run output, swaps.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ConsoleRun, ConsoleRunsResponse, DevStatus, DevStatusResponse } from '../contract/dev.js';
import type {
  BuildConfiguration,
  Compilation,
  Diagnostic,
  LogChunk,
  Project,
  Run,
  RunMode,
} from '../contract/types.js';
import { formatDiagnostic } from '../domain/diagnostic-format.js';
import { ApiCallError, call, followLog, writeChunk, type Connection } from './client.js';
import { Output } from './output.js';
import { BuildOutput } from './progress-bar.js';

const POLL_MS = 500;

export interface DevOptions {
  readonly projectId: string;
  readonly mode: RunMode;
  readonly args: readonly string[];
  /** `debug` unless --release: debug builds rebuild faster */
  readonly configuration: BuildConfiguration;
  /**
   * with --json: stdout gets one object a line (`compilation`, `run`, `log` with its `compilationId`
   * or `runId`, `devUrl`, `swap`, `problem`, `watch`), no markers
   */
  readonly out?: Output;
}

interface FollowedRun {
  readonly run: Run;
  ended: boolean;
}

const short = (id: string) => id.slice(0, 8);
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** `── text ──` on stderr, dimmed on a terminal, between the build's and the runs' own output. */
export function marker(text: string): void {
  const line = `── ${text} ──`;
  process.stderr.write(process.stderr.isTTY && !process.env.NO_COLOR ? `\x1b[2m${line}\x1b[0m\n` : `${line}\n`);
}

/** The diagnostics of a build, one `file:line:col: severity: message` line each. */
export function printDiagnostics(diagnostics: readonly Diagnostic[]): void {
  for (const d of diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
}

export function diagnosticCounts(diagnostics: readonly Diagnostic[]): string {
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.filter((d) => d.severity === 'warning').length;
  return [errors && plural(errors, 'error'), warnings && plural(warnings, 'warning')].filter(Boolean).join(', ');
}

/**
 * One `dev` session: turns watch on (with the session's configuration), tells the server's loop
 * what to start, builds, then follows every build and the runs the loop starts (after a good
 * build when none is live, in a swap, after a crash), until `stop()` stops those runs and sets
 * watch and the configuration back.
 */
export class DevSession {
  private readonly aborted = new AbortController();
  private readonly path: string;
  private readonly devUrl: string;
  private project: Project | undefined;
  private watchBefore = false;
  private configurationBefore: BuildConfiguration = 'release';
  private readonly seenBuilds = new Set<string>();
  private readonly seenRuns = new Set<string>();
  private readonly followed = new Map<string, FollowedRun>();
  /** runs whose replacements this session follows: its own, and the one serving when it began */
  private readonly lineage = new Set<string>();
  private readonly seenSwaps = new Set<string>();
  private builds: Promise<void> = Promise.resolve();
  private buildNumber = 0;
  private problem: string | null = null;
  private stopping = false;
  private printedDevUrl = false;
  private readonly out: Output;

  constructor(
    private readonly conn: Connection,
    private readonly options: DevOptions,
  ) {
    this.path = encodeURIComponent(options.projectId);
    this.devUrl = `${conn.url}/dev/${this.path}/api/`;
    this.out = options.out ?? new Output(false);
  }

  /** A marker for people; nothing with --json, where data() says it. */
  private marker(text: string): void {
    if (!this.out.json) marker(text);
  }

  /** Runs until stop() is called or the server goes away (then throws). */
  async run(): Promise<void> {
    const { project } = await call<{ project: Project }>(this.conn, 'GET', `/console/api/projects/${this.path}`);
    this.project = project;
    this.watchBefore = project.watch;
    this.configurationBefore = project.buildConfiguration;
    // what exists already is not this session's: only what appears from now on is followed
    const [compilations, runs, dev] = await Promise.all([this.compilations(), this.runs(), this.devStatus()]);
    compilations.forEach((c) => this.seenBuilds.add(c.id));
    this.buildNumber = compilations.length;
    runs.forEach((r) => this.seenRuns.add(r.uuid));
    dev.swaps.forEach((s) => this.seenSwaps.add(`${s.from}>${s.to}`));
    if (dev.servingRun) this.lineage.add(dev.servingRun);
    this.problem = dev.problem;

    const { configuration } = this.options;
    await call(this.conn, 'PATCH', `/console/api/projects/${this.path}`, {
      watch: true,
      buildConfiguration: configuration,
    });
    // what the loop starts after a good build while no service run is live: this session's run
    await call(this.conn, 'PUT', `/console/api/projects/${this.path}/dev`, {
      mode: this.options.mode,
      arguments: this.options.args,
    });
    this.out.data({ watch: true });
    this.marker(
      `watching ${project.sourcePath} (${configuration} builds${configuration === 'debug' ? '; --release for release' : ''}; Ctrl-C stops)`,
    );
    await call(this.conn, 'POST', `/console/api/projects/${this.path}/compilations`, {});

    let failures = 0;
    while (!this.stopping) {
      try {
        await this.poll();
        failures = 0;
      } catch (err) {
        if (this.stopping) break;
        if (++failures >= 6) throw err;
      }
      await sleep(POLL_MS);
    }
  }

  /** Stops the runs this session followed that are still live and sets watch back; idempotent. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.aborted.abort();
    const live = [...this.followed.values()].filter((f) => !f.ended).map((f) => f.run.uuid);
    if (live.length) this.marker(`stopping ${live.map(short).join(', ')}`);
    const results = await Promise.all(
      live.map((id) =>
        call<{ run: Run }>(this.conn, 'POST', `/lambdas/${this.path}/runs/${encodeURIComponent(id)}/stop`, {}).then(
          ({ run }) => {
            this.out.data({ run });
            return `run ${short(id)} ${run.state}${run.exitCode !== null ? ` (exit ${run.exitCode})` : ''}`;
          },
          // already over: nothing to stop
          (err: unknown) =>
            err instanceof ApiCallError && err.reason === 'not_stoppable'
              ? null
              : `run ${short(id)}: ${(err as Error).message}`,
        ),
      ),
    );
    for (const r of results) if (r) this.marker(r);
    if (this.project) {
      // what the loop starts goes back to its default (a watch left on keeps working for the console)
      if (this.watchBefore) await call(this.conn, 'DELETE', `/console/api/projects/${this.path}/dev`);
      await call(this.conn, 'PATCH', `/console/api/projects/${this.path}`, {
        watch: this.watchBefore,
        buildConfiguration: this.configurationBefore,
      });
      this.out.data({ watch: this.watchBefore });
      this.marker(this.watchBefore ? 'watch left on, as it was' : 'watch off');
    }
  }

  private compilations(): Promise<Compilation[]> {
    return call<{ compilations: Compilation[] }>(
      this.conn,
      'GET',
      `/console/api/projects/${this.path}/compilations`,
    ).then((r) => r.compilations);
  }

  private runs(): Promise<ConsoleRun[]> {
    return call<ConsoleRunsResponse>(this.conn, 'GET', `/console/api/runs?project=${this.path}&limit=50`).then(
      (r) => r.runs,
    );
  }

  private devStatus() {
    return call<DevStatusResponse>(this.conn, 'GET', `/console/api/projects/${this.path}/dev`).then((r) => r.dev);
  }

  private async poll(): Promise<void> {
    const [compilations, runs, dev] = await Promise.all([this.compilations(), this.runs(), this.devStatus()]);
    // oldest first, so builds are numbered and runs followed in the order they came
    for (const c of [...compilations].reverse()) {
      if (this.seenBuilds.has(c.id)) continue;
      this.seenBuilds.add(c.id);
      const number = ++this.buildNumber;
      this.builds = this.builds
        .then(() => this.followBuild(c, number))
        .catch((err: unknown) => {
          if (!this.stopping) this.marker(`build ${number}: ${(err as Error).message}`);
        });
    }
    this.noticeRuns(runs);
    this.noticeDev(dev);
  }

  private noticeDev(dev: DevStatus): void {
    for (const swap of [...dev.swaps].reverse()) {
      const key = `${swap.from}>${swap.to}`;
      if (this.seenSwaps.has(key)) continue;
      this.seenSwaps.add(key);
      if (!this.followed.has(swap.to)) continue;
      this.out.data({ swap });
      this.marker(`dev URL now serves ${short(swap.to)}; ${short(swap.from)} finishes its calls and stops`);
    }
    if (dev.problem !== this.problem) {
      this.problem = dev.problem;
      this.out.data({ problem: dev.problem });
      if (dev.problem) this.marker(`problem: ${dev.problem}`);
    }
  }

  /**
   * Follows the runs the loop starts (`startedBy` dev or restart), those that replace one of this
   * session's, and a oneShot run again; each once its build's output has been printed.
   */
  private noticeRuns(runs: readonly ConsoleRun[]): void {
    for (const run of [...runs].reverse()) {
      if (this.seenRuns.has(run.uuid)) continue;
      this.seenRuns.add(run.uuid);
      const replacesOurs = run.mode === 'service' && run.replacesRun !== null && this.lineage.has(run.replacesRun);
      const oneShotAgain = this.options.mode === 'oneShot' && run.mode === 'oneShot';
      const theLoops = run.startedBy === 'dev' || run.startedBy === 'restart';
      if (replacesOurs || oneShotAgain || theLoops) this.builds = this.builds.then(() => this.follow(run));
    }
  }

  private async followBuild(compilation: Compilation, number: number): Promise<void> {
    this.marker(`build ${number} (${compilation.configuration})`);
    this.out.data({ compilation });
    let firstAt = 0;
    let lastAt = 0;
    const output = new BuildOutput();
    const onChunk = (chunk: LogChunk) => {
      // the time a build waited in the queue is not its own
      if (!firstAt && !chunk.data.startsWith('build queued')) firstAt = chunk.timestamp;
      lastAt = chunk.timestamp;
      if (this.out.json) this.out.data({ log: chunk, compilationId: compilation.id });
      else output.chunk(chunk);
    };
    try {
      await followLog(
        this.conn,
        `/console/api/projects/${this.path}/compilations/${encodeURIComponent(compilation.id)}/logs?follow=true`,
        {
          signal: this.aborted.signal,
          onChunk,
        },
      );
    } finally {
      output.end();
    }
    if (this.stopping) return;
    const { compilation: done } = await call<{ compilation: Compilation }>(
      this.conn,
      'GET',
      `/console/api/projects/${this.path}/compilations/${encodeURIComponent(compilation.id)}`,
    );
    this.out.data({ compilation: done });
    const took = firstAt && lastAt ? ` in ${((lastAt - firstAt) / 1000).toFixed(1)} s` : '';
    const counts = diagnosticCounts(done.diagnostics);
    this.marker(`build ${number} ${done.state}${took}${counts ? `: ${counts}` : ''}`);
    if (!this.out.json) printDiagnostics(done.diagnostics);
    // after a good build the server's loop starts, swaps or runs again what this session follows
    if (done.state !== 'succeeded') this.marker('waiting for changes');
  }

  private follow(run: Run & Pick<ConsoleRun, 'replacesRun' | 'startedBy'>): void {
    if (this.followed.has(run.uuid)) return;
    const entry: FollowedRun = { run, ended: false };
    this.followed.set(run.uuid, entry);
    if (run.mode === 'service') this.lineage.add(run.uuid);
    const replaced = run.replacesRun
      ? ` (${run.startedBy === 'restart' ? 'restarts' : 'replaces'} ${short(run.replacesRun)})`
      : '';
    const args = run.arguments.length ? ` ${JSON.stringify(run.arguments)}` : '';
    this.marker(`run ${short(run.uuid)} ${run.mode}${replaced}${args}`);
    const runUrl = `${this.conn.url}/instances/${run.uuid}/api/`;
    this.out.data(run.mode === 'service' ? { run, url: runUrl } : { run });
    if (run.mode === 'service') {
      if (!this.printedDevUrl) this.out.data({ devUrl: this.devUrl });
      if (!this.printedDevUrl && !this.out.json) process.stderr.write(`dev URL: ${this.devUrl}\n`);
      this.printedDevUrl = true;
      if (!this.out.json) process.stderr.write(`run URL: ${runUrl}\n`);
    }
    // each line names its run: across a swap two runs write at once
    const prefix = `${short(run.uuid)} │ `;
    const onChunk = (chunk: LogChunk) =>
      this.out.json
        ? this.out.data({ log: chunk, runId: run.uuid })
        : writeChunk({ ...chunk, data: prefix + chunk.data });
    void followLog(this.conn, `/lambdas/${this.path}/runs/${encodeURIComponent(run.uuid)}/logs?follow=true`, {
      signal: this.aborted.signal,
      onChunk,
    })
      .then(async (end) => {
        if (!end) return;
        entry.ended = true;
        if (this.out.json)
          await call<{ run: Run }>(this.conn, 'GET', `/lambdas/${this.path}/runs/${encodeURIComponent(run.uuid)}`).then(
            (r) => this.out.data(r),
            () => undefined,
          );
        // a swap that stopped this run is told first
        if (run.mode === 'service')
          await this.devStatus().then(
            (dev) => this.noticeDev(dev),
            () => undefined,
          );
        const exit = end.exitCode !== null && end.exitCode !== undefined ? ` (exit ${String(end.exitCode)})` : '';
        if (!this.stopping) this.marker(`run ${short(run.uuid)} ${String(end.state)}${exit}`);
      })
      .catch((err: unknown) => {
        if (!this.stopping) this.marker(`run ${short(run.uuid)}: ${(err as Error).message}`);
      });
  }
}
