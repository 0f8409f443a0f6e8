// The CLI's side of the HTTP API: the server's URL and console token from server.json, JSON calls,
// and SSE log streams.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LogChunk } from '../contract/types.js';
import { readEventStream } from '../emulator/event-stream.js';

/**
 * A mistake of the user's or a refusal (exit code 2), not a failure of the tool. `reason` is the
 * API's reason code, `usage` for a command line the CLI cannot take, `no_server` when nothing answers.
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly reason = 'usage',
  ) {
    super(message);
  }
}

export interface Connection {
  readonly url: string;
  readonly token: string;
}

export async function connect(dataDir: string): Promise<Connection> {
  let text: string;
  try {
    text = await readFile(join(dataDir, 'server.json'), 'utf8');
  } catch {
    throw new CliError(
      `no server: run \`npm start\` (there is no server.json in ${dataDir}), or pass the --data-dir of a running one`,
      'no_server',
    );
  }
  const info = JSON.parse(text) as { url: string; consoleToken: string };
  return { url: info.url, token: info.consoleToken };
}

/** An error answer of the API, with its reason code. */
export class ApiCallError extends CliError {
  constructor(
    readonly status: number,
    reason: string,
    /** the server's own message */
    readonly serverMessage: string,
  ) {
    super(`${serverMessage || reason} (${status} ${reason})`, reason);
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
    throw noServer(conn);
  }
  const parsed = (await res.json().catch(() => ({}))) as T & { error?: boolean; reason?: string; message?: string };
  if (!res.ok) throw new ApiCallError(res.status, parsed.reason ?? 'unknown', parsed.message ?? '');
  return parsed;
}

/** server.json names a server that no longer answers. */
function noServer(conn: Connection): CliError {
  return new CliError(
    `no server at ${conn.url}: run \`npm start\` (server.json is left from one that has stopped)`,
    'no_server',
  );
}

/** Writes a chunk as the program wrote it; the emulator's own lines start with `»`. */
export function writeChunk(chunk: LogChunk): void {
  (chunk.stream === 'stderr' ? process.stderr : process.stdout).write(
    chunk.stream === 'system' ? `» ${chunk.data}` : chunk.data,
  );
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
export async function followLog(
  conn: Connection,
  path: string,
  options: FollowOptions = {},
): Promise<Record<string, unknown> | null> {
  const onChunk = options.onChunk ?? writeChunk;
  let res: Response;
  try {
    res = await fetch(conn.url + path, { headers: { authorization: `Bearer ${conn.token}` }, signal: options.signal });
  } catch {
    if (options.signal?.aborted) return null;
    throw noServer(conn);
  }
  if (!res.ok || !res.body) {
    const body = (await res.json().catch(() => ({}))) as { reason?: string; message?: string };
    throw new ApiCallError(res.status, body.reason ?? 'unknown', body.message ?? 'cannot follow the log');
  }
  try {
    for await (const event of readEventStream(res.body)) {
      if (event.type === 'log') onChunk(JSON.parse(event.data) as LogChunk);
      else if (event.type === 'end') return JSON.parse(event.data) as Record<string, unknown>;
    }
  } catch (err) {
    if (options.signal?.aborted) return null;
    throw err;
  }
  return null;
}
