// Request and response types of the public and console APIs. The renderer imports these with
// `import type`, so nothing here may have a runtime value.
import type { CrashReport } from './run-diagnostics.js';

export type RunState = 'queued' | 'running' | 'succeeded' | 'failed' | 'stopped' | 'timedOut';
export type RunMode = 'oneShot' | 'service';
/**
 * The finer step of a run, an emulator detail the hosted platform leaves open:
 * queued → pulling → creating → starting → running → (stopping | timingOut) → collecting → finished.
 */
export type RunPhase =
  'queued' | 'pulling' | 'creating' | 'starting' | 'running' | 'stopping' | 'timingOut' | 'collecting' | 'finished';

/** A run exactly as the hosted platform returns it. Times are unix seconds. */
export interface Run {
  uuid: string;
  project: string;
  compilation: string;
  targetName: string;
  binaryPath: string;
  dockerImage: string;
  arguments: string[];
  state: RunState;
  phase: RunPhase;
  runTimeoutSeconds: number;
  mode: RunMode;
  containerPort: number | null;
  hostPort: number | null;
  publicAccess: boolean;
  startedAt: number | null;
  finishedAt: number | null;
  exitCode: number | null;
  errorSummary: string | null;
  logsTruncated: boolean;
  created: number;
  updated: number;
}

export type LogStream = 'stdout' | 'stderr' | 'system';

/** One line of output (with its `\n`), or a piece of a line longer than 16 KiB. */
export interface LogChunk {
  sequence: number;
  stream: LogStream;
  data: string;
  /** unix milliseconds */
  timestamp: number;
}

export interface StartRunResponse {
  run: Run;
  jobId: string;
}
export interface ListRunsResponse {
  runs: Run[];
}
export interface RunResponse {
  run: Run;
}
export interface LogsResponse {
  logs: LogChunk[];
  logsTruncated: boolean;
}
export interface StopAllResponse {
  stopped: number;
  runs: Run[];
}

export interface ErrorBody {
  error: true;
  reason: string;
  message?: string;
}

export interface Key {
  id: string;
  name: string;
  prefix: string;
  createdAt: number;
  expiresAt: number | null;
  projects: string[] | null;
  revokedAt: number | null;
  lastUsedAt: number | null;
}
export interface CreateKeyRequest {
  name: string;
  expiresInDays?: number | null;
  projects?: string[];
}
export interface CreateKeyResponse {
  key: Key;
  secret: string;
}

export interface Project {
  id: string;
  name: string;
  sourcePath: string;
  targetName: string;
  dockerImage: string;
  runTimeoutSeconds: number;
  publicInstances: boolean;
  /** Memory limit of each run's container, in MiB (emulator setting). */
  memoryLimitMb: number;
  /** Process limit of each run's container (emulator setting). */
  pidsLimit: number;
  /** Rebuild on every save of the package or its local path dependencies (docs/api.md#development-loop). */
  watch: boolean;
  /** `swift build -c <buildConfiguration>`: debug builds are faster to rebuild. */
  buildConfiguration: BuildConfiguration;
  /** Seconds between SIGTERM and the kill when a run is stopped (docs/api.md#stopping). */
  stopGraceSeconds: number;
  /** The deadline of the runs the development loop starts (watch, `swiftlambda dev`), default 3600. */
  devRunTimeoutSeconds: number;
  /** While watching: a crashed service run is started again (1, 2, 4 … 30 s later; default true). */
  restartOnFailure: boolean;
  /** `process`: the public API's runs; `awsLambda`: invoked through AWS's Invoke API (docs/api.md#aws-lambda-mode). */
  runtime: FunctionRuntime;
  /** AWS Lambda mode: the most containers the function runs at once. */
  reservedConcurrency: number;
  /** Plain configuration given to every run and function: `{ NAME: value }` (secrets live apart). */
  environment: Record<string, string>;
  /** A dotenv file relative to the package folder (for example `.env`), read at each run start; or null. */
  envFile: string | null;
  /** Docker networks each run's container joins besides the default bridge (at most 5). */
  networks: string[];
  created: number;
  updated: number;
}
export type BuildConfiguration = 'release' | 'debug';
/** A project secret as answers show it: its name and when it was set, never its value. */
export interface SecretInfo {
  name: string;
  /** unix seconds */
  updated: number;
}
export interface SecretsResponse {
  secrets: SecretInfo[];
}
export type FunctionRuntime = 'process' | 'awsLambda';
export interface CreateProjectRequest {
  name: string;
  sourcePath: string;
  targetName: string;
  dockerImage?: string;
  runTimeoutSeconds?: number;
  publicInstances?: boolean;
  memoryLimitMb?: number;
  pidsLimit?: number;
  watch?: boolean;
  buildConfiguration?: BuildConfiguration;
  stopGraceSeconds?: number;
  devRunTimeoutSeconds?: number;
  restartOnFailure?: boolean;
  runtime?: FunctionRuntime;
  reservedConcurrency?: number;
  environment?: Record<string, string>;
  envFile?: string | null;
  networks?: string[];
}

