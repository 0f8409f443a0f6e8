import { STATUS_CODES, validateHeaderName, validateHeaderValue } from 'node:http';
import type { Socket } from 'node:net';
import { errorStatus, type ErrorReason } from '../../errors.js';
import { errorBody, type AnswerSink } from './relay.js';

/** The connection of a call that the front door's fast lane read itself (front-door/fast-lane.ts). */
export interface WireConnection {
  readonly socket: Socket;
  /** `Keep-Alive: timeout=` of error answers, as Node's server writes it */
  readonly keepAliveSeconds: number;
  /** the answer is complete; `close` when the connection closes after it */
  answered(close: boolean): void;
  /** `fn` runs if the client goes away before `answered` */
  onClientGone(fn: () => void): void;
}

/** Node's own checks of what `writeHead` writes: a reason phrase and headers it would refuse. */
function validHead(reason: string, headers: readonly string[]): boolean {
  try {
    validateHeaderValue('statusMessage', reason);
    for (let i = 0; i < headers.length; i += 2) {
      validateHeaderName(headers[i]!);
      validateHeaderValue(headers[i]!, headers[i + 1]!);
    }
    return true;
  } catch {
    return false;
  }
}

/**
 * An answer written straight onto a lane connection's socket, byte for byte as Node's
 * `ServerResponse` writes it on the other path (ResponseSink), for the relays' calls (`sendDate`
 * off, `connection` given): the status line, the headers as given, chunked framing when there is no
 * Content-Length and the answer has a body (not HEAD, 204 or 304), no trailers. Error answers are
 * the seed's body with Node's own `Connection` and `Keep-Alive`. The writes of one event leave in
 * one syscall.
 */
export class WireSink implements AnswerSink {
  private head: string | null = null;
  private composed = false;
  private done = false;
  private chunked = false;
  private close: boolean;
  private corked = false;
  private readonly uncorkSoon = () => this.uncork();

  constructor(
    private readonly connection: WireConnection,
    /** the request's method (a HEAD answer has no body) */
    private readonly method: string,
    /** the client asked to close after this answer */
    clientCloses: boolean,
  ) {
    this.close = clientCloses;
  }

  get headersSent(): boolean {
    return this.composed;
  }

  get destroyed(): boolean {
    return this.connection.socket.destroyed;
  }

  onClientGone(fn: () => void): void {
    this.connection.onClientGone(fn);
  }

  writeHead(statusCode: number, statusMessage: string | undefined, headers: string[], close: boolean): boolean {
    const reason = typeof statusMessage === 'string' ? statusMessage : (STATUS_CODES[statusCode] ?? 'unknown');
    if (!validHead(reason, headers)) return false;
    let head = `HTTP/1.1 ${statusCode} ${reason}\r\n`;
    let hasLength = false;
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i]!;
      const value = headers[i + 1]!;
      if (name.length === 14 && name.toLowerCase() === 'content-length') hasLength = true;
      head += `${name}: ${value}\r\n`;
    }
    this.close = close;
    head += close ? 'connection: close\r\n' : 'connection: keep-alive\r\n';
    this.chunked = !hasLength && this.method !== 'HEAD' && statusCode !== 204 && statusCode !== 304;
    if (this.chunked) head += 'Transfer-Encoding: chunked\r\n';
    this.head = `${head}\r\n`;
    this.composed = true;
    return true;
  }

  write(chunk: Buffer): boolean {
    const { socket } = this.connection;
    if (this.done || socket.destroyed) return true;
    if (chunk.length === 0) return !socket.writableNeedDrain;
    this.cork();
    this.flushHead();
    if (!this.chunked) return socket.write(chunk);
    socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
    socket.write(chunk);
    return socket.write('\r\n', 'latin1');
  }

  onceDrain(fn: () => void): void {
    this.connection.socket.once('drain', fn);
  }

  end(): void {
    if (this.done) return;
    this.done = true;
    if (this.connection.socket.destroyed) return;
    this.cork();
    this.flushHead();
    if (this.chunked) this.connection.socket.write('0\r\n\r\n', 'latin1');
    this.uncork();
    this.connection.answered(this.close);
  }

  fail(reason: ErrorReason, message: string): void {
    if (this.done) return;
    this.done = true;
    const { socket } = this.connection;
    if (this.composed) {
      socket.destroy();
      return;
    }
    const body = errorBody(reason, message);
    const status = errorStatus[reason];
    const connection = this.close ? 'Connection: close\r\n' : `Connection: keep-alive\r\nKeep-Alive: timeout=${this.connection.keepAliveSeconds}\r\n`;
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\n${connection}\r\n${body}`,
    );
    this.connection.answered(this.close);
  }

  private flushHead(): void {
    if (this.head === null) return;
    this.connection.socket.write(this.head, 'latin1');
    this.head = null;
  }

  private cork(): void {
    if (this.corked) return;
    this.corked = true;
    this.connection.socket.cork();
    process.nextTick(this.uncorkSoon);
  }

  private uncork(): void {
    if (!this.corked) return;
    this.corked = false;
    this.connection.socket.uncork();
  }
}
