// The warm containers and the queue of one function: invocations wait in order, go to a runtime
// waiting on GET /next, and more containers start while some wait, up to reservedConcurrency.
import type { DockerEngine, OutputStream } from '../../adapters/docker/docker-engine.js';
import type { Clock } from '../../clock.js';
import type { AwsContainer, AwsInvocation } from '../../contract/aws.js';
import type { Project } from '../../contract/types.js';
import type { CompilationRecord } from '../../domain/records.js';
import { errorMessage } from '../../errors.js';
import type { LogStore } from '../logs/index.js';
import { functionArn, functionNameOf, newLogStreamName, newTraceId } from './aws-identity.js';
import { FunctionContainer, type ContainerOwner, type RuntimeResult } from './function-container.js';
import { FunctionLog } from './function-log.js';
import { Invocation, type InvokeInput } from './invocation.js';
import { InvocationRecords } from './invocation-records.js';
import {
  endLine,
  errorBody,
  functionErrorOf,
  initReportLine,
  responseTooLargeError,
  runtimeExitError,
  startLine,
  timeoutError,
  timeoutLogLine,
  type Failure,
  type ReportFigures,
} from './platform-lines.js';
import { MAX_RUNTIME_PAYLOAD_BYTES } from './runtime-api.js';
import type { RuntimeNetwork } from './runtime-network.js';

/** Invocations that may wait for a container before the function answers TooManyRequests. */
export const MAX_QUEUED = 1000;
/** After a result, the runtime's last lines may still be on their way through the engine. */
const SETTLE_MS = 10;
const SETTLE_MAX_MS = 100;

export class ThrottledError extends Error {}

export interface FunctionPoolDeps {
  readonly engine: DockerEngine;
  readonly logs: LogStore;
  readonly clock: Clock;
  readonly labels: Readonly<Record<string, string>>;
  readonly log: (line: string) => void;
  readonly network: () => Promise<RuntimeNetwork>;
  readonly idleMs: number;
  /** the project as it is now; undefined once it is deleted */
  readonly project: () => Project | undefined;
  readonly latestBuild: () => CompilationRecord | undefined;
  /** an invocation was queued, started or ended */
  readonly changed: (record: AwsInvocation) => void;
}

/** The settings a container was started with: one that differs takes no more invocations. */
function fingerprintOf(project: Project, build: CompilationRecord): string {
  return JSON.stringify([
    build.id,
    project.name,
    project.dockerImage,
    project.memoryLimitMb,
    project.pidsLimit,
    project.networks,
  ]);
}

export class FunctionPool implements ContainerOwner {
  private readonly queue: Invocation[] = [];
  private readonly containers = new Set<FunctionContainer>();
  private readonly records = new InvocationRecords();
  private readonly live = new Map<string, Invocation>();
  /** which invocation a container's output belongs to, until its REPORT is written */
  private readonly attributed = new Map<FunctionContainer, Invocation>();
  /** output of a container before its first invocation (its init), for that invocation's tail */
  private readonly initOutput = new Map<FunctionContainer, string[]>();
  private readonly initFailures = new Map<FunctionContainer, Failure>();
  private closed = false;

  private constructor(
    readonly projectId: string,
    private readonly deps: FunctionPoolDeps,
    private readonly log: FunctionLog,
  ) {}

  static async open(projectId: string, deps: FunctionPoolDeps): Promise<FunctionPool> {
    return new FunctionPool(projectId, deps, await FunctionLog.open(projectId, deps.logs, deps.log));
  }

  get hasContainers(): boolean {
    return this.containers.size > 0;
  }

  containerViews(): AwsContainer[] {
    return [...this.containers].map((c) => c.view());
  }

  invocations(limit: number): AwsInvocation[] {
    return this.records.list(limit);
  }

  invocation(requestId: string): AwsInvocation | undefined {
    return this.records.find(requestId);
  }

