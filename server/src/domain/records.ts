// What the store keeps. Public shapes (Run, Key, …) plus the emulator's private bookkeeping, kept
// apart so that a public response can never leak a private field.
import type { CrashReport } from '../contract/run-diagnostics.js';
import type { Schedule } from '../contract/schedules.js';
import type { Compilation, DebugState, Key, Project, Run } from '../contract/types.js';

export interface KeyRecord extends Key {
  /** hex SHA-256 of the secret; the secret itself is never stored */
  readonly secretHash: string;
}

export interface CompilationRecord extends Compilation {
  /** absolute path of the built or imported binary in the data dir, once succeeded */
  binaryFile: string | null;
}

export interface RunRecord {
  run: Run;
  jobId: string;
  containerId: string | null;
  memoryLimitMb: number;
  pidsLimit: number;
  /** Docker networks the container joins besides the default bridge (absent in runs stored before) */
  networks?: string[];
  /** absolute path of the binary that the container mounts */
  binaryFile: string;
  /** set by /stop before the container is killed, so the end is recorded as `stopped` */
  stopRequested: boolean;
  /** when the container started, in unix milliseconds: the deadline's origin */
  startedAtMs: number | null;
  /** an API key's caller, or the console (its UI, token or CLI); absent in runs stored before */
  startedBy?: RunStarter;
  /** the run this one replaced in a hot swap (docs/api.md#development-loop) */
  replacesRun?: string | null;
  /** why it died, when a signal killed it (absent in runs stored before) */
  crash?: CrashReport | null;
  /** the most memory its container used, from the engine's stats */
  peakMemoryBytes?: number | null;
  /** a run under lldb-server (absent for other runs) */
  debug?: DebugRecord | null;
}

export interface DebugRecord {
  /** the emulator's 127.0.0.1 port that relays to the container's lldb-server */
  port: number;
  state: DebugState;
  /** the 127.0.0.1 port Docker published for lldb-server, once the container started */
  upstreamPort: number | null;
}

/** `dev`: the development loop started it; `restart`: it replaced a crashed run of the loop's */
export type RunStarter = 'key' | 'console' | 'schedule' | 'dev' | 'restart';

export interface DbData {
  version: 1;
  /** labels this data dir's containers, so two emulators never touch each other's */
  instanceId: string;
  keys: KeyRecord[];
  projects: Project[];
  compilations: CompilationRecord[];
  runs: RunRecord[];
  /** absent in data dirs written before schedules existed */
  schedules?: ScheduleRecord[];
  /** answers of POST …/runs kept for their Idempotency-Key; absent before it existed */
  idempotency?: IdempotencyRecord[];
}

/** A schedule as stored: what is derived (`nextRunAt`) is computed when it is read. */
export type ScheduleRecord = Omit<Schedule, 'nextRunAt'>;

export interface IdempotencyRecord {
  /** who sent it: `key:<KEY_ID>` or `console` */
  readonly owner: string;
  readonly key: string;
  /** SHA-256 of the project, mode and arguments the first request carried */
  readonly fingerprint: string;
  readonly status: number;
  readonly body: unknown;
  /** unix milliseconds */
  readonly at: number;
}
