// The front door's worker: owns the public port. Calls to a running service whose caller is let
// in are answered here; every other request goes on to the main thread (see front-door.ts).
import http from 'node:http';
import { parentPort } from 'node:worker_threads';
import { HostPolicy, hostRefusalMessage, writeGuardError } from '../http/request-guards.js';
import { authorizePublicCaller } from '../http/public-auth.js';
import { ConsoleAuth } from '../modules/console/console-auth.js';
import { authorizeKeyForProject, KeyMatcher, LAST_USED_WRITE_INTERVAL_S, type KeyAuthority, type MatchableKey } from '../modules/keys/key-matcher.js';
import { InstanceUpstream, matchInstancePath, sendProxyError } from '../modules/proxy/instance-proxy.js';
import { MainHop } from './main-hop.js';
import type { FromWorker, FrontDoorConfig, Route, ToWorker } from './protocol.js';

const main = parentPort!;
const post = (message: FromWorker) => main.postMessage(message);

// ---- the state copied from the main thread -------------------------------------------------

let routes = new Map<string, Route>();
let keys: MatchableKey[] = [];
let clockOffsetMs = 0;
/** the number of the last state the main thread has sent (shared memory, given with `listen`) */
let sent: Int32Array | null = null;
let applied = 0;
let appliedWaiters: Array<{ readonly seq: number; readonly resolve: () => void }> = [];

const now = () => Date.now() + clockOffsetMs;

function apply(message: Extract<ToWorker, { type: 'state' }>): void {
  if (message.routes !== undefined) routes = new Map((JSON.parse(message.routes) as Route[]).map((r) => [r.runId, r]));
  if (message.keys !== undefined) {
    keys = JSON.parse(message.keys) as MatchableKey[];
    matcher.forget();
  }
  clockOffsetMs = message.clockOffsetMs;
  applied = message.seq;
  const ready = appliedWaiters.filter((w) => w.seq <= applied);
  appliedWaiters = appliedWaiters.filter((w) => w.seq > applied);
  for (const w of ready) w.resolve();
}

/**
 * The barrier that keeps the copy exact for anyone who follows their own calls: an answer from the
 * main thread is held until every state it had sent when the answer arrived is applied here, so a
 * key revoked by a call is refused on the very next call, and a run stopped by a call is not
 * called directly.
 */
function caughtUp(): Promise<void> | null {
  const seq = sent === null ? 0 : Atomics.load(sent, 0);
  if (applied >= seq) return null;
  return new Promise((resolve) => appliedWaiters.push({ seq, resolve }));
}

// ---- callers --------------------------------------------------------------------------------

const matcher = new KeyMatcher<MatchableKey>(() => keys);
const reportedUse = new Map<string, number>();
const keyAuthority: KeyAuthority<MatchableKey> = {
  authenticate(secret) {
    const seconds = Math.floor(now() / 1000);
    const key = matcher.authenticate(secret, seconds);
    const last = reportedUse.get(key.id);
    if (last === undefined || seconds - last >= LAST_USED_WRITE_INTERVAL_S) {
      reportedUse.set(key.id, seconds);
      post({ type: 'key-used', id: key.id });
    }
    return key;
  },
  authorizeProject: authorizeKeyForProject,
};

// ---- the server -----------------------------------------------------------------------------

/** What serves the port, made on the first `listen` (the thread starts before the server knows it). */
class Door {
  private readonly consoleAuth: ConsoleAuth;
  private readonly upstream: InstanceUpstream;
  private readonly mainHop: MainHop;
  readonly hostPolicy: HostPolicy;
  readonly server: http.Server;
  private serving = false;
  private early: Array<() => void> = [];

  constructor(config: FrontDoorConfig) {
    this.consoleAuth = new ConsoleAuth(config.consoleToken);
    this.upstream = new InstanceUpstream(config.sessionCookie, config.maxBodyBytes);
    this.mainHop = new MainHop(config.socketPath, caughtUp);
    this.hostPolicy = new HostPolicy(config.host);
    this.server = http.createServer((req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = 65_000;
    this.server.on('upgrade', (req: http.IncomingMessage, socket, head: Buffer) => {
      socket.on('error', () => undefined);
      this.mainHop.tunnel(req, socket, head);
    });
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (!this.serving) {
      this.early.push(() => this.handle(req, res));
      return;
    }
    const refused = this.hostPolicy.check(req);
    if (refused) return writeGuardError(res, refused, hostRefusalMessage(refused));
    if (!this.answerDirectly(req, res)) this.mainHop.relay(req, res);
  }

  /** A call to a running service whose caller is let in: sent to its container from here. */
  private answerDirectly(req: http.IncomingMessage, res: http.ServerResponse): boolean {
    const match = matchInstancePath(req.url ?? '');
    if (!match) return false;
    const route = routes.get(match.runId);
    if (!route) return false;
    const remainingMs = route.deadlineAt - now();
    if (remainingMs <= 0) return false;
    if (!route.publicAccess) {
      try {
        authorizePublicCaller(req, route.project, keyAuthority, this.consoleAuth);
      } catch {
        // refusals (and their exact reasons) are the main thread's business
        return false;
      }
    }
    try {
      this.upstream.send(req, res, { runId: match.runId, hostPort: route.hostPort, rest: match.rest, remainingMs, clientIp: req.socket.remoteAddress ?? '' });
    } catch (err) {
      sendProxyError(res, err);
    }
    return true;
  }

  /** Requests that came before the main thread was ready are answered now. */
  serve(): void {
    this.serving = true;
    const waiting = this.early;
    this.early = [];
    for (const go of waiting) go();
  }

  close(): void {
    this.server.close();
    this.server.closeAllConnections();
    this.upstream.close();
    this.mainHop.close();
  }
}

let door: Door | null = null;

main.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'state':
      apply(message);
      break;
    case 'listen': {
      sent = new Int32Array(message.config.sent);
      const d = (door ??= new Door(message.config));
      d.server.once('error', (err: NodeJS.ErrnoException) => post({ type: 'listen-failed', code: err.code, message: err.message }));
      d.server.listen(message.port, message.config.host, () => {
        const address = d.server.address() as { address: string; family: string; port: number };
        d.hostPolicy.listeningOn(address.port);
        post({ type: 'listening', address: address.address, family: address.family, port: address.port });
      });
      break;
    }
    case 'serve':
      door?.serve();
      break;
    case 'close':
      door?.close();
      post({ type: 'closed' });
      break;
  }
});
