import type { IncomingMessage } from 'node:http';

/** Reads a request body of at most `max` bytes; null when it is larger (the rest is left unread). */
export async function readBodyUpTo(req: IncomingMessage, max: number): Promise<Buffer | null> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > max) return null;
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) return null;
    parts.push(chunk);
  }
  return Buffer.concat(parts, size);
}
