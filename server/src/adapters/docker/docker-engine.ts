// The emulator's view of a container engine. Domain code speaks only this interface; dockerode
// lives in dockerode-engine.ts alone.
import type { Duplex } from 'node:stream';

export type OutputStream = 'stdout' | 'stderr';

/** createContainer's answer when the image is not on this machine. */
/** createContainer's answer when a network the container should join does not exist. */
export class NetworkMissingError extends Error {
  constructor(readonly network: string) {
    super(`the Docker network "${network}" does not exist (list them with \`docker network ls\`)`);
  }
}

/** Which engine answers: Docker Engine, Docker Desktop (its bridge is inside a VM) or Podman. */
export type EngineProduct = 'docker' | 'docker-desktop' | 'podman';

/** A network for the console's picker. */
export interface NetworkSummary {
  readonly name: string;
  readonly driver: string;
  /** how many containers are attached to it */
  readonly containers: number;
}

export class ImageMissingError extends Error {
  constructor(readonly image: string) {
    super(`no such image: ${image}`);
  }
}

export interface ContainerSpec {
  readonly image: string;
  readonly cmd: readonly string[];
  readonly entrypoint?: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
  /** `hostPathOrVolume:containerPath[:ro]` */
  readonly binds: readonly string[];
  readonly workingDir?: string;
  /** the container's hostname (and HOSTNAME); Docker's default is random */
  readonly hostname?: string;
  /** container TCP port to publish on 127.0.0.1 at a port the engine picks */
  readonly publishTcpPort?: number;
  /** more container TCP ports published on 127.0.0.1 (a debug run's debugger port) */
  readonly extraTcpPorts?: readonly number[];
  readonly memoryBytes?: number;
  readonly pidsLimit?: number;
  /** drop all capabilities and set no-new-privileges */
  readonly hardened?: boolean;
  /** capabilities given back after the drop (a debug run's SYS_PTRACE only) */
  readonly capAdd?: readonly string[];
  /** run an init process as PID 1 so signals reach the program and zombies are reaped */
  readonly init?: boolean;
  /** `name:address` lines for the container's /etc/hosts (`host-gateway` is the host) */
  readonly extraHosts?: readonly string[];
  /** networks joined before start, besides the default bridge (rejects with NetworkMissingError) */
  readonly networks?: readonly string[];
}

/** Docker's lifecycle states; `created` is a container that has never been started. */
export type ContainerState = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export interface ContainerStatus {
  readonly id: string;
  readonly state: ContainerState;
  readonly running: boolean;
  /** null until the container has exited */
  readonly exitCode: number | null;
  readonly oomKilled: boolean;
  /** the 127.0.0.1 port that `publishTcpPort` was given, once started */
  readonly hostPort: number | null;
  /** every published TCP port, container port → 127.0.0.1 port (absent where the engine does not say) */
  readonly hostPorts?: Readonly<Record<number, number>>;
  /** when the engine last started the container, unix ms; null if it never has */
  readonly startedAtMs: number | null;
  /** when the container last exited, unix ms; null if it has not */
  readonly finishedAtMs: number | null;
  readonly labels: Readonly<Record<string, string>>;
  /** its IPv4 address on the default bridge (else its first network), once started (absent where the engine does not say) */
  readonly ipAddress?: string | null;
}

/** A container network's IPv4 ranges, as `docker network inspect` tells them. */
export interface NetworkInfo {
  /** CIDR ranges, e.g. `172.17.0.0/16` */
  readonly subnets: readonly string[];
  /** the host's addresses on the network, where the engine names them */
  readonly gateways: readonly string[];
}

export interface ContainerSummary {
  readonly id: string;
  readonly running: boolean;
  readonly labels: Readonly<Record<string, string>>;
  /** its IPv4 addresses on every network it is attached to (absent where the engine does not say) */
  readonly ipAddresses?: readonly string[];
}

/** A local image, as the console's picker lists it. */
export interface ImageSummary {
  readonly id: string;
  /** repo:tag names (none for a dangling image) */
  readonly names: readonly string[];
  readonly sizeBytes: number;
  /** environment variables baked into the image (official Swift images set SWIFT_VERSION) */
  readonly env: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
}

export interface TerminalSize {
  readonly cols: number;
  readonly rows: number;
}

/** A shell with a terminal in a running container; ends when the stream ends (the shell exited). */
export interface ShellSession {
  /** the terminal's bytes: what is written is typed, what is read is shown */
  readonly stream: Duplex;
  resize(size: TerminalSize): Promise<void>;
  /** hangs up: the shell gets SIGHUP */
  close(): void;
}

/** A command run in a running container (the exec API, no TTY). */
export interface ExecCommand {
  readonly cmd: readonly string[];
  /** added to the container's own environment */
  readonly env?: Readonly<Record<string, string>>;
  readonly workingDir?: string;
}

