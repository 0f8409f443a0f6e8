// AWS Lambda mode (docs/api.md#aws-lambda-mode): the functions' pools, invocations and logs, for the Invoke API and
// the console. Why it is built this way: docs/decisions/0070-aws-lambda-mode.md.
import type { DockerEngine } from '../../adapters/docker/docker-engine.js';
import type { Clock } from '../../clock.js';
import type { AwsContainer, AwsInvocation } from '../../contract/aws.js';
import type { LogChunk, Project } from '../../contract/types.js';
import { errorMessage } from '../../errors.js';
import type { BuildsService } from '../builds/index.js';
import type { LogListener, LogStore } from '../logs/index.js';
import type { ProjectsService } from '../projects/index.js';
import { findFunctionProject, functionArn, functionNameOf, LATEST, parseFunctionRef } from './aws-identity.js';
import { AwsApiError, functionNotFound } from './aws-errors.js';
import { FunctionPool, ThrottledError } from './function-pool.js';
import type { Invocation, InvokeInput } from './invocation.js';
import { detectRuntimeNetwork, type RuntimeNetwork } from './runtime-network.js';

export interface AwsDeps {
  readonly engine: DockerEngine;
  readonly logs: LogStore;
  readonly projects: ProjectsService;
  readonly builds: BuildsService;
  readonly clock: Clock;
  readonly labels: Readonly<Record<string, string>>;
  readonly log: (line: string) => void;
  /** seconds a warm container waits for an invocation before it is stopped */
  readonly idleSeconds: number;
  /** where runtime APIs listen and how containers reach this machine (default: detected here) */
  readonly network?: () => Promise<RuntimeNetwork>;
}

/** Changed invocations are announced at most this often, as one batch. */
const ANNOUNCE_MS = 100;

export class AwsService {
  private readonly pools = new Map<string, Promise<FunctionPool>>();
  private network: Promise<RuntimeNetwork> | null = null;
  private readonly batchListeners: Array<(batch: AwsInvocation[]) => void> = [];
  private pending = new Map<string, AwsInvocation>();
  private closed = false;

  constructor(private readonly deps: AwsDeps) {
    deps.projects.onChanged((id) => void this.projectChanged(id));
  }

  /** Calls `listener` with the invocations that changed, at most every 100 ms. */
  onInvocations(listener: (batch: AwsInvocation[]) => void): void {
    this.batchListeners.push(listener);
  }

  private announce(record: AwsInvocation): void {
    if (!this.batchListeners.length) return;
    if (this.pending.size === 0) {
      setTimeout(() => {
        const batch = [...this.pending.values()];
        this.pending = new Map();
        for (const l of this.batchListeners) l(batch);
      }, ANNOUNCE_MS).unref();
    }
    this.pending.set(record.requestId, record);
  }

  /**
   * The project an Invoke path names (a LAMBDA_ID, a function name or an ARN) in AWS Lambda mode.
   * Only `$LATEST` exists: any other qualifier is an unknown function, as on AWS.
   */
  resolveFunction(ref: string, qualifier: string | undefined): Project {
    const parsed = parseFunctionRef(ref);
    const q = qualifier ?? parsed.qualifier;
    const project = findFunctionProject(this.deps.projects.list(), parsed.name);
    const arn = functionArn(project ? functionNameOf(project) : parsed.name) + (q ? `:${q}` : '');
    if (!project || (q !== null && q !== undefined && q !== LATEST)) throw functionNotFound(arn);
    if (project.runtime !== 'awsLambda') {
      throw new AwsApiError(
        404,
        'ResourceNotFoundException',
        `Function not found: ${arn} (project "${project.name}" has runtime "${project.runtime}"; set it to "awsLambda" to invoke it)`,
        'not_aws_lambda',
      );
    }
    return project;
  }

  /** Refuses a function that cannot run yet (AWS: a function that is not Active). */
  checkInvokable(project: Project): void {
    if (project.runtime !== 'awsLambda') this.resolveFunction(project.id, undefined);
    if (!this.deps.builds.latestSucceeded(project.id)?.binaryFile) {
      throw new AwsApiError(
        409,
        'ResourceConflictException',
        `The function ${functionNameOf(project)} has no successful build yet; build it in the console first`,
        'no_succeeded_compilation',
      );
    }
  }

