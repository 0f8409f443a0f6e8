import type { DebugRunResponse, DebugState } from '../../contract/types.js';
import type { RunRecord } from '../../domain/records.js';
import { errorMessage } from '../../errors.js';
import { TERMINAL_STATES, toConsoleRun, type RunsService } from '../runs/index.js';
import type { StartRunInput } from '../runs/index.js';
import { debugInstructions } from './debug-commands.js';
import { DebugRelay, type RelayTarget } from './debug-relay.js';

export interface DebugDeps {
  readonly runs: RunsService;
  readonly log: (line: string) => void;
}

export interface StartDebugInput extends StartRunInput {
  /** a longer deadline than the project's, for a debugging session */
  readonly runTimeoutSeconds?: number | undefined;
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/** Debug runs: a run under lldb-server, reached through a relay that tells whether a debugger is on. */
export class DebugService {
  private readonly relays = new Map<string, DebugRelay>();
  private closed = false;

  constructor(private readonly deps: DebugDeps) {}

  /** Starts a debug run of the project's newest succeeded build (which must be a debug build). */
  async start(projectId: string, input: StartDebugInput): Promise<DebugRunResponse> {
    const holder: { record: RunRecord | null } = { record: null };
    const relay = await DebugRelay.open(this.targetOf(holder), (state) => this.setState(holder.record, state));
    let runId: string;
    try {
      const started = await this.deps.runs.start(
        projectId,
        { mode: input.mode, arguments: input.arguments },
        { startedBy: 'console', debug: { port: relay.port, runTimeoutSeconds: input.runTimeoutSeconds } },
      );
      runId = started.run.uuid;
    } catch (err) {
      relay.close();
      throw err;
    }
    const record = this.deps.runs.find(runId)!;
    holder.record = record;
    this.keep(record, relay);
    return this.describe(record);
  }

  /** The answer for a debug run: its console view, the port, the binary, the commands. */
  describe(record: RunRecord): DebugRunResponse {
    const port = record.debug!.port;
    return {
      run: toConsoleRun(record),
      debug: {
        port,
        binaryFile: record.binaryFile,
        ...debugInstructions(port, record.binaryFile, record.run.targetName),
      },
    };
  }

  /** After a restart: reopens the relay of every live debug run, on its old port where it is free. */
  async resume(): Promise<void> {
    const unfinished = this.deps.runs
      .list({ limit: Number.MAX_SAFE_INTEGER })
      .filter((run) => !TERMINAL_STATES.has(run.state))
      .map((run) => this.deps.runs.find(run.uuid)!);
    for (const record of unfinished) {
      if (!record.debug || this.relays.has(record.run.uuid)) continue;
      const holder = { record };
      const relay = await DebugRelay.open(
        this.targetOf(holder),
        (state) => this.setState(record, state),
        record.debug.port,
      ).catch((err: unknown) => {
        this.deps.log(`debug run ${record.run.uuid}: no debugger port: ${errorMessage(err)}`);
        return null;
      });
      if (!relay) continue;
      record.debug.port = relay.port;
      this.keep(record, relay);
    }
    if (this.relays.size) await this.deps.runs.commit();
  }

  private targetOf(holder: { record: RunRecord | null }): RelayTarget {
    return {
      upstreamPort: () => (holder.record?.run.state === 'running' ? (holder.record.debug?.upstreamPort ?? null) : null),
      ended: () => holder.record !== null && TERMINAL_STATES.has(holder.record.run.state),
    };
  }

  private setState(record: RunRecord | null, state: DebugState): void {
    if (!record?.debug || record.debug.state === state) return;
    record.debug.state = state;
    void this.deps.runs.commit().catch((err) => this.deps.log(`debug run: could not save: ${errorMessage(err)}`));
  }

  /** Keeps the relay open until the run is over (through an engine outage, when its LiveRun is replaced). */
  private keep(record: RunRecord, relay: DebugRelay): void {
    const id = record.run.uuid;
    this.relays.set(id, relay);
    void (async () => {
      while (!TERMINAL_STATES.has(record.run.state) && !this.closed) {
        const live = this.deps.runs.liveRun(id);
        await Promise.race([live ? live.done : delay(1000), delay(5000)]);
      }
      relay.close();
      this.relays.delete(id);
    })();
  }

  /** Closes every relay (server shutdown). */
  close(): void {
    this.closed = true;
    for (const relay of this.relays.values()) relay.close();
    this.relays.clear();
  }
}