export type CompilationState = 'queued' | 'running' | 'succeeded' | 'failed';
export interface Compilation {
  id: string;
  project: string;
  state: CompilationState;
  targetName: string;
  /** `build` for `swift build`, `import` for a prebuilt binary. */
  source: 'build' | 'import';
  startedAt: number | null;
  finishedAt: number | null;
  errorSummary: string | null;
  created: number;
  /** the configuration the build used (`release` for imports) */
  configuration: BuildConfiguration;
  /** the compiler's errors, warnings and notes, with the user's own file paths */
  diagnostics: Diagnostic[];
  /** the dependency versions SwiftPM resolved for this build (its Package.resolved) */
  resolvedPackages: ResolvedPackage[];
  /** SwiftPM's step counter (`[done/total]`) as the build moves; null before its first step */
  progress: BuildProgress | null;
}

export interface BuildProgress {
  done: number;
  total: number;
}

export interface ResolvedPackage {
  identity: string;
  location: string;
  version: string | null;
  revision: string | null;
}

export interface Diagnostic {
  /** absolute path of the file on the user's machine */
  file: string;
  line: number;
  column: number;
  severity: 'error' | 'warning' | 'note';
  message: string;
}

export interface StatusResponse {
  docker: { available: boolean; version?: string; error?: string };
  version: string;
  dataDir: string;
  apiUrl: string;
  defaultImage: string;
  warnings: string[];
  /** the bundled example packages, for the console's first-run help */
  examples: ExamplePackage[];
}

export interface ExamplePackage {
  name: string;
  path: string;
  targetName: string;
  mode: RunMode;
  description: string;
}

/** A local Docker image, for the console's image picker (GET /console/api/images). */
export interface LocalImage {
  name: string;
  id: string;
  sizeBytes: number;
  /** the Swift toolchain's version, or null for an image without one */
  swiftVersion: string | null;
}

/** A run as the console sees it: the public Run fields plus the emulator's own. */
export interface ConsoleRun extends Run {
  /**
   * `key` when an API key started it, `console` for the console, its token or the CLI, `schedule` for a
   * schedule, `dev` for the development loop (watch, `swiftlambda dev`), `restart` after a crash of the
   * loop's run
   */
  startedBy: 'key' | 'console' | 'schedule' | 'dev' | 'restart';
  /** the run this one replaced in a hot swap */
  replacesRun: string | null;
  /** why it died, when a signal killed it (docs/api.md#live-data) */
  crash: CrashReport | null;
  /** the most memory its container used, sampled once a second; null before the first sample */
  peakMemoryBytes: number | null;
  /** a debug run's debugger port and whether a debugger is on it; null for other runs */
  debug: RunDebug | null;
}

/** waiting: no debugger yet (the program is stopped before its first line); detached: it left. */
export type DebugState = 'waiting' | 'attached' | 'detached';
export interface RunDebug {
  /** the 127.0.0.1 port a debugger connects to (`gdb-remote 127.0.0.1:<port>`) */
  port: number;
  state: DebugState;
}
/** POST /console/api/projects/{id}/debug */
export interface DebugRunResponse {
  run: ConsoleRun;
  debug: {
    port: number;
    /** the binary on this machine, for `target create` */
    binaryFile: string;
    /** a ready lldb command line */
    lldb: string;
    /** a launch.json with an attach configuration for the Swift extension (lldb-dap) and one for CodeLLDB */
    vscode: { version: string; configurations: Array<Record<string, unknown>> };
  };
}

/** A body in the request log: text when it is UTF-8, else base64. */
export type LoggedBody = { text: string } | { base64: string };

/** One call that reached a run through the proxy (GET /console/api/runs/{RUN_ID}/requests). */
export interface LoggedRequest {
  id: string;
  /** unix ms */
  at: number;
  method: string;
  /** the path the service saw, without the query */
  path: string;
  /** the query string without `?`, or '' */
  query: string;
  /** the status the caller got; 0 when the connection was cut before an answer */
  status: number;
  durationMs: number;
  requestBytes: number;
  responseBytes: number;
  /** the emulator's reason when it answered itself (instance_unreachable, …), else null */
  reason: string | null;
  via: 'instance' | 'dev';
  /** [name, value] as sent, credentials replaced by "[redacted]" */
  requestHeaders: Array<[string, string]>;
  responseHeaders: Array<[string, string]>;
  /** up to 64 KiB; null when the body was longer */
  requestBody: LoggedBody | null;
  responseBody: LoggedBody | null;
}
