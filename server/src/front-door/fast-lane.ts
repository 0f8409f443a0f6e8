// The front door's fast lane: the public port's connections, read without Node's HTTP server.
import type http from 'node:http';
import type { Socket } from 'node:net';
import type { InstanceTarget, InstanceUpstream } from '../modules/proxy/instance-proxy.js';
import type { WireConnection } from '../modules/proxy/wire-sink.js';
import type { MainHop } from './main-hop.js';
import type { FrontDoorStats } from './protocol.js';
import { readRequestHead, type RequestHead } from './request-head.js';

export interface FastLaneOptions {
  /**
   * Where a request the lane has read goes: the container of a running service whose caller is
   * let in (its target), the main thread (`main`), or, with its connection, Node's HTTP server
   * (null: for a request the front door itself refuses, such as a foreign Host).
   */
  readonly route: (head: RequestHead, clientIp: string) => InstanceTarget | 'main' | null;
  readonly upstream: Pick<InstanceUpstream, 'sendRead'>;
  readonly mainHop: Pick<MainHop, 'relayRead'>;
  /** Node's HTTP server takes the connection, for good, from the first byte the lane has not used */
  readonly handOver: (socket: Socket) => void;
  /** an idle connection is closed after this long, as Node's server does (`keepAliveTimeout`) */
  readonly keepAliveTimeoutMs: number;
  /** a head, and a whole request, must have arrived within these, or Node's 408 is the answer */
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  /** the proxy's body limit: a larger call goes to Node's server, which answers 413 */
  readonly maxBodyBytes: number;
}

/** the most a request (head and body) or pipelined bytes may take in memory before Node reads it */
export const MAX_HELD_BYTES = 1024 * 1024;
/**
 * the most reads a request may come in: each read is joined to what is held, so a request dripped
 * in tiny pieces would cost copies that grow with the square of its size; Node's parser, which
 * reads incrementally, takes such a connection instead
 */
export const MAX_PIECES = 32;
/** what Node's server writes when a request does not arrive in time */
const REQUEST_TIMEOUT_ANSWER = 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n';

/**
 * Every connection to the public port starts here, and stays while its requests are plain
 * HTTP/1.1 (one of the seed's methods, a Content-Length body of at most 1 MiB or none, nothing
 * in the head the lane does not take: see request-head.ts). The lane reads each one itself and
 * sends it on: a call to a running service whose caller is let in straight to the container, any
 * other request to the main thread, unchanged; answers go back byte for byte as Node's server
 * writes them on the other path, in the order of the requests. At the first request that is not
 * plain (an odd or hostile shape, a streamed or chunked upload, an upgrade, `Expect`, HTTP/1.0,
 * a foreign Host…) the connection goes to Node's HTTP server with every byte not yet used, and
 * stays there: so whatever is not plain keeps Node's own parsing and answers.
 *
 * Why: through Node's HTTP server each call costs an `IncomingMessage`, a `ServerResponse` and
 * their stream machinery; here it costs a head parse and one socket write each way (a quarter to a
 * third less of the front door's CPU a proxied call: docs/benchmarks.md, figure 3).
 */
export class FastLane {
  private readonly connections = new Set<LaneConnection>();
  private readonly sweep: NodeJS.Timeout;
  /** calls the lane sent to containers, requests it sent to the main thread, connections given to Node */
  readonly counts: { -readonly [K in keyof FrontDoorStats]: number } = { proxied: 0, relayed: 0, handedOver: 0 };

  constructor(readonly options: FastLaneOptions) {
    const every = Math.min(5000, options.keepAliveTimeoutMs, options.headersTimeoutMs) / 2;
    this.sweep = setInterval(() => this.closeStale(), every).unref();
  }

  accept(socket: Socket): void {
    this.connections.add(new LaneConnection(socket, this));
  }

  /** @internal */
  forget(connection: LaneConnection): void {
    this.connections.delete(connection);
  }

  /** Idle connections past the keep-alive timeout close; requests that never complete get Node's 408. */
  private closeStale(): void {
    const now = Date.now();
    for (const c of this.connections) c.closeIfStale(now);
  }

  close(): void {
    clearInterval(this.sweep);
    for (const c of this.connections) c.socket.destroy();
    this.connections.clear();
  }
}

class LaneConnection implements WireConnection {
  private buffer: Buffer | null = null;
  /** how many reads the held bytes came in */
  private pieces = 0;
  /** an answer is being written */
  private busy = false;
  private clientGone: (() => void) | null = null;
  /**
   * When the connection last had nothing to do (no bytes held), or when the request now arriving
   * began (bytes held): what the keep-alive, headers and request timeouts count from, as in Node.
   */
  private since = Date.now();
  /** the held request's head is all here (its body is not yet) */
  private headArrived = false;
  readonly keepAliveSeconds: number;
  private readonly onData = (chunk: Buffer) => this.received(chunk);
  private readonly onEnd = () => this.clientEnded();
  private readonly onClose = () => this.closed();
  private readonly onError = () => undefined;

