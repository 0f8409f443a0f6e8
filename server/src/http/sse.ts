import type { ServerResponse } from 'node:http';
import type { Request, Response } from 'express';
import type { LogChunk } from '../contract/types.js';

const HEARTBEAT_MS = 15_000;

/** One Server-Sent Events answer: the one place the server writes `text/event-stream`. */
export interface EventStream {
  /** true until the client goes away or `end()` is called */
  readonly open: boolean;
  /** one event; `data` is sent as JSON (one line: JSON.stringify escapes newlines) */
  send(event: string, data: unknown, id?: number): void;
  /** ends the answer (a no-op once closed) */
  end(): void;
  /** runs once when the stream closes, whichever side closed it */
  onClose(listener: () => void): void;
}

/** Starts an event stream: headers flushed at once, a comment every 15 s to keep proxies and clients from timing out. */
export function openEventStream(res: ServerResponse, options: { retryMs?: number } = {}): EventStream {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.flushHeaders();
  if (options.retryMs !== undefined) res.write(`retry: ${options.retryMs}\n\n`);
  let open = true;
  const listeners: Array<() => void> = [];
  const heartbeat = setInterval(() => open && res.write(': keep-alive\n\n'), HEARTBEAT_MS);
  const closed = () => {
    if (!open) return;
    open = false;
    clearInterval(heartbeat);
    for (const listener of listeners.splice(0)) listener();
  };
  res.on('close', closed);
  return {
    get open() {
      return open;
    },
    send(event, data, id) {
      if (!open) return;
      res.write(`${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    end() {
      if (!open) return;
      closed();
      res.end();
    },
    onClose(listener) {
      if (open) listeners.push(listener);
      else listener();
    },
  };
}

export interface SseLogSource {
  read(afterSequence: number, limit: number): Promise<LogChunk[]>;
  /** null when the log is no longer live (the stream ends after the backlog) */
  subscribe(listener: { onChunk(c: LogChunk): void; onEnd(): void }): (() => void) | null;
  /** sent as the `end` event's data */
  endInfo(): unknown;
}

/**
 * Streams a log as Server-Sent Events (an emulator extension): the backlog after `afterSequence`,
 * then each new chunk as it is written, then an `end` event when the run or build is over.
 * Each event's id is the chunk's sequence, so a reconnecting EventSource resumes where it was.
 */
export async function streamLogAsSse(
  req: Request,
  res: Response,
  afterSequence: number,
  source: SseLogSource,
): Promise<() => void> {
  const lastEventId = Number(req.headers['last-event-id']);
  let last = Number.isInteger(lastEventId) && lastEventId >= -1 ? Math.max(afterSequence, lastEventId) : afterSequence;
  const stream = openEventStream(res);
  let backlogDone = false;
  let ended = false;
  const queued: LogChunk[] = [];
  const send = (c: LogChunk) => {
    if (!stream.open || c.sequence <= last) return;
    last = c.sequence;
    stream.send('log', c, c.sequence);
  };
  const unsubscribe = source.subscribe({
    onChunk: (c) => (backlogDone ? send(c) : queued.push(c)),
    onEnd: () => {
      ended = true;
      if (backlogDone) void drainThenFinish();
    },
  });
  if (unsubscribe) stream.onClose(unsubscribe);

  async function drain(): Promise<void> {
    for (;;) {
      const page = await source.read(last, 500);
      for (const c of page) send(c);
      if (page.length < 500 || !stream.open) return;
    }
  }
  async function drainThenFinish(): Promise<void> {
    await drain();
    stream.send('end', source.endInfo());
    stream.end();
  }

  await drain();
  backlogDone = true;
  for (const c of queued) send(c);
  if (!unsubscribe || ended) await drainThenFinish();
  return () => stream.end();
}