  /** Queues an invocation; `result` resolves when it ends (the caller of an Event does not wait). */
  invoke(project: Project, input: InvokeInput): Invocation {
    if (project.reservedConcurrency === 0 || this.queue.length >= MAX_QUEUED)
      throw new ThrottledError('Rate Exceeded.');
    const now = this.deps.clock.now();
    const record = this.records.create(this.projectId, input, now);
    const inv = new Invocation(
      record,
      input.payload,
      input.traceId ?? newTraceId(now),
      input.clientContext,
      input.cognitoIdentity,
    );
    this.live.set(inv.requestId, inv);
    this.queue.push(inv);
    this.deps.changed(record);
    this.dispatch();
    return inv;
  }

  /**
   * Hands waiting invocations to waiting runtimes, retires idle containers of an older build or
   * settings, and starts containers for the invocations still waiting, up to reservedConcurrency.
   */
  dispatch(): void {
    if (this.closed) return;
    const project = this.deps.project();
    const build = this.deps.latestBuild();
    if (!project || project.runtime !== 'awsLambda' || !build?.binaryFile) {
      for (const c of this.containers) if (c.isWaiting) c.retire('outdated');
      const why = !project
        ? 'the function was deleted'
        : project.runtime !== 'awsLambda'
          ? 'the project is no longer in AWS Lambda mode'
          : 'the function has no successful build';
      while (this.queue.length)
        this.failUnstarted(this.queue.shift()!, { errorType: 'Runtime.Unavailable', errorMessage: why });
      return;
    }
    const fingerprint = fingerprintOf(project, build);
    for (const c of this.containers) {
      if (c.fingerprint !== fingerprint && c.isWaiting) c.retire('outdated');
    }
    for (const c of this.containers) {
      if (!this.queue.length) break;
      if (c.fingerprint === fingerprint && c.isWaiting && !this.holding(c))
        this.deliver(this.queue.shift()!, c, project);
    }
    let starting = 0;
    for (const c of this.containers)
      if ((c.state === 'starting' || this.holding(c)) && c.fingerprint === fingerprint) starting++;
    let wanted = this.queue.length - starting;
    while (wanted > 0 && this.containers.size < project.reservedConcurrency) {
      this.startContainer(project, build, fingerprint);
      wanted--;
    }
    for (const c of this.containers) {
      if (c.isWaiting) c.armIdle(this.deps.idleMs);
    }
  }

  /** The REPORT of the container's last invocation waits for its first memory reading, and so does its next one. */
  private holding(c: FunctionContainer): boolean {
    return c.isWaiting && c.memory.readingFirst && this.attributed.has(c);
  }

  private startContainer(project: Project, build: CompilationRecord, fingerprint: string): void {
    const c = new FunctionContainer(
      { engine: this.deps.engine, clock: this.deps.clock, log: this.deps.log, network: this.deps.network, owner: this },
      {
        project: { ...project },
        compilation: { id: build.id, targetName: build.targetName, binaryFile: build.binaryFile! },
        logStreamName: newLogStreamName(this.deps.clock.now()),
        instanceLabels: this.deps.labels,
      },
      fingerprint,
    );
    this.containers.add(c);
    c.start().catch((err) => {
      this.containers.delete(c);
      this.initOutput.delete(c);
      if (this.closed || c.retireReason) return this.dispatch();
      const message = `the emulator could not start a container for the function: ${errorMessage(err)}`;
      this.deps.log(`function ${this.projectId}: ${message}`);
      this.systemLine(`[swiftlambda] ${message}`);
      const victim = this.queue.shift();
      if (victim) this.failUnstarted(victim, { errorType: 'Runtime.Unknown', errorMessage: message });
      this.dispatch();
    });
  }

  private deliver(inv: Invocation, c: FunctionContainer, project: Project): void {
    const previous = this.attributed.get(c);
    if (previous) this.finalize(previous, c);
    const cold = c.invocations === 0;
    const startedAt = this.deps.clock.now();
    inv.started(c.id, cold, c.initDurationMs, startedAt);
    const timeoutMs = project.runTimeoutSeconds * 1000;
    if (cold) for (const line of this.initOutput.get(c) ?? []) inv.appendTail(line);
    this.initOutput.delete(c);
    this.attributed.set(c, inv);
    this.systemLine(startLine(inv.requestId), inv);
    inv.startPerf = performance.now();
    c.deliver({
      requestId: inv.requestId,
      deadlineMs: startedAt + timeoutMs,
      functionArn: functionArn(functionNameOf(project)),
      traceId: inv.traceId,
      clientContext: inv.clientContext,
      cognitoIdentity: inv.cognitoIdentity,
      payload: inv.payload,
    });
    inv.timer = setTimeout(() => this.timeOut(inv, c, project.runTimeoutSeconds), timeoutMs);
    inv.timer.unref();
    this.deps.changed(inv.record);
  }

