// One warm container of a function (an AWS execution environment): its Docker container, its own
// runtime API listener, and the runtime's turn-taking (init → next → response or error → next …).
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DockerEngine, LogFollow, OutputStream } from '../../adapters/docker/docker-engine.js';
import { ImageMissingError } from '../../adapters/docker/docker-engine.js';
import type { Clock } from '../../clock.js';
import type { AwsContainer } from '../../contract/aws.js';
import type { EnvironmentProvider } from '../../domain/project-environment.js';
import { NO_MASK, type SecretMask } from '../../domain/secret-mask.js';
import { errorMessage } from '../../errors.js';
import { ensureImage } from '../builds/index.js';
import { LineSplitter } from '../logs/index.js';
import { functionContainerSpec, type FunctionContainerInput } from './function-container-spec.js';
import {
  containerError,
  invalidRequestId,
  invalidStateTransition,
  RuntimeApiServer,
  type NextEvent,
  type RuntimeApiHandler,
} from './runtime-api.js';
import type { RuntimeNetwork } from './runtime-network.js';
import { PeakMemory } from './peak-memory.js';

/** What a container tells the pool that owns it. */
export interface ContainerOwner {
  /** the runtime waits on GET /next: hand it an invocation with deliver() */
  containerReady(c: FunctionContainer): void;
  containerResult(c: FunctionContainer, requestId: string, result: RuntimeResult): void;
  /** the runtime posted init/error; the container is being stopped */
  containerInitError(c: FunctionContainer, errorType: string | null, body: Buffer): void;
  /** the runtime hung up as `requestId` was handed over: it was never seen */
  containerUndelivered(c: FunctionContainer, requestId: string): void;
  containerOutput(c: FunctionContainer, stream: OutputStream, line: string): void;
  /** the container is gone (exit code, or null when it never ran or vanished) */
  containerExited(c: FunctionContainer, exitCode: number | null): void;
}

export type RuntimeResult =
  | { readonly kind: 'response'; readonly body: Buffer }
  | { readonly kind: 'error'; readonly errorType: string | null; readonly body: Buffer }
  | { readonly kind: 'tooLarge'; readonly bytes: number };

export type RetireReason = 'idle' | 'outdated' | 'timeout' | 'initTimeout' | 'initError' | 'shutdown';

export interface FunctionContainerDeps {
  readonly engine: DockerEngine;
  readonly clock: Clock;
  readonly log: (line: string) => void;
  /** where runtime APIs listen (detected once from the engine) */
  readonly network: () => Promise<RuntimeNetwork>;
  readonly owner: ContainerOwner;
  /** the project's configuration, read when the container is made */
  readonly environment: EnvironmentProvider;
}

/** How long a runtime may take from start to its first GET /next (AWS allows 10 s of init). */
const INIT_LIMIT_MS = 10_000;

export class FunctionContainer implements RuntimeApiHandler {
  readonly id = randomBytes(6).toString('hex');
  readonly startedAt: number;
  containerId: string | null = null;
  state: AwsContainer['state'] = 'starting';
  /** ms from the start request to the first GET /next; null until then */
  initDurationMs: number | null = null;
  /** the request id handed to the runtime and not yet answered */
  current: string | null = null;
  invocations = 0;
  lastInvokedAt: number | null = null;
  retireReason: RetireReason | null = null;
  /** the most memory the container has used, from its cgroup; the pool holds its next invocation until the first reading */
  readonly memory = new PeakMemory(
    () => (this.containerId ? this.deps.engine.readMemoryPeak(this.containerId) : Promise.resolve(null)),
    () => this.deps.owner.containerReady(this),
  );

  private api: RuntimeApiServer | null = null;
  private waiter: { resolve(e: NextEvent): void; reject(err: Error): void } | null = null;
  private startPerf = 0;
  private ip: string | null = null;
  private ipKnown!: Promise<void>;
  private setIpKnown!: () => void;
  private output: LogFollow | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  private initTimer: NodeJS.Timeout | null = null;
  private exited = false;
  private checkPeer = true;
  /** the secrets this container was given, masked in each line of its output */
  private mask: SecretMask = NO_MASK;

  constructor(
    private readonly deps: FunctionContainerDeps,
    readonly input: Omit<FunctionContainerInput, 'network' | 'runtimeApi' | 'containerKey'>,
    /** what must match for the container to take an invocation: the build and the settings */
    readonly fingerprint: string,
  ) {
    this.startedAt = deps.clock.now();
    this.ipKnown = new Promise<void>((resolve) => (this.setIpKnown = resolve));
  }

