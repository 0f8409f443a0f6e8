// The front door's worker: owns the public port. Calls to a running service whose caller is let
// in are answered here; every other request goes on to the main thread (see front-door.ts).
import http, { type IncomingHttpHeaders } from 'node:http';
import { parentPort } from 'node:worker_threads';
import { HostPolicy, hostRefusalMessage, writeGuardError } from '../http/request-guards.js';
import { authorizePublicCaller } from '../http/public-auth.js';
import { ConsoleAuth } from '../modules/console/console-auth.js';
import { authorizeKeyForProject, KeyMatcher, LAST_USED_WRITE_INTERVAL_S, type KeyAuthority, type MatchableKey } from '../modules/keys/key-matcher.js';
import { InstanceUpstream, matchInstancePath, sendProxyError, type InstanceTarget } from '../modules/proxy/instance-proxy.js';
import { FastLane, interceptConnections } from './fast-lane.js';
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

const KEEP_ALIVE_TIMEOUT_MS = 65_000;
/** Node's own defaults for its server (`headersTimeout`, `requestTimeout`), kept by the fast lane */
const HEADERS_TIMEOUT_MS = 60_000;
const REQUEST_TIMEOUT_MS = 300_000;

/**
 * What serves the port, made on the first `listen` (the thread starts before the server knows it).
 * Connections start in the fast lane (fast-lane.ts), which reads plain requests itself; a
 * connection that sends anything else goes to Node's HTTP server here. Either way, calls to
 * running services whose caller is let in go to the container from this thread, and the rest to
 * the main thread.
 */
class Door {
  private readonly consoleAuth: ConsoleAuth;
  private readonly upstream: InstanceUpstream;
  private readonly mainHop: MainHop;
  readonly hostPolicy: HostPolicy;
  readonly server: http.Server;
  readonly lane: FastLane | null;
  private serving = false;
  private early: Array<() => void> = [];

  constructor(config: FrontDoorConfig) {
    this.consoleAuth = new ConsoleAuth(config.consoleToken);
    this.upstream = new InstanceUpstream(config.sessionCookie, config.maxBodyBytes);
    this.mainHop = new MainHop(config.socketPath, caughtUp);
    this.hostPolicy = new HostPolicy(config.host);
    this.server = http.createServer((req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
    this.server.on('upgrade', (req: http.IncomingMessage, socket, head: Buffer) => {
      socket.on('error', () => undefined);
      this.mainHop.tunnel(req, socket, head);
    });
    // before the main thread is ready, requests wait in Node's server (see handle)
    const toNode = interceptConnections(this.server, (socket) => (this.serving && this.lane ? this.lane.accept(socket) : toNode!(socket)));
    this.lane = !toNode ? null : new FastLane({
      // a foreign Host is refused by Node's side of the door, as before
      route: (head, clientIp) => (this.hostPolicy.check(head) === null ? (this.admit(head.url, head, clientIp) ?? 'main') : null),
      upstream: this.upstream,
      mainHop: this.mainHop,
      handOver: toNode,
      keepAliveTimeoutMs: KEEP_ALIVE_TIMEOUT_MS,
      headersTimeoutMs: HEADERS_TIMEOUT_MS,
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
      maxBodyBytes: config.maxBodyBytes,
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
    const target = this.admit(req.url ?? '', req, req.socket.remoteAddress ?? '');
    if (!target) return false;
    try {
      this.upstream.send(req, res, target);
    } catch (err) {
      sendProxyError(res, err);
    }
    return true;
  }

  /**
   * Where a call goes when the front door may send it to the container itself: a running service,
   * before its deadline, and a caller who is let in. Null for anything else: refusals (and their
   * exact reasons) are the main thread's business.
   */
  private admit(url: string, req: { readonly headers: IncomingHttpHeaders }, clientIp: string): InstanceTarget | null {
    const match = matchInstancePath(url);
    if (!match) return null;
    const route = routes.get(match.runId);
    if (!route) return null;
    const remainingMs = route.deadlineAt - now();
    if (remainingMs <= 0) return null;
    if (!route.publicAccess) {
      try {
        authorizePublicCaller(req, route.project, keyAuthority, this.consoleAuth);
      } catch {
        return null;
      }
    }
    return { runId: match.runId, hostPort: route.hostPort, rest: match.rest, remainingMs, clientIp };
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
    this.lane?.close();
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
    case 'stats':
      post({ type: 'stats', lane: door?.lane ? { ...door.lane.counts } : null });
      break;
    case 'close':
      door?.close();
      post({ type: 'closed' });
      break;
  }
});
