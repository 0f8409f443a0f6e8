import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { KeyRecord } from '../domain/records.js';
import type { RunsService } from '../modules/runs/index.js';
import type { DataPlaneState, FromWorker, FrontDoorConfig, FrontDoorStats, Route, ToWorker } from './protocol.js';

export interface FrontDoorOptions {
  /** the data directory (private to the user): the main thread's socket is made there */
  readonly dataDir: string;
  readonly host: string;
  readonly port: number;
  readonly consoleToken: string;
  readonly sessionCookie: string;
  readonly maxBodyBytes: number;
  /** a call the front door let in with this key */
  readonly onKeyUsed: (id: string) => void;
  readonly log: (line: string) => void;
}

export interface Listening {
  readonly address: string;
  readonly family: string;
  readonly port: number;
}

interface PrivateSocket {
  readonly path: string;
  remove(): void;
}

/**
 * Where the main thread may listen, best first: `main.sock` in the data directory (mode 0700, locked
 * to one server, so a socket left by a killed server is removed first), unless that path is too
 * long for a Unix socket; then a fresh private temporary directory (also the fallback when the
 * data directory's file system cannot hold a socket). A named pipe on Windows.
 */
function* privateSockets(dataDir: string): Generator<PrivateSocket> {
  if (process.platform === 'win32') {
    yield { path: `\\\\?\\pipe\\swiftlambda-${randomBytes(8).toString('hex')}`, remove: () => undefined };
    return;
  }
  const inDataDir = join(dataDir, 'main.sock');
  if (Buffer.byteLength(inDataDir) < 100 && removed(inDataDir)) yield { path: inDataDir, remove: () => removed(inDataDir) };
  const dir = mkdtempSync(join(tmpdir(), 'swiftlambda-'));
  yield { path: join(dir, 'main.sock'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

function removed(path: string): boolean {
  try {
    rmSync(path, { force: true });
    return true;
  } catch {
    return false;
  }
}

function listenOn(server: http.Server, path: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** A packaged app keeps the worker's files outside the asar archive (see electron-builder.yml). */
function workerFile(): string {
  return fileURLToPath(new URL('./worker.js', import.meta.url)).replace(/app\.asar([\\/])/, 'app.asar.unpacked$1');
}

function spawnWorker(): Worker {
  const worker = new Worker(workerFile());
  // the main thread's own server keeps the process alive; a server that failed to start must not
  worker.unref();
  return worker;
}

let early: Worker | null = null;

/**
 * Starts the front door's thread now, before the server is made: it loads its modules (~100 ms)
 * while the main thread loads the rest. The next FrontDoor takes it. See start-early.ts.
 */
export function startFrontDoorEarly(): void {
  early ??= spawnWorker();
}

/**
 * The public port is served by a worker thread, the front door. It answers calls to running
 * services (`/instances/{RUN_ID}/api/**`) whose caller is let in, from a copy of the routes and
 * keys that this class keeps in step; every other request (the API, the console, refusals, calls
 * to runs still starting) goes on unchanged to the main thread's server, which listens only on a
 * private Unix socket in the data directory (a named pipe on Windows).
 *
 * Why a thread: the proxy's cost per call is mostly Node's own HTTP code, and on the main thread
 * that code has seen every kind of object the emulator handles (Docker's API, container output,
 * log files, the API) and runs on V8's slow generic paths; in a thread that does nothing else it
 * runs on the fast ones (docs/benchmarks.md, figure 3). It also keeps proxied calls answered while
 * the main thread is busy.
 *
 * The copy is exact for anyone who follows their own calls: each change is posted as a numbered
 * state, the number of the last one sent is in shared memory, and the worker holds an answer from
 * the main thread until it has applied every state sent before that answer.
 */
export class FrontDoor {
  private readonly sent = new Int32Array(new SharedArrayBuffer(4));
  private socket: PrivateSocket | null = null;
  private config: FrontDoorConfig | null = null;
  private worker: Worker;
  private sentRoutes = '';
  private sentKeys = '';
  private sentOffset = 0;
  private boundPort: number | null = null;
  private closing = false;
  private lastRestart = 0;
  private readonly waiting = new Map<FromWorker['type'], (message: FromWorker) => void>();

  constructor(
    private readonly internal: http.Server,
    private readonly options: FrontDoorOptions,
  ) {
    this.worker = this.watch(early ?? spawnWorker());
    early = null;
  }

  private watch(worker: Worker): Worker {
    worker.on('message', (message: FromWorker) => {
      if (message.type === 'key-used') this.options.onKeyUsed(message.id);
      const waiter = this.waiting.get(message.type);
      if (waiter) {
        this.waiting.delete(message.type);
        waiter(message);
      }
    });
    worker.on('error', (err) => this.options.log(`front door: ${err.stack ?? err.message}`));
    worker.on('exit', (code) => {
      if (this.closing || worker !== this.worker) return;
      // a bind in progress fails rather than waiting for a thread that is gone
      this.waiting.get('listen-failed')?.({ type: 'listen-failed', code: 'EFRONTDOOR', message: `the front door stopped (exit code ${code})` });
      if (Date.now() - this.lastRestart < 5000) {
        this.options.log(`front door stopped again (exit code ${code}) within 5 s of its last start; not starting it again`);
        return;
      }
      this.lastRestart = Date.now();
      this.options.log(`front door stopped (exit code ${code}); starting it again`);
      void this.restart();
    });
    return worker;
  }

  /** A new worker on the same port, given the whole state again. */
  private async restart(): Promise<void> {
    const port = this.boundPort;
    this.worker = this.watch(spawnWorker());
    this.resend();
    if (port === null) return;
    try {
      await this.bind(port);
      this.post({ type: 'serve' });
    } catch (err) {
      this.options.log(`front door could not listen again on port ${port}: ${(err as Error).message}`);
    }
  }

  private post(message: ToWorker): void {
    this.worker.postMessage(message);
  }

  private next<T extends FromWorker['type']>(type: T): Promise<Extract<FromWorker, { type: T }>> {
    return new Promise((resolve) => this.waiting.set(type, resolve as (message: FromWorker) => void));
  }

  /** Listens on the private socket, then has the worker listen on the public port. */
  async listen(): Promise<Listening> {
    let lastError: unknown = null;
    for (const candidate of privateSockets(this.options.dataDir)) {
      try {
        await listenOn(this.internal, candidate.path);
        this.socket = candidate;
        break;
      } catch (err) {
        lastError = err;
        this.options.log(`the main thread cannot listen on ${candidate.path} (${(err as Error).message})`);
      }
    }
    if (!this.socket) throw lastError;
    const socket = this.socket;
    this.config = {
      host: this.options.host,
      socketPath: socket.path,
      consoleToken: this.options.consoleToken,
      sessionCookie: this.options.sessionCookie,
      maxBodyBytes: this.options.maxBodyBytes,
      sent: this.sent.buffer as SharedArrayBuffer,
    };
    return this.bind(this.options.port);
  }

  private async bind(port: number): Promise<Listening> {
    const answer = Promise.race([this.next('listening'), this.next('listen-failed')]);
    this.post({ type: 'listen', port, config: this.config! });
    const result = await answer;
    this.waiting.delete('listening');
    this.waiting.delete('listen-failed');
    if (result.type === 'listen-failed') throw Object.assign(new Error(result.message), { code: result.code });
    this.boundPort = result.port;
    return result;
  }

  /** Lets the worker answer requests (the main thread is ready for those it passes on). */
  serve(): void {
    this.post({ type: 'serve' });
  }

  /** What the fast lane has done so far (null when it is not in use). */
  async stats(): Promise<FrontDoorStats | null> {
    const answer = this.next('stats');
    this.post({ type: 'stats' });
    return (await answer).lane;
  }

  /** Sends what changed since the last call (cheap when nothing did: two string compares). */
  publish(state: DataPlaneState): void {
    const routes = JSON.stringify(state.routes);
    const keys = JSON.stringify(state.keys);
    if (routes === this.sentRoutes && keys === this.sentKeys && state.clockOffsetMs === this.sentOffset) return;
    const seq = Atomics.add(this.sent, 0, 1) + 1;
    this.post({
      type: 'state',
      seq,
      ...(routes !== this.sentRoutes ? { routes } : {}),
      ...(keys !== this.sentKeys ? { keys } : {}),
      clockOffsetMs: state.clockOffsetMs,
    });
    this.sentRoutes = routes;
    this.sentKeys = keys;
    this.sentOffset = state.clockOffsetMs;
  }

  private resend(): void {
    const seq = Atomics.add(this.sent, 0, 1) + 1;
    this.post({ type: 'state', seq, routes: this.sentRoutes || '[]', keys: this.sentKeys || '[]', clockOffsetMs: this.sentOffset });
  }

  async close(): Promise<void> {
    this.closing = true;
    const closed = this.next('closed');
    this.post({ type: 'close' });
    await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
    await this.worker.terminate();
    await new Promise<void>((resolve) => {
      this.internal.close(() => resolve());
      this.internal.closeAllConnections();
    });
    this.socket?.remove();
  }
}

/**
 * What the front door may answer on its own: running services with a port and a deadline, and the
 * keys' checking fields (never the secrets, which are not stored).
 */
export function dataPlaneState(runs: RunsService, keys: readonly KeyRecord[], clockNow: number): DataPlaneState {
  const routes: Route[] = [];
  for (const live of runs.liveRuns()) {
    const { run, startedAtMs } = live.record;
    if (run.mode !== 'service' || run.state !== 'running' || !run.hostPort || startedAtMs === null) continue;
    routes.push({ runId: run.uuid, project: run.project, publicAccess: run.publicAccess, hostPort: run.hostPort, deadlineAt: startedAtMs + run.runTimeoutSeconds * 1000 });
  }
  return {
    routes,
    keys: keys.map(({ id, prefix, secretHash, projects, expiresAt, revokedAt }) => ({ id, prefix, secretHash, projects, expiresAt, revokedAt })),
    clockOffsetMs: Math.round((clockNow - Date.now()) / 1000) * 1000,
  };
}