  /** ms since the container was started */
  get runningMs(): number {
    return this.startPerf ? performance.now() - this.startPerf : 0;
  }

  get compilationId(): string {
    return this.input.compilation.id;
  }

  /** true while the runtime waits on GET /next with nothing handed to it */
  get isWaiting(): boolean {
    return this.waiter !== null && this.state === 'idle';
  }

  view(): AwsContainer {
    return {
      id: this.id,
      containerId: this.containerId,
      compilation: this.compilationId,
      state: this.state,
      startedAt: this.startedAt,
      lastInvokedAt: this.lastInvokedAt,
      invocations: this.invocations,
      logStreamName: this.input.logStreamName,
    };
  }

  /** Listens, creates, attaches and starts; on failure everything started is undone and it throws. */
  async start(): Promise<void> {
    const { engine } = this.deps;
    try {
      const network = await this.deps.network();
      this.checkPeer = network.checkPeerAddress;
      this.api = await RuntimeApiServer.listen(this, {
        host: network.bindHost,
        isAllowedPeer: (a) => this.isOwnAddress(a),
      });
      const config = await this.deps.environment.forProject(this.input.project.id);
      this.mask = config.mask;
      const spec = functionContainerSpec({
        ...this.input,
        projectEnv: config.env,
        network,
        runtimeApi: `${network.advertiseHost}:${this.api.port}`,
        containerKey: this.id,
      });
      try {
        this.containerId = await engine.createContainer(spec);
      } catch (err) {
        if (!(err instanceof ImageMissingError)) throw err;
        await ensureImage(engine, spec.image, (line) => this.deps.log(`function container ${this.id}: ${line}`));
        this.containerId = await engine.createContainer(spec);
      }
      if (this.state === 'stopping') throw new Error('stopped while starting');
      const splitters = {
        stdout: new LineSplitter((buf, s, e) => this.emitLine('stdout', buf, s, e)),
        stderr: new LineSplitter((buf, s, e) => this.emitLine('stderr', buf, s, e)),
      };
      this.output = await engine.attachOutput(this.containerId, (stream, data) => splitters[stream].push(data));
      void this.output.done.then(() => {
        splitters.stdout.end();
        splitters.stderr.end();
      });
      this.startPerf = performance.now();
      await engine.startContainer(this.containerId);
      const status = await engine.inspectContainer(this.containerId);
      this.ip = status?.ipAddress ?? null;
      this.setIpKnown();
      const containerId = this.containerId;
      void engine.waitContainer(containerId).then(
        (code) => this.onExit(code),
        () => this.onExit(null),
      );
      this.initTimer = setTimeout(() => {
        if (this.initDurationMs === null) this.retire('initTimeout');
      }, INIT_LIMIT_MS);
      this.initTimer.unref();
    } catch (err) {
      this.setIpKnown();
      await this.teardown();
      throw err;
    }
  }

  private emitLine(stream: OutputStream, buf: Buffer, start: number, end: number): void {
    let line = buf.toString('utf8', start, end);
    if (!this.mask.empty) line = this.mask.text(line);
    if (!line.endsWith('\n')) line += '\n';
    this.deps.owner.containerOutput(this, stream, line);
  }

  /** Only the container's own address may call its runtime API (where the engine says it). */
  private async isOwnAddress(address: string): Promise<boolean> {
    if (!this.checkPeer) return true;
    await this.ipKnown;
    return this.ip !== null && address === this.ip;
  }

  // ---- the runtime API, for this container only ----