  async invoke(project: Project, input: InvokeInput): Promise<Invocation> {
    if (this.closed)
      throw new AwsApiError(503, 'ServiceException', 'the emulator is shutting down', 'docker_unavailable');
    this.checkInvokable(project);
    const pool = await this.pool(project.id);
    // 503 before anything is queued when Docker is away and a container would have to start
    if (!pool.hasContainers) await this.deps.engine.ping();
    try {
      const invocation = pool.invoke(project, input);
      // announced with the invocation's next change (the record is shared)
      if (input.http) invocation.record.http = input.http;
      return invocation;
    } catch (err) {
      if (err instanceof ThrottledError) {
        throw new AwsApiError(429, 'TooManyRequestsException', 'Rate Exceeded.', 'too_many_requests');
      }
      throw err;
    }
  }

  private pool(projectId: string): Promise<FunctionPool> {
    let pool = this.pools.get(projectId);
    if (!pool) {
      const { projects, builds } = this.deps;
      pool = FunctionPool.open(projectId, {
        ...this.deps,
        network: () =>
          (this.network ??= (this.deps.network?.() ?? detectRuntimeNetwork(this.deps.engine)).catch((err) => {
            this.network = null;
            throw err;
          })),
        idleMs: this.deps.idleSeconds * 1000,
        project: () => (projects.exists(projectId) ? projects.get(projectId) : undefined),
        latestBuild: () => builds.latestSucceeded(projectId),
        changed: (record) => this.announce(record),
      });
      this.pools.set(projectId, pool);
      pool.catch(() => this.pools.delete(projectId));
    }
    return pool;
  }

  /** Where runtime APIs listen; detected on first use. */
  runtimeNetwork(): Promise<RuntimeNetwork> | null {
    return this.network;
  }

  async invocations(projectId: string, limit: number): Promise<AwsInvocation[]> {
    this.deps.projects.get(projectId);
    const pool = this.pools.get(projectId);
    return pool ? (await pool).invocations(limit) : [];
  }

  async invocation(projectId: string, requestId: string): Promise<AwsInvocation | undefined> {
    this.deps.projects.get(projectId);
    const pool = this.pools.get(projectId);
    return pool ? (await pool).invocation(requestId) : undefined;
  }

  async containers(projectId: string): Promise<AwsContainer[]> {
    this.deps.projects.get(projectId);
    const pool = this.pools.get(projectId);
    return pool ? (await pool).containerViews() : [];
  }

  readLog(projectId: string, afterSequence: number, limit: number): Promise<LogChunk[]> {
    this.deps.projects.get(projectId);
    return this.deps.logs.read('functions', projectId, afterSequence, limit);
  }

  /** Opens the function's log (without starting anything), so that there is a log to follow. */
  async openLog(projectId: string): Promise<void> {
    this.deps.projects.get(projectId);
    await this.pool(projectId);
  }

  /** Follows the function's open log; null when it is not open. */
  subscribeLog(projectId: string, listener: LogListener): (() => void) | null {
    return this.deps.logs.liveWriter('functions', projectId)?.subscribe(listener) ?? null;
  }

  /** A project changed: deleted (containers, invocations and log go), left AWS mode, or new settings. */
  private async projectChanged(projectId: string): Promise<void> {
    const pending = this.pools.get(projectId);
    if (!pending) return;
    const pool = await pending.catch(() => null);
    if (!pool || this.closed) return;
    if (!this.deps.projects.exists(projectId)) {
      this.pools.delete(projectId);
      await pool.close();
      await this.deps.logs.remove('functions', projectId).catch(() => undefined);
      return;
    }
    const project = this.deps.projects.get(projectId);
    if (project.runtime !== 'awsLambda') pool.retireAll();
    pool.dispatch();
  }

  /** Removes function containers a previous run of this data dir left behind (killed emulator). */
  async removeLeftoverContainers(): Promise<number> {
    const left = await this.deps.engine.listContainers({ ...this.deps.labels, 'swiftlambda.kind': 'aws' });
    const known = new Set<string>();
    for (const p of this.pools.values())
      for (const c of (await p).containerViews()) if (c.containerId) known.add(c.containerId);
    const stray = left.filter((c) => !known.has(c.id));
    await Promise.all(
      stray.map((c) =>
        this.deps.engine
          .removeContainer(c.id)
          .catch((err) => this.deps.log(`could not remove function container ${c.id}: ${errorMessage(err)}`)),
      ),
    );
    return stray.length;
  }

  /** Removes every warm container (they never outlive the emulator). */
  async close(): Promise<void> {
    this.closed = true;
    const pools = await Promise.all([...this.pools.values()].map((p) => p.catch(() => null)));
    await Promise.all(pools.map((p) => p?.close()));
  }
}
