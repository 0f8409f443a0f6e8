// The console's one connection to GET /console/api/events (docs/api.md#live-data): every change as a typed
// event. Pages read it through the hooks in live-data.ts rather than polling.
import type { AwsInvocation } from '../../server/src/contract/aws.js';
import type { ConsoleRun, DevStatus } from '../../server/src/contract/dev.js';
import type { Schedule } from '../../server/src/contract/schedules.js';
import type { Compilation, Key, LoggedRequest, Project } from '../../server/src/contract/types.js';

/** A request-log record as the stream sends it: without headers and bodies (fetch the run's log for those). */
export type LoggedRequestSummary = Omit<
  LoggedRequest,
  'requestHeaders' | 'responseHeaders' | 'requestBody' | 'responseBody'
>;
/** An invocation as the stream sends it: without payload, response and log tail. */
export type AwsInvocationSummary = Omit<AwsInvocation, 'payload' | 'response' | 'logTail'>;

export interface LiveEventMap {
  run: ConsoleRun;
  compilation: Compilation;
  project: Project;
  key: Key;
  dev: DevStatus & { project: string };
  requests: { run: string; requests: LoggedRequestSummary[] };
  invocations: { invocations: AwsInvocationSummary[] };
  schedule: Schedule;
  deleted: { kind: 'run' | 'compilation' | 'project' | 'key' | 'schedule'; id: string };
  status: { docker: { available: boolean } };
  /** sent once the server listens: on the first connection and after every reconnect */
  ready: { at: number };
}
export type LiveEventType = keyof LiveEventMap;
export type LiveEvent = { [K in LiveEventType]: { type: K; data: LiveEventMap[K] } }[LiveEventType];

/** `connecting` before the first `ready`; `reconnecting` while the stream is down after that. */
export type LiveConnection = 'connecting' | 'live' | 'reconnecting';

const EVENT_TYPES: readonly LiveEventType[] = [
  'run',
  'compilation',
  'project',
  'key',
  'dev',
  'requests',
  'invocations',
  'schedule',
  'deleted',
  'status',
  'ready',
];
/** how long a page waits for the stream before it loads anyway */
const READY_WAIT_MS = 1500;
const MAX_RETRY_MS = 30_000;

/**
 * One EventSource for the whole app, opened by the first subscriber and closed a moment after the
 * last one leaves (a page switch unsubscribes and subscribes again in the same tick).
 * `generation` counts `ready` events: data loaded before the latest one may have missed changes.
 */
export class LiveFeed {
  private source: EventSource | null = null;
  private readonly listeners = new Set<(event: LiveEvent) => void>();
  private readonly connectionListeners = new Set<() => void>();
  private connection: LiveConnection = 'connecting';
  private closeTimer: number | undefined;
  private retryTimer: number | undefined;
  private retryMs = 2000;
  generation = 0;

  constructor(
    private readonly url: string,
    /** called when the server closed the stream for good (401, 503): lets the app notice a lost session */
    private readonly onRefused: () => void = () => undefined,
  ) {}

  get state(): LiveConnection {
    return this.connection;
  }

  subscribe(listener: (event: LiveEvent) => void): () => void {
    this.listeners.add(listener);
    window.clearTimeout(this.closeTimer);
    this.open();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.closeTimer = window.setTimeout(() => this.close(), 1000);
    };
  }

  onConnection(listener: () => void): () => void {
    this.connectionListeners.add(listener);
    return () => this.connectionListeners.delete(listener);
  }

  /** Resolves once the stream is live (so a load that follows misses nothing), or after a short wait. */
  whenReady(): Promise<void> {
    if (this.connection === 'live') return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        window.clearTimeout(timer);
        stop();
        resolve();
      };
      const timer = window.setTimeout(done, READY_WAIT_MS);
      const stop = this.onConnection(() => this.connection === 'live' && done());
    });
  }

  private open(): void {
    if (this.source || this.retryTimer !== undefined) return;
    const source = new EventSource(this.url, { withCredentials: true });
    this.source = source;
    for (const type of EVENT_TYPES) {
      source.addEventListener(type, (message) => {
        let data: unknown;
        try {
          data = JSON.parse((message as MessageEvent<string>).data);
        } catch {
          return;
        }
        if (type === 'ready') {
          this.generation++;
          this.retryMs = 2000;
          this.setConnection('live');
        }
        this.dispatch({ type, data } as LiveEvent);
      });
    }
    source.onerror = () => {
      if (this.connection === 'live') this.setConnection('reconnecting');
      // CONNECTING: the browser retries by itself; CLOSED: the server refused, so retry with a backoff
      if (source.readyState !== EventSource.CLOSED) return;
      source.close();
      this.source = null;
      this.onRefused();
      this.retryTimer = window.setTimeout(() => {
        this.retryTimer = undefined;
        if (this.listeners.size) this.open();
      }, this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
    };
  }

  private close(): void {
    this.source?.close();
    this.source = null;
    window.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.setConnection('connecting');
  }

  private dispatch(event: LiveEvent): void {
    for (const listener of [...this.listeners]) listener(event);
  }

  private setConnection(state: LiveConnection): void {
    if (this.connection === state) return;
    this.connection = state;
    for (const listener of [...this.connectionListeners]) listener();
  }
}