  next(signal: AbortSignal): Promise<NextEvent> {
    if (this.state === 'stopping') throw containerError();
    if (this.state === 'busy') {
      throw invalidStateTransition(
        `State transition from Invoking to Ready failed for runtime: invocation ${this.current} has no response or error yet`,
      );
    }
    if (this.waiter)
      throw invalidStateTransition(
        'State transition from Ready to Ready failed for runtime: a GET /next is already waiting',
      );
    if (this.initDurationMs === null) {
      // two decimals, as AWS's REPORT writes it
      this.initDurationMs = Math.round((performance.now() - this.startPerf) * 100) / 100;
      if (this.initTimer) clearTimeout(this.initTimer);
      // the init's peak, so that a REPORT written at once still has a reading
      this.memory.refresh();
    }
    this.state = 'idle';
    const event = new Promise<NextEvent>((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
    signal.addEventListener(
      'abort',
      () => {
        if (!this.waiter) return;
        this.waiter.reject(new Error('the runtime hung up'));
        this.waiter = null;
      },
      { once: true },
    );
    this.deps.owner.containerReady(this);
    return event;
  }

  private checkAnswer(requestId: string): void {
    if (this.state === 'stopping') throw containerError();
    if (this.state !== 'busy') {
      throw invalidStateTransition(
        `State transition from ${this.initDurationMs === null ? 'Initializing' : 'Ready'} to ` +
          `InvocationResponse failed for runtime: no invocation is in progress`,
      );
    }
    if (requestId !== this.current) throw invalidRequestId();
  }

  response(requestId: string, body: Buffer): void {
    this.checkAnswer(requestId);
    this.answered();
    this.deps.owner.containerResult(this, requestId, { kind: 'response', body });
  }

  responseTooLarge(requestId: string, bytes: number): void {
    try {
      this.checkAnswer(requestId);
    } catch {
      return; // the runtime gets its 413 all the same
    }
    this.answered();
    this.deps.owner.containerResult(this, requestId, { kind: 'tooLarge', bytes });
  }

  error(requestId: string, errorType: string | null, body: Buffer): void {
    this.checkAnswer(requestId);
    this.answered();
    this.deps.owner.containerResult(this, requestId, { kind: 'error', errorType, body });
  }

  initError(errorType: string | null, body: Buffer): void {
    if (this.state === 'stopping') throw containerError();
    if (this.initDurationMs !== null)
      throw invalidStateTransition('State transition from Ready to InitError failed for runtime: init is over');
    this.deps.owner.containerInitError(this, errorType, body);
    this.retire('initError');
  }

  undelivered(requestId: string): void {
    if (this.current !== requestId || this.state !== 'busy') return;
    this.current = null;
    this.state = 'idle';
    this.invocations--;
    this.deps.owner.containerUndelivered(this, requestId);
  }

  private answered(): void {
    this.current = null;
    // not waiting until the runtime asks for the next one
    this.state = 'idle';
    this.memory.refresh();
  }

  // ---- the pool's side ----

  /** Hands an invocation to the waiting runtime. */
  deliver(event: NextEvent): void {
    const waiter = this.waiter;
    if (!waiter || this.state !== 'idle') throw new Error('the container is not waiting for an invocation');
    this.clearIdle();
    this.waiter = null;
    this.state = 'busy';
    this.current = event.requestId;
    this.invocations++;
    this.lastInvokedAt = this.deps.clock.now();
    waiter.resolve(event);
  }

  /** Stops the container after `ms` of waiting, unless it gets an invocation first (a running countdown goes on). */
  armIdle(ms: number): void {
    if (this.idleTimer) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      if (this.isWaiting) this.retire('idle');
    }, ms);
    this.idleTimer.unref();
  }

  private clearIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  /**
   * Ends the container: killed at once after a timeout or a failed init (as AWS resets an
   * environment), SIGTERM and 2 s otherwise. Its runtime API answers 500 from now on.
   */
  retire(reason: RetireReason): void {
    if (this.state === 'stopping') return;
    this.state = 'stopping';
    this.retireReason = reason;
    this.clearIdle();
    if (this.waiter) {
      this.waiter.reject(containerError());
      this.waiter = null;
    }
    const id = this.containerId;
    if (!id) return; // still starting: start() sees the state and gives up
    const kill = reason === 'timeout' || reason === 'initTimeout' || reason === 'initError' || reason === 'shutdown';
    const stopping = kill ? this.deps.engine.killContainer(id) : this.deps.engine.stopContainer(id, 2);
    void stopping.catch((err) => this.deps.log(`function container ${this.id}: stop failed: ${errorMessage(err)}`));
  }

  private async onExit(exitCode: number | null): Promise<void> {
    if (this.exited) return;
    this.exited = true;
    this.state = 'stopping';
    this.clearIdle();
    if (this.initTimer) clearTimeout(this.initTimer);
    if (this.waiter) {
      this.waiter.reject(containerError());
      this.waiter = null;
    }
    // the last of its output arrives before the attach stream ends
    await Promise.race([this.output?.done, sleep(500)]);
    this.deps.owner.containerExited(this, exitCode);
    await this.teardown();
  }

  private async teardown(): Promise<void> {
    this.state = 'stopping';
    this.clearIdle();
    if (this.initTimer) clearTimeout(this.initTimer);
    this.output?.stop();
    await this.api?.close().catch(() => undefined);
    if (this.containerId) await this.deps.engine.removeContainer(this.containerId).catch(() => undefined);
  }

  /** Removes the container now (server shutdown); resolves once it is gone. */
  async destroy(): Promise<void> {
    this.retireReason ??= 'shutdown';
    this.state = 'stopping';
    if (this.waiter) {
      this.waiter.reject(containerError());
      this.waiter = null;
    }
    this.exited = true;
    await this.teardown();
  }
}
