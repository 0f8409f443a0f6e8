// How the console's data changes with each event of the live stream: pure functions (no React, no
// fetching), used by the hooks of live-data.ts and unit-tested in live-folds.test.ts.
import type { AwsInvocation } from '../../server/src/contract/aws.js';
import type { Compilation, ConsoleRun, DevStatus, Key, Project, Schedule, StatusResponse } from './api.js';
import type { LiveEvent, LiveEventMap } from './live-feed.js';

/** What a fold returns to have the data loaded again. */
export const RELOAD = Symbol('reload');
/** The data after `event`: unchanged (the same object) to ignore it, RELOAD to fetch again. */
export type Fold<T> = (data: T, event: LiveEvent) => T | typeof RELOAD;

/** Replaces the item with the same id, or adds it; then sorts newest first with `order`. */
function upsert<T>(list: T[], item: T, id: (x: T) => string, order: (a: T, b: T) => number): T[] {
  const i = list.findIndex((x) => id(x) === id(item));
  const next = i >= 0 ? list.map((x, j) => (j === i ? item : x)) : [item, ...list];
  return next.sort(order);
}

function without<T>(list: T[], drop: (x: T) => boolean): T[] {
  return list.some(drop) ? list.filter((x) => !drop(x)) : list;
}

const isDeleted = (event: LiveEvent, kind: LiveEventMap['deleted']['kind']): string | null =>
  event.type === 'deleted' && event.data.kind === kind ? event.data.id : null;

/** Every project, newest first. */
export const foldProjects: Fold<Project[]> = (list, event) => {
  if (event.type === 'project')
    return upsert(
      list,
      event.data,
      (p) => p.id,
      (a, b) => b.created - a.created,
    );
  const gone = isDeleted(event, 'project');
  return gone ? without(list, (p) => p.id === gone) : list;
};

/** One project; null once it is deleted. */
export const foldProject =
  (projectId: string): Fold<Project | null> =>
  (project, event) => {
    if (event.type === 'project' && event.data.id === projectId) return event.data;
    return isDeleted(event, 'project') === projectId ? null : project;
  };

/** Every API key, newest first. */
export const foldKeys: Fold<Key[]> = (list, event) => {
  if (event.type === 'key')
    return upsert(
      list,
      event.data,
      (k) => k.id,
      (a, b) => b.createdAt - a.createdAt,
    );
  const gone = isDeleted(event, 'key');
  return gone ? without(list, (k) => k.id === gone) : list;
};

export interface RunFilter {
  readonly project?: string;
  readonly state?: string;
  readonly limit?: number;
}

/** Runs across projects as GET /console/api/runs filters them, newest first, at most `limit`. */
export const foldRuns = ({ project = '', state = '', limit = 50 }: RunFilter): Fold<ConsoleRun[]> => {
  const matches = (run: ConsoleRun) => (!project || run.project === project) && (!state || run.state === state);
  return (list, event) => {
    if (event.type === 'run') {
      const run = event.data;
      if (!matches(run)) return without(list, (r) => r.uuid === run.uuid);
      const i = list.findIndex((r) => r.uuid === run.uuid);
      // runs are listed in creation order, newest first: a new one goes on top
      return i >= 0 ? list.map((r, j) => (j === i ? run : r)) : [run, ...list].slice(0, limit);
    }
    const gone = isDeleted(event, 'run');
    if (gone) return without(list, (r) => r.uuid === gone);
    const goneProject = isDeleted(event, 'project');
    return goneProject ? without(list, (r) => r.project === goneProject) : list;
  };
};

/** One run with its console fields; null once it is deleted. */
export const foldRun =
  (runId: string): Fold<ConsoleRun | null> =>
  (run, event) => {
    if (event.type === 'run' && event.data.uuid === runId) return event.data;
    return isDeleted(event, 'run') === runId ? null : run;
  };

/** A project's builds and imports, newest first. */
export const foldCompilations =
  (projectId: string): Fold<Compilation[]> =>
  (list, event) => {
    if (event.type === 'compilation' && event.data.project === projectId) {
      return upsert(
        list,
        event.data,
        (c) => c.id,
        (a, b) => b.created - a.created || (b.id > a.id ? 1 : -1),
      );
    }
    const gone = isDeleted(event, 'compilation');
    return gone ? without(list, (c) => c.id === gone) : list;
  };

/** The project's development loop: loaded again when one of its service runs changes. */
export const foldDevStatus =
  (projectId: string): Fold<DevStatus> =>
  (dev, event) => {
    // which run the dev URL serves follows the project's service runs, which send no `dev` event
    if (event.type === 'run' && event.data.project === projectId && event.data.mode === 'service') return RELOAD;
    if (event.type !== 'dev' || event.data.project !== projectId) return dev;
    const { project: _project, ...status } = event.data;
    return status;
  };

/** The server's status: a change of the engine's availability loads it again (with the version). */
export const foldStatus: Fold<StatusResponse> = (status, event) =>
  event.type === 'status' && event.data.docker.available !== status.docker.available ? RELOAD : status;

/** AWS Lambda mode: a function's latest invocations, newest first (the stream sends them without bodies). */
export const foldInvocations =
  (projectId: string, limit: number): Fold<AwsInvocation[]> =>
  (list, event) => {
    if (event.type === 'deleted' && event.data.kind === 'project' && event.data.id === projectId) return [];
    if (event.type !== 'invocations') return list;
    let next = list;
    for (const summary of event.data.invocations) {
      if (summary.project !== projectId) continue;
      const old = next.find((x) => x.requestId === summary.requestId);
      // a summary keeps the bodies already loaded; a new invocation's come with its detail
      const merged: AwsInvocation = old
        ? { ...old, ...summary }
        : { ...summary, payload: { bytes: 0, truncated: false }, response: null, logTail: '' };
      next = upsert(
        next,
        merged,
        (x) => x.requestId,
        (a, b) => b.receivedAt - a.receivedAt,
      ).slice(0, limit);
    }
    return next;
  };

/** A project's schedules, oldest first. */
export const foldSchedules =
  (projectId: string): Fold<Schedule[]> =>
  (list, event) => {
    if (event.type === 'schedule' && event.data.project === projectId)
      return upsert(
        list,
        event.data,
        (s) => s.id,
        (a, b) => a.created - b.created || (a.id > b.id ? 1 : -1),
      );
    const gone = isDeleted(event, 'schedule');
    return gone ? without(list, (s) => s.id === gone) : list;
  };
