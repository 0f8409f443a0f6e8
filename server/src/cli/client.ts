// The CLI's side of the HTTP API: the server's URL and console token from server.json, JSON calls,
// and SSE log streams.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LogChunk } from '../contract/types.js';

/** A mistake of the user's (exit code 2), not a failure of the tool. */
export class CliError extends Error {}

export interface Connection {
  readonly url: string;
  readonly token: string;
}

export async function connect(dataDir: string): Promise<Connection> {
  let text: string;
  try {
    text = await readFile(join(dataDir, 'server.json'), 'utf8');
  } catch {
    throw new CliError(`no server.json in ${dataDir}: start the server first (npm start) or pass --data-dir`);
  }
  const info = JSON.parse(text) as { url: string; consoleToken: string };
  return { url: info.url, token: info.consoleToken };
}

/** An error answer of the API, with its reason code. */
export class ApiCallError extends CliError {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export async function call<T>(conn: Connection, method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(conn.url + path, {
      method,
      headers: { authorization: `Bearer ${conn.token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new CliError(`cannot reach the server at ${conn.url}: is it running?`);
  }
  const parsed = (await res.json().catch(() => ({}))) as T & { error?: boolean; reason?: string; message?: string };
  if (!res.ok) throw new ApiCallError(res.status, parsed.reason ?? '', `${res.status} ${parsed.reason ?? ''}${parsed.message ? `: ${parsed.message}` : ''}`);
  return parsed;
}

/** Writes a chunk as the program wrote it; the emulator's own lines start with `»`. */
export function writeChunk(chunk: LogChunk): void {
  (chunk.stream === 'stderr' ? process.stderr : process.stdout).write(chunk.stream === 'system' ? `» ${chunk.data}` : chunk.data);
}

export interface FollowOptions {
  /** ends the stream early; followLog then resolves with null */
  readonly signal?: AbortSignal;
  readonly onChunk?: (chunk: LogChunk) => void;
}

/**
 * Follows an SSE log stream, handing each chunk to `onChunk` (default: stdout/stderr); resolves
 * with the end event's data, or null when aborted or cut off before the end.
 */
export async function followLog(conn: Connection, path: string, options: FollowOptions = {}): Promise<Record<string, unknown> | null> {
  const onChunk = options.onChunk ?? writeChunk;
  let res: Response;
  try {
    res = await fetch(conn.url + path, { headers: { authorization: `Bearer ${conn.token}` }, signal: options.signal });
  } catch (err) {
    if (options.signal?.aborted) return null;
    throw new CliError(`cannot follow the log: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!res.ok || !res.body) throw new CliError(`cannot follow the log: ${res.status}`);
  const decoder = new TextDecoder();
  let buffered = '';
  try {
    for await (const piece of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffered += decoder.decode(piece, { stream: true });
      let sep: number;
      while ((sep = buffered.indexOf('\n\n')) >= 0) {
        const event = buffered.slice(0, sep);
        buffered = buffered.slice(sep + 2);
        const type = /^event: (.*)$/m.exec(event)?.[1];
        const data = /^data: (.*)$/m.exec(event)?.[1];
        if (!data) continue;
        if (type === 'log') onChunk(JSON.parse(data) as LogChunk);
        else if (type === 'end') return JSON.parse(data) as Record<string, unknown>;
      }
    }
  } catch (err) {
    if (options.signal?.aborted) return null;
    throw err;
  }
  return null;
}
