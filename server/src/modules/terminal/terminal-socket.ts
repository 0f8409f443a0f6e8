// GET /console/api/runs/{RUN_ID}/terminal: a WebSocket (the `ws` library) attached to a shell with
// a TTY in the run's container. Binary frames carry the terminal's bytes both ways; a text frame
// {"type":"resize","cols":N,"rows":N} resizes it; closing the socket hangs the shell up.
import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { DockerEngine, TerminalSize } from '../../adapters/docker/docker-engine.js';
import { AppError, errorMessage } from '../../errors.js';
import { sendError } from '../../http/error-response.js';
import type { ConsoleAuth } from '../callers/index.js';
import type { RunsService } from '../runs/index.js';

const PATH = /^\/console\/api\/runs\/([^/?]+)\/terminal(?:\?|$)/;
/** a terminal a person types into: frames past this are not keystrokes */
const MAX_FRAME_BYTES = 1024 * 1024;

export interface TerminalDeps {
  readonly runs: RunsService;
  readonly engine: DockerEngine;
  readonly consoleAuth: ConsoleAuth;
  /** whether an Origin header names the console's own origin */
  readonly isOwnOrigin: (origin: string) => boolean;
  readonly log: (line: string) => void;
}

/** Whether an upgrade request is for a run's terminal (the only upgrade the server accepts). */
export function isTerminalRequest(req: IncomingMessage): boolean {
  return req.method === 'GET' && PATH.test(req.url ?? '');
}

/** The size asked for in `?cols=&rows=`, within what a terminal can be; 80×24 otherwise. */
export function terminalSize(url: string): TerminalSize {
  const query = new URLSearchParams(url.split('?')[1] ?? '');
  const pick = (name: string, fallback: number) => {
    const n = Number(query.get(name));
    return Number.isInteger(n) && n >= 1 && n <= 1000 ? n : fallback;
  };
  return { cols: pick('cols', 80), rows: pick('rows', 24) };
}

/** A resize frame's size, or null for anything else. */
export function parseResize(text: string): TerminalSize | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const v = value as { type?: unknown; cols?: unknown; rows?: unknown };
  const ok = (n: unknown): n is number => Number.isInteger(n) && (n as number) >= 1 && (n as number) <= 1000;
  return v?.type === 'resize' && ok(v.cols) && ok(v.rows) ? { cols: v.cols, rows: v.rows } : null;
}

export class TerminalSockets {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });

  constructor(private readonly deps: TerminalDeps) {}

  /**
   * Answers an upgrade request for a run's terminal: refused ones get the API's error answer
   * (written by Node's own ServerResponse on the socket), accepted ones become a WebSocket.
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const runId = decodeURIComponent(PATH.exec(req.url ?? '')![1]!);
    let containerId: string;
    try {
      containerId = this.authorize(req, runId);
    } catch (err) {
      const res = new ServerResponse(req);
      res.assignSocket(socket as never);
      res.on('finish', () => socket.end());
      if (err instanceof AppError) sendError(res, err.reason, err.message, { close: true });
      else sendError(res, 'internal_error', 'the terminal could not be opened', { close: true });
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => void this.attach(ws, containerId, terminalSize(req.url!)));
  }

  /** Closes every open terminal (the server is closing). */
  close(): void {
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
  }

  private authorize(req: IncomingMessage, runId: string): string {
    const origin = req.headers.origin;
    if (origin !== undefined && !this.deps.isOwnOrigin(origin))
      throw new AppError('forbidden_origin', 'the terminal is open to the console only');
    if (!this.deps.consoleAuth.isConsoleRequest(req))
      throw new AppError('console_auth_required', 'the terminal needs the console token or the console session');
    const record = this.deps.runs.find(runId);
    if (!record) throw new AppError('run_not_found', `no run with id ${runId}`);
    if (record.run.state !== 'running' || !record.containerId)
      throw new AppError('instance_not_running', `run ${runId} is ${record.run.state}: a terminal needs a running run`);
    return record.containerId;
  }

  private async attach(ws: WebSocket, containerId: string, size: TerminalSize): Promise<void> {
    // what is typed while the shell starts is kept for it, not dropped
    const early: Array<{ bytes: Buffer; isBinary: boolean }> = [];
    let deliver = (bytes: Buffer, isBinary: boolean) => void early.push({ bytes, isBinary });
    ws.on('message', (data: RawData, isBinary: boolean) =>
      deliver(Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer), isBinary),
    );
    let session;
    try {
      session = await this.deps.engine.openShell(containerId, size);
    } catch (err) {
      ws.close(1011, `could not start a shell: ${errorMessage(err)}`.slice(0, 120));
      return;
    }
    if (ws.readyState !== ws.OPEN) return session.close();
    const { stream } = session;
    stream.on('data', (chunk: Buffer) => ws.send(chunk, { binary: true }));
    stream.on('end', () => ws.close(1000, 'the shell exited'));
    stream.on('error', () => ws.close(1011, 'the shell stream failed'));
    ws.on('close', () => session.close());
    ws.on('error', () => session.close());
    deliver = (bytes, isBinary) => {
      if (isBinary) {
        stream.write(bytes);
        return;
      }
      const next = parseResize(bytes.toString('utf8'));
      if (next) void session.resize(next).catch(() => undefined);
    };
    for (const { bytes, isBinary } of early.splice(0)) deliver(bytes, isBinary);
  }
}