  constructor(
    readonly socket: Socket,
    private readonly lane: FastLane,
  ) {
    this.keepAliveSeconds = Math.floor(lane.options.keepAliveTimeoutMs / 1000);
    socket.setNoDelay(true);
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('close', this.onClose);
    socket.on('error', this.onError);
  }

  private received(chunk: Buffer): void {
    if (this.buffer === null && !this.busy) this.since = Date.now();
    this.buffer = this.buffer === null ? chunk : Buffer.concat([this.buffer, chunk]);
    this.pieces++;
    if (this.busy) {
      if (this.buffer.length > MAX_HELD_BYTES || this.pieces > MAX_PIECES) this.socket.pause();
      return;
    }
    if (this.pieces > MAX_PIECES) return this.handOver();
    this.next();
  }

  /** Reads the next request, if all of it is here, and sends it on; or hands the connection over. */
  private next(): void {
    const buffer = this.buffer;
    this.headArrived = false;
    if (buffer === null) return;
    const head = readRequestHead(buffer);
    if (head === 'declined') return this.handOver();
    if (head === 'incomplete') return;
    const end = head.headLength + head.contentLength;
    if (end > MAX_HELD_BYTES) return this.handOver();
    this.headArrived = true;
    if (end > buffer.length) return;
    const route = this.lane.options.route(head, this.socket.remoteAddress ?? '');
    if (route === null || (route !== 'main' && head.contentLength > this.lane.options.maxBodyBytes)) return this.handOver();
    const body = head.contentLength > 0 ? buffer.subarray(head.headLength, end) : null;
    this.buffer = end === buffer.length ? null : buffer.subarray(end);
    this.pieces = this.buffer === null ? 0 : 1;
    this.busy = true;
    if (route === 'main') {
      this.lane.counts.relayed++;
      this.lane.options.mainHop.relayRead(head, body, this);
    } else {
      this.lane.counts.proxied++;
      this.lane.options.upstream.sendRead(head, body, route, this);
    }
  }

  closeIfStale(now: number): void {
    if (this.busy) return;
    const { keepAliveTimeoutMs, headersTimeoutMs, requestTimeoutMs } = this.lane.options;
    const limit = this.buffer === null ? keepAliveTimeoutMs : this.headArrived ? requestTimeoutMs : headersTimeoutMs;
    if (now - this.since <= limit) return;
    this.detach();
    if (this.buffer === null) this.socket.destroy();
    else this.socket.end(REQUEST_TIMEOUT_ANSWER, 'latin1');
  }

  onClientGone(fn: () => void): void {
    this.clientGone = fn;
  }

  answered(close: boolean): void {
    this.busy = false;
    this.clientGone = null;
    this.since = Date.now();
    if (close) {
      this.detach();
      this.socket.end();
      return;
    }
    if (this.socket.isPaused()) this.socket.resume();
    this.next();
  }

  /**
   * Node's HTTP server takes the connection with the bytes not used yet. Only between answers, so
   * that answers leave in the order of their requests.
   */
  private handOver(): void {
    this.detach();
    this.lane.counts.handedOver++;
    const { socket } = this;
    socket.pause();
    if (this.buffer) socket.unshift(this.buffer);
    this.buffer = null;
    this.lane.options.handOver(socket);
    socket.resume();
  }

  private detach(): void {
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    this.socket.off('close', this.onClose);
    this.socket.off('error', this.onError);
    this.lane.forget(this);
  }

  /**
   * The client has closed its side. As Node's server does (`httpAllowHalfOpen` off), the
   * connection ends now: an answer still on its way is not written, and its upstream call stops.
   */
  private clientEnded(): void {
    this.closed();
    this.socket.end();
  }

  private closed(): void {
    const gone = this.clientGone;
    this.clientGone = null;
    this.detach();
    gone?.();
  }
}

/**
 * Takes over the connections of an `http.Server`: `onConnection` gets each accepted socket, and the
 * returned function gives one to Node's own handling. Null when the server is not as Node builds
 * it (exactly one `connection` listener, its own); then nothing is changed and Node serves it all.
 */
export function interceptConnections(server: http.Server, onConnection: (socket: Socket) => void): ((socket: Socket) => void) | null {
  const listeners = server.listeners('connection');
  if (listeners.length !== 1) return null;
  const node = listeners[0] as (socket: Socket) => void;
  server.removeListener('connection', node);
  server.on('connection', onConnection);
  return (socket) => node.call(server, socket);
}
