// What the store keeps. Public shapes (Run, Key, …) plus the emulator's private bookkeeping, kept
// apart so that a public response can never leak a private field.
import type { CrashReport } from '../contract/run-diagnostics.js';
import type { Compilation, Key, Project, Run } from '../contract/types.js';

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
  /** absolute path of the binary that the container mounts */
  binaryFile: string;
  /** set by /stop before the container is killed, so the end is recorded as `stopped` */
  stopRequested: boolean;
  /** when the container started, in unix milliseconds: the deadline's origin */
  startedAtMs: number | null;
  /** an API key's caller, or the console (its UI, token or CLI); absent in runs stored before */
  startedBy?: RunStarter;
  /** the run this one replaced in a hot swap (SPEC §8) */
  replacesRun?: string | null;
  /** why it died, when a signal killed it (absent in runs stored before) */
  crash?: CrashReport | null;
  /** the most memory its container used, from the engine's stats */
  peakMemoryBytes?: number | null;
}

/** `dev`: the development loop started it; `restart`: it replaced a crashed run of the loop's */
export type RunStarter = 'key' | 'console' | 'dev' | 'restart';

export interface DbData {
  version: 1;
  /** labels this data dir's containers, so two emulators never touch each other's */
  instanceId: string;
  keys: KeyRecord[];
  projects: Project[];
  compilations: CompilationRecord[];
  runs: RunRecord[];
}