  private timeOut(inv: Invocation, c: FunctionContainer, timeoutS: number): void {
    if (inv.ended) return;
    const failure = timeoutError(inv.requestId, timeoutS);
    this.systemLine(timeoutLogLine(inv.requestId, this.deps.clock.now(), timeoutS), inv);
    this.end(inv, 'timedOut', errorBody(failure), failure);
    this.finalize(inv, c, { kind: 'timeout' });
    // AWS resets the execution environment after a timeout: a new container takes the next one
    c.retire('timeout');
  }

  // ---- what the containers report ----

  containerReady(c: FunctionContainer): void {
    // dispatch() re-arms the idle timer if nothing is handed over
    this.dispatch();
    if (c.isWaiting && this.closed) c.retire('shutdown');
  }

  containerResult(c: FunctionContainer, requestId: string, result: RuntimeResult): void {
    const inv = this.live.get(requestId);
    if (!inv || inv.ended) return;
    switch (result.kind) {
      case 'response':
        this.end(inv, 'succeeded', result.body, null);
        break;
      case 'error': {
        const failure = functionErrorOf(result.errorType, result.body);
        this.end(inv, 'failed', errorBody(failure), failure);
        break;
      }
      case 'tooLarge': {
        const failure = responseTooLargeError(result.bytes, MAX_RUNTIME_PAYLOAD_BYTES);
        this.end(inv, 'failed', errorBody(failure), failure);
        break;
      }
    }
    this.settle(inv, c);
  }

  containerInitError(c: FunctionContainer, errorType: string | null, body: Buffer): void {
    const failure = functionErrorOf(errorType, body);
    this.initFailures.set(c, failure);
    this.systemLine(initReportLine(c.runningMs, 'error', failure.errorType));
  }

  containerUndelivered(c: FunctionContainer, requestId: string): void {
    const inv = this.live.get(requestId);
    if (!inv || inv.ended) return;
    if (inv.timer) clearTimeout(inv.timer);
    this.attributed.delete(c);
    inv.requeued();
    this.queue.unshift(inv);
    this.dispatch();
  }

  containerOutput(c: FunctionContainer, stream: OutputStream, line: string): void {
    this.log.output(stream, line);
    const inv = this.attributed.get(c);
    if (inv) {
      inv.appendTail(line);
      if (inv.settleTimer) this.settle(inv, c);
      return;
    }
    if (c.invocations === 0) {
      const lines = this.initOutput.get(c) ?? [];
      lines.push(line);
      if (lines.length > 64) lines.shift();
      this.initOutput.set(c, lines);
    }
  }

  containerExited(c: FunctionContainer, exitCode: number | null): void {
    this.containers.delete(c);
    this.initOutput.delete(c);
    const inFlight = c.current ? this.live.get(c.current) : undefined;
    const attributed = this.attributed.get(c);
    if (inFlight && !inFlight.ended) {
      const failure = runtimeExitError(inFlight.requestId, exitCode);
      this.systemLine(failure.errorMessage, inFlight);
      this.systemLine(failure.errorType, inFlight);
      this.end(inFlight, 'failed', errorBody(failure), failure);
      this.finalize(inFlight, c, { kind: 'error', errorType: failure.errorType });
    } else if (attributed) {
      this.finalize(attributed, c);
    } else if (
      c.initDurationMs === null &&
      !this.closed &&
      c.retireReason !== 'idle' &&
      c.retireReason !== 'outdated' &&
      c.retireReason !== 'shutdown'
    ) {
      // the runtime never asked for an invocation: the oldest waiting one gets its init error
      const victim = this.queue.shift();
      const failure =
        this.initFailures.get(c) ??
        (c.retireReason === 'initTimeout'
          ? {
              errorType: 'Sandbox.Timedout',
              errorMessage: 'INIT: the runtime did not ask for an invocation within 10 seconds of its start',
            }
          : runtimeExitError(victim?.requestId ?? '', exitCode));
      if (!this.initFailures.has(c))
        this.systemLine(
          initReportLine(c.runningMs, c.retireReason === 'initTimeout' ? 'timeout' : 'error', failure.errorType),
        );
      if (victim) this.failUnstarted(victim, failure);
    }
    this.initFailures.delete(c);
    this.attributed.delete(c);
    this.dispatch();
  }

