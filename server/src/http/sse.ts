import type { Request, Response } from 'express';
import type { LogChunk } from '../contract/types.js';

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
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.flushHeaders();
  let closed = false;
  let backlogDone = false;
  let ended = false;
  const queued: LogChunk[] = [];
  const send = (c: LogChunk) => {
    if (closed || c.sequence <= last) return;
    last = c.sequence;
    res.write(`id: ${c.sequence}\nevent: log\ndata: ${JSON.stringify(c)}\n\n`);
  };
  const finish = () => {
    if (closed) return;
    closed = true;
    res.write(`event: end\ndata: ${JSON.stringify(source.endInfo())}\n\n`);
    res.end();
  };
  const unsubscribe = source.subscribe({
    onChunk: (c) => (backlogDone ? send(c) : queued.push(c)),
    onEnd: () => {
      ended = true;
      if (backlogDone) void drainThenFinish();
    },
  });
  const heartbeat = setInterval(() => !closed && res.write(': keep-alive\n\n'), 15_000);
  const close = () => {
    closed = true;
    clearInterval(heartbeat);
    unsubscribe?.();
  };
  res.on('close', close);

  async function drain(): Promise<void> {
    for (;;) {
      const page = await source.read(last, 500);
      for (const c of page) send(c);
      if (page.length < 500 || closed) return;
    }
  }
  async function drainThenFinish(): Promise<void> {
    await drain();
    finish();
    close();
  }

  await drain();
  backlogDone = true;
  for (const c of queued) send(c);
  if (!unsubscribe || ended) await drainThenFinish();
  return () => {
    if (!closed) {
      closed = true;
      res.end();
    }
    close();
  };
}
