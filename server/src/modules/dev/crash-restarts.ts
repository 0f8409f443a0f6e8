import type { DevRestart } from '../../contract/dev.js';
import type { RunRecord } from '../../domain/records.js';
import { errorMessage } from '../../errors.js';
import type { ProjectsService } from '../projects/index.js';
import type { RunsService, StartRunOptions } from '../runs/index.js';
import { RESTART_LIMIT, RESTART_WINDOW_MS, RestartPolicy } from './restart-policy.js';

export interface CrashRestartsDeps {
  readonly projects: ProjectsService;
  readonly runs: RunsService;
  /** the dev loop watches the project */
  readonly watching: (projectId: string) => boolean;
  /** the new run of a swap under way: its failure is the swap's to report */
  readonly swappingTo: (projectId: string) => string | null;
  readonly liveServiceRuns: (projectId: string) => readonly RunRecord[];
  readonly setProblem: (projectId: string, problem: string | null) => void;
  readonly startOptions: (projectId: string, options: StartRunOptions) => StartRunOptions;
  readonly log: (line: string) => void;
}

interface ProjectRestarts {
  policy: RestartPolicy;
  timer: NodeJS.Timeout | null;
  nextAt: number | null;
}

const short = (id: string) => id.slice(0, 8);

/**
 * `restartOnFailure` while watching: a service run that exits with an error or a signal (not
 * stopped, swapped or timed out) and leaves the dev URL with nothing to serve is followed by a new
 * run of the same build after 1, 2, 4 … 30 s, until 5 crashes fall within 2 minutes.
 */
export class CrashRestarts {
  private readonly projects = new Map<string, ProjectRestarts>();

  constructor(private readonly deps: CrashRestartsDeps) {
    deps.runs.onRunEnded((record) => this.ended(record));
  }

  private of(projectId: string): ProjectRestarts {
    let p = this.projects.get(projectId);
    if (!p) {
      p = { policy: new RestartPolicy(), timer: null, nextAt: null };
      this.projects.set(projectId, p);
    }
    return p;
  }

  status(projectId: string): DevRestart {
    const p = this.projects.get(projectId);
    return {
      failures: p?.policy.failures(Date.now()) ?? 0,
      nextAt: p?.nextAt ?? null,
      gaveUp: p?.policy.stopped ?? false,
    };
  }

  /** A successful build: crashes of the old code no longer count, and a waiting restart is not needed. */
  reset(projectId: string): void {
    const p = this.projects.get(projectId);
    if (!p) return;
    this.cancel(p);
    p.policy.reset();
  }

  forget(projectId: string): void {
    const p = this.projects.get(projectId);
    if (p) this.cancel(p);
    this.projects.delete(projectId);
  }

  private cancel(p: ProjectRestarts): void {
    if (p.timer) clearTimeout(p.timer);
    p.timer = null;
    p.nextAt = null;
  }

  private ended(record: RunRecord): void {
    const { run } = record;
    // failed with an exit code: an error or a signal (stopped, swapped and timed-out runs are not failed)
    if (run.mode !== 'service' || run.state !== 'failed' || run.exitCode === null) return;
    const projectId = run.project;
    if (!this.deps.projects.exists(projectId) || !this.deps.watching(projectId)) return;
    if (!this.deps.projects.get(projectId).restartOnFailure) return;
    if (this.deps.swappingTo(projectId) === run.uuid) return;
    // another service run still serves the dev URL
    if (this.deps.liveServiceRuns(projectId).length) return;
    const p = this.of(projectId);
    if (p.timer) return;
    const now = Date.now();
    const delay = p.policy.crashed(now);
    if (delay === null) {
      this.deps.setProblem(
        projectId,
        `run ${short(run.uuid)} ${run.errorSummary ?? `exited with code ${run.exitCode}`}; ` +
          `it crashed ${RESTART_LIMIT} times within ${RESTART_WINDOW_MS / 60_000} minutes, so it is not restarted ` +
          'again until the next successful build (or a run started by hand)',
      );
      return;
    }
    p.nextAt = now + delay;
    p.timer = setTimeout(() => void this.restart(projectId, record), delay);
    p.timer.unref();
    this.deps.setProblem(
      projectId,
      `run ${short(run.uuid)} ${run.errorSummary ?? `exited with code ${run.exitCode}`}; restarting in ${delay / 1000} s`,
    );
  }

  private async restart(projectId: string, crashed: RunRecord): Promise<void> {
    const p = this.projects.get(projectId);
    if (!p) return;
    p.timer = null;
    p.nextAt = null;
    if (!this.deps.projects.exists(projectId) || !this.deps.watching(projectId)) return;
    if (!this.deps.projects.get(projectId).restartOnFailure) return;
    // a build or a person started one meanwhile
    if (this.deps.liveServiceRuns(projectId).length) return this.deps.setProblem(projectId, null);
    try {
      const { run } = await this.deps.runs.start(
        projectId,
        { mode: 'service', arguments: crashed.run.arguments },
        this.deps.startOptions(projectId, { startedBy: 'restart', replacesRun: crashed.run.uuid }),
      );
      this.deps.setProblem(projectId, `restarted after a crash of ${short(crashed.run.uuid)}: run ${short(run.uuid)}`);
    } catch (err) {
      this.deps.log(`dev loop: could not restart ${crashed.run.uuid}: ${errorMessage(err)}`);
      this.deps.setProblem(
        projectId,
        `run ${short(crashed.run.uuid)} crashed and could not be restarted: ${errorMessage(err)}`,
      );
    }
  }
}