  // ---- endings and the log ----

  private end(
    inv: Invocation,
    state: 'succeeded' | 'failed' | 'timedOut',
    body: Buffer,
    failure: Failure | null,
  ): void {
    if (inv.ended) return;
    if (inv.timer) clearTimeout(inv.timer);
    inv.finish(state, body, failure, this.deps.clock.now());
    this.live.delete(inv.requestId);
    this.deps.changed(inv.record);
  }

  /** An invocation that no runtime took: it ends with `failure` and its own START/END/REPORT. */
  private failUnstarted(inv: Invocation, failure: Failure): void {
    inv.record.startedAt = this.deps.clock.now();
    this.systemLine(startLine(inv.requestId), inv);
    this.systemLine(failure.errorMessage, inv);
    this.end(inv, 'failed', errorBody(failure), failure);
    inv.record.durationMs = 0;
    inv.record.billedDurationMs = 0;
    this.finalize(inv, null, { kind: 'error', errorType: failure.errorType });
  }

  /** END and REPORT once the runtime's last lines are in (or at once, when the next invocation starts). */
  private settle(inv: Invocation, c: FunctionContainer): void {
    if (inv.finalized) return;
    const now = performance.now();
    if (!inv.settleTimer) inv.settleLimitPerf = now + SETTLE_MAX_MS;
    else clearTimeout(inv.settleTimer);
    const wait = Math.max(0, Math.min(SETTLE_MS, inv.settleLimitPerf - now));
    inv.settleTimer = setTimeout(() => void c.memory.firstRead().then(() => this.finalize(inv, c)), wait);
  }

  private finalize(inv: Invocation, c: FunctionContainer | null, status?: ReportFigures['status']): void {
    if (inv.finalized) return;
    inv.finalized = true;
    if (inv.settleTimer) clearTimeout(inv.settleTimer);
    if (c && this.attributed.get(c) === inv) this.attributed.delete(c);
    inv.record.maxMemoryUsedMb = c ? Math.ceil(c.memory.bytes / (1024 * 1024)) : 0;
    this.systemLine(endLine(inv.requestId), inv);
    this.systemLine(inv.reportLine(this.deps.project()?.memoryLimitMb ?? 0, status), inv);
    inv.publishTail();
    inv.logged.resolve();
    this.deps.changed(inv.record);
  }

  private systemLine(text: string, inv?: Invocation): void {
    inv?.appendTail(text.endsWith('\n') ? text : text + '\n');
    this.log.system(text);
  }

  /** Retires every container (the project left AWS Lambda mode or its settings changed). */
  retireAll(): void {
    for (const c of this.containers) c.retire('outdated');
  }

  /** Fails what waits, removes every container; the log stays. */
  async close(): Promise<void> {
    this.closed = true;
    const logClosed = this.log.close();
    const failure: Failure = { errorType: 'Runtime.Unavailable', errorMessage: 'the emulator is shutting down' };
    while (this.queue.length) this.failUnstarted(this.queue.shift()!, failure);
    const all = [...this.containers];
    this.containers.clear();
    for (const c of all) {
      const inv = c.current ? this.live.get(c.current) : undefined;
      if (inv && !inv.ended) {
        this.end(inv, 'failed', errorBody(failure), failure);
        this.finalize(inv, c, { kind: 'error', errorType: failure.errorType });
      }
    }
    await Promise.all(all.map((c) => c.destroy()));
    await logClosed;
  }
}
