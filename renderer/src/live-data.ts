// React hooks over the live feed: each loads its data once, then applies the stream's events to
// it; after a reconnect it loads again (a slow resync). Nothing here polls.
import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import type { AwsInvocation } from '../../server/src/contract/aws.js';
import {
  api,
  consoleApi,
  type Compilation,
  type ConsoleRun,
  type DevStatus,
  type Key,
  type Project,
  type Schedule,
  type StatusResponse,
  scheduleApi,
} from './api.js';
import { LiveFeed, type LiveConnection, type LiveEvent, type LiveEventMap, type LiveEventType } from './live-feed.js';
import {
  foldCompilations,
  foldDevStatus,
  foldInvocations,
  foldSchedules,
  foldKeys,
  foldProject,
  foldProjects,
  foldRun,
  foldRuns,
  foldStatus,
  RELOAD,
  type Fold,
  type RunFilter,
} from './live-folds.js';

export type {
  LiveConnection,
  LiveEvent,
  LiveEventMap,
  LiveEventType,
  LoggedRequestSummary,
  AwsInvocationSummary,
} from './live-feed.js';

/** The app's one stream; a refused connection checks the session (a 401 shows the signed-out page). */
export const liveFeed = new LiveFeed('/console/api/events', () => void api.status().catch(() => undefined));

export { RELOAD, type RunFilter } from './live-folds.js';

export interface LiveResource<T> {
  /** undefined until the first load */
  readonly data: T | undefined;
  readonly error: Error | undefined;
  readonly reload: () => void;
}

/**
 * Loads `load()` once the stream is live, then folds every event into it with `apply` (return the
 * data unchanged to ignore one, RELOAD to fetch again). Events that arrive during a load are
 * applied to its result, so nothing between the load and the stream is lost.
 */
export function useLiveResource<T>(load: () => Promise<T>, apply: Fold<T>, deps: readonly unknown[]): LiveResource<T> {
  const [state, setState] = useState<{ data?: T; error?: Error }>({});
  const loadRef = useRef(load);
  loadRef.current = load;
  const applyRef = useRef(apply);
  applyRef.current = apply;
  const reloadRef = useRef<() => void>(() => undefined);

  useEffect(() => {
    let alive = true;
    let current: T | undefined;
    let loadedGeneration = -1;
    let pending: LiveEvent[] | null = null;
    let again = false;
    setState({});

    const fetchNow = async (): Promise<void> => {
      if (pending) {
        again = true;
        return;
      }
      pending = [];
      const generation = liveFeed.generation;
      try {
        let value: T = await loadRef.current();
        if (!alive) return;
        for (const event of pending) {
          const next = applyRef.current(value, event);
          if (next === RELOAD) again = true;
          else value = next;
        }
        current = value;
        loadedGeneration = generation;
        setState({ data: value });
      } catch (err) {
        if (alive) setState((s) => ({ data: s.data, error: err as Error }));
      } finally {
        pending = null;
        if (alive && again) {
          again = false;
          void fetchNow();
        }
      }
    };
    reloadRef.current = () => void fetchNow();

    const unsubscribe = liveFeed.subscribe((event) => {
      if (event.type === 'ready') {
        if (loadedGeneration >= 0 && loadedGeneration < liveFeed.generation) void fetchNow();
        return;
      }
      if (pending) {
        pending.push(event);
        return;
      }
      if (current === undefined) return;
      const next = applyRef.current(current, event);
      if (next === RELOAD) void fetchNow();
      else if (next !== current) {
        current = next;
        setState({ data: next });
      }
    });
    void liveFeed.whenReady().then(() => {
      if (alive) void fetchNow();
    });
    return () => {
      alive = false;
      unsubscribe();
    };
  }, deps);

  const reload = useCallback(() => reloadRef.current(), []);
  return { data: state.data, error: state.error, reload };
}

/** Calls `handler` with the data of every `type` event while mounted (the handler may change between renders). */
export function useLiveEvent<K extends LiveEventType>(type: K, handler: (data: LiveEventMap[K]) => void): void {
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(
    () =>
      liveFeed.subscribe((event) => {
        if (event.type === type) ref.current(event.data as LiveEventMap[K]);
      }),
    [type],
  );
}

/** The stream's state, for a "reconnecting…" hint. */
export function useLiveConnection(): LiveConnection {
  return useSyncExternalStore(
    (notify) => liveFeed.onConnection(notify),
    () => liveFeed.state,
  );
}

/** Re-renders every `intervalMs` (relative times, running durations) without asking the server. */
export function useNow(intervalMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), intervalMs);
    return () => window.clearInterval(timer);
  }, [intervalMs]);
  return now;
}

// ---- the console's data ----

/** Every project, newest first. */
export function useProjects(): LiveResource<Project[]> {
  return useLiveResource<Project[]>(() => api.projects().then((r) => r.projects), foldProjects, []);
}

/** One project; null once it is deleted. */
export function useProject(projectId: string): LiveResource<Project | null> {
  return useLiveResource<Project | null>(() => api.project(projectId).then((r) => r.project), foldProject(projectId), [
    projectId,
  ]);
}

/** Every API key, newest first. */
export function useKeys(): LiveResource<Key[]> {
  return useLiveResource<Key[]>(() => api.keys().then((r) => r.keys), foldKeys, []);
}

/** Runs across projects, newest first, as GET /console/api/runs filters them. */
export function useRuns(filter: RunFilter): LiveResource<ConsoleRun[]> {
  const { project = '', state = '', limit = 50 } = filter;
  return useLiveResource<ConsoleRun[]>(
    () => api.allRuns({ project, state, limit }).then((r) => r.runs),
    foldRuns({ project, state, limit }),
    [project, state, limit],
  );
}

/** One run with its console fields (crash, peak memory); null once it is deleted. */
export function useRun(runId: string): LiveResource<ConsoleRun | null> {
  return useLiveResource<ConsoleRun | null>(() => consoleApi.run(runId).then((r) => r.run), foldRun(runId), [runId]);
}

/** A project's builds and imports, newest first. */
export function useCompilations(projectId: string): LiveResource<Compilation[]> {
  return useLiveResource<Compilation[]>(
    () => api.compilations(projectId).then((r) => r.compilations),
    foldCompilations(projectId),
    [projectId],
  );
}

/** The project's development loop (docs/api.md#development-loop); loaded again when one of its service runs changes. */
export function useDevStatus(projectId: string): LiveResource<DevStatus> {
  return useLiveResource<DevStatus>(() => api.devStatus(projectId).then((r) => r.dev), foldDevStatus(projectId), [
    projectId,
  ]);
}

/** The server's status; a change of the engine's availability loads it again (with the version). */
export function useStatus(): LiveResource<StatusResponse> {
  return useLiveResource<StatusResponse>(() => api.status(), foldStatus, []);
}

/** AWS Lambda mode: a function's latest invocations, newest first (the stream sends them without bodies). */
export function useInvocations(projectId: string, limit = 50): LiveResource<AwsInvocation[]> {
  return useLiveResource<AwsInvocation[]>(
    () => consoleApi.invocations(projectId, limit).then((r) => r.invocations),
    foldInvocations(projectId, limit),
    [projectId, limit],
  );
}

/** A project's schedules, oldest first, with their last and next firings. */
export function useSchedules(projectId: string): LiveResource<Schedule[]> {
  return useLiveResource<Schedule[]>(
    () => scheduleApi.list(projectId).then((r) => r.schedules),
    foldSchedules(projectId),
    [projectId],
  );
}
