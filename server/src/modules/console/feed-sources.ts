// What the change feed carries besides store commits: the dev loop's status, a running build's progress,
// AWS invocations, the proxy's request log and the engine's availability. Each is computed only while the console listens.
import type { DockerEngine } from '../../adapters/docker/docker-engine.js';
import type { AwsInvocation } from '../../contract/aws.js';
import type { Schedule } from '../../contract/schedules.js';
import type { Compilation } from '../../contract/types.js';
import type { DevLoop } from '../dev/index.js';
import type { ProjectsService } from '../projects/index.js';
import type { RequestLog, RequestSummary } from '../proxy/index.js';
import type { ChangeFeed } from './change-feed.js';

const REQUEST_BATCH_MS = 100;
const ENGINE_PING_MS = 3000;

/** A `dev` event each time a project's development loop changes. */
export function publishDevStatus(feed: ChangeFeed, dev: DevLoop, projects: ProjectsService): void {
  dev.onStatus((projectId) => {
    if (projects.exists(projectId))
      feed.publish({ type: 'dev', data: { project: projectId, ...dev.status(projectId) } });
  });
}

/** A running build's progress as it moves, as `compilation` events (throttled by the builds service). */
export function publishBuildProgress(
  feed: ChangeFeed,
  builds: { onProgress(listener: (compilation: Compilation) => void): void },
): void {
  builds.onProgress((compilation) => {
    if (feed.active) feed.publish({ type: 'compilation', data: compilation });
  });
}

/** A `schedule` event when a schedule is made, changed or fires, `deleted` when it goes. */
export function publishSchedules(
  feed: ChangeFeed,
  schedules: {
    onChange(listener: (schedule: Schedule) => void): void;
    onRemoved(listener: (id: string) => void): void;
  },
): void {
  schedules.onChange((schedule) => {
    if (feed.active) feed.publish({ type: 'schedule', data: schedule });
  });
  schedules.onRemoved((id) => {
    if (feed.active) feed.publish({ type: 'deleted', data: { kind: 'schedule', id } });
  });
}

/** AWS Lambda mode's changed invocations, batched by the service, as `invocations` events (no bodies). */
export function publishInvocations(
  feed: ChangeFeed,
  aws: { onInvocations(listener: (batch: AwsInvocation[]) => void): void },
): void {
  aws.onInvocations((batch) => {
    if (feed.active)
      feed.publish({
        type: 'invocations',
        data: { invocations: batch.map(({ payload: _p, response: _r, logTail: _t, ...summary }) => summary) },
      });
  });
}

/** New request-log records, as one `requests` event per run every 100 ms at most (no bodies). */
export function publishRequests(feed: ChangeFeed, requests: Pick<RequestLog, 'onRecord'>): void {
  const pending = new Map<string, RequestSummary[]>();
  requests.onRecord((runId, record) => {
    if (!feed.active) return;
    if (pending.size === 0) {
      setTimeout(() => {
        for (const [run, records] of pending) feed.publish({ type: 'requests', data: { run, requests: records } });
        pending.clear();
      }, REQUEST_BATCH_MS).unref();
    }
    const list = pending.get(runId) ?? [];
    list.push(record.summary);
    pending.set(runId, list);
  });
}

/** The engine's availability, as a `status` event when it changes; returns the stop function. */
export function publishEngineStatus(feed: ChangeFeed, engine: DockerEngine): () => void {
  let dockerAvailable: boolean | null = null;
  const timer = setInterval(() => {
    if (!feed.active) return;
    void engine
      .ping()
      .then(
        () => true,
        () => false,
      )
      .then((available) => {
        if (available === dockerAvailable) return;
        dockerAvailable = available;
        feed.publish({ type: 'status', data: { docker: { available } } });
      });
  }, ENGINE_PING_MS);
  timer.unref();
  return () => clearInterval(timer);
}