export interface CommandRun {
  /** its exit code once it ended and its output was delivered; null when the engine cannot say (the container went away) */
  readonly exitCode: Promise<number | null>;
  /** stops reading its output (the command goes on) */
  stop(): void;
}

export interface LogFollow {
  /** resolves when the engine ends the stream (the container stopped) or stop() was called */
  readonly done: Promise<void>;
  stop(): void;
}

/** One reading of a running container's resources. */
export interface ContainerStatsSample {
  /** when the engine read it, unix ms */
  readonly at: number;
  /** of one core (100 = one core busy), over the time since the engine's previous reading */
  readonly cpuPercent: number;
  /** in use, without page cache the kernel can drop (what `docker stats` shows) */
  readonly memoryBytes: number;
  readonly memoryLimitBytes: number;
}

export interface EngineEvent {
  readonly containerId: string;
  readonly action: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface DockerEngine {
  /** the engine's version; also a liveness check (rejects with docker_unavailable) */
  version(): Promise<string>;
  /** which engine this is (read with the version) */
  product(): Promise<EngineProduct>;
  /**
   * The cheap liveness check (`GET /_ping`); `version()` makes dockerd execute runc and
   * docker-init, not something to do on every run (decision 0075).
   */
  ping(): Promise<void>;
  hasImage(ref: string): Promise<boolean>;
  /** the images on this machine that have a name */
  listImages(): Promise<ImageSummary[]>;
  /** pulls `ref`, reporting progress lines; rejects with the engine's message on failure */
  pullImage(ref: string, onProgress: (line: string) => void): Promise<void>;
  /** rejects with ImageMissingError when the image is not on this machine */
  createContainer(spec: ContainerSpec): Promise<string>;
  startContainer(id: string): Promise<void>;
  /** null when no such container exists */
  inspectContainer(id: string): Promise<ContainerStatus | null>;
  /** resolves with the exit code once the container is not running */
  waitContainer(id: string): Promise<number>;
  /**
   * Attaches to a created container's stdout and stderr. Called before start, it sees every byte
   * the program writes, straight from its pipes (what `docker run` does); the stream ends once
   * the engine has delivered the last of it.
   */
  attachOutput(id: string, onData: (stream: OutputStream, data: Buffer) => void): Promise<LogFollow>;
  /**
   * Reads stdout and stderr from the engine's stored log, from the container's first byte; with
   * `follow` it stays open for new output (used to re-attach to a container started earlier).
   */
  readLogs(id: string, follow: boolean, onData: (stream: OutputStream, data: Buffer) => void): Promise<LogFollow>;
  /**
   * Follows a running container's stats: the engine reads its cgroup about once a second while
   * someone listens (no cost otherwise). `done` resolves when the container stops or stop() is called.
   */
  followStats(id: string, onSample: (sample: ContainerStatsSample) => void): Promise<LogFollow>;
  /** SIGKILL; a container that is not running is not an error */
  killContainer(id: string): Promise<void>;
  /**
   * Runs a command in a running container, its stdout and stderr to `onData`; rejects with the
   * engine's error (statusCode 404: no such container, 409: not running).
   */
  runCommand(
    id: string,
    command: ExecCommand,
    onData: (stream: OutputStream, data: Buffer) => void,
  ): Promise<CommandRun>;
  /** a shell (bash, else sh) with a TTY in a running container, through the engine's exec API */
  openShell(id: string, size: TerminalSize): Promise<ShellSession>;
  /**
   * `docker stop`: SIGTERM to the container's init (which passes it to the program), then SIGKILL
   * after `graceSeconds`; resolves once it has exited. A container that is not running is not an error.
   */
  stopContainer(id: string, graceSeconds: number): Promise<void>;
  /** force-removes; a container that does not exist is not an error */
  removeContainer(id: string): Promise<void>;
  /** removes a named volume; one that does not exist is not an error */
  removeVolume(name: string): Promise<void>;
  listContainers(labels: Readonly<Record<string, string>>): Promise<ContainerSummary[]>;
  /** null when no such network exists */
  inspectNetwork(name: string): Promise<NetworkInfo | null>;
  listNetworks(): Promise<NetworkSummary[]>;
  /**
   * The most memory a running container has used since it started, in bytes: the cgroup's peak,
   * read from /sys/fs/cgroup where the engine runs on this machine, else the engine's slower stats
   * (its peak on cgroup v1, the current use on v2; decision 0075). Null when it is not running.
   */
  readMemoryPeak(id: string): Promise<number | null>;
  /** follows container events for containers carrying all `labels`; returns a stop function */
  watchEvents(
    labels: Readonly<Record<string, string>>,
    onEvent: (event: EngineEvent) => void,
    onClosed: (err: Error | null) => void,
  ): Promise<() => void>;
}
