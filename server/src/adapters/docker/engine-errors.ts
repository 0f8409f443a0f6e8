import { AppError } from '../../errors.js';

/** Errors that mean the engine itself cannot be reached (socket missing, refused, reset, unreachable). */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ENOENT',
  'EACCES',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
]);

export function statusCodeOf(err: unknown): number | undefined {
  return (err as { statusCode?: number }).statusCode;
}

export function isConnectionError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code !== undefined && CONNECTION_CODES.has(code);
}

/** Engine unreachable → AppError('docker_unavailable'); anything else passes through. */
export function mapEngineError(err: unknown): never {
  if (isConnectionError(err)) {
    throw new AppError(
      'docker_unavailable',
      `the Docker engine is not reachable (${(err as NodeJS.ErrnoException).code}); start Docker and try again`,
    );
  }
  throw err;
}

/**
 * One engine call: an answer whose HTTP status is a key of `answers` gives that value instead of
 * an error (a 404 for "already gone", a 304 for "already started"); an unreachable engine is
 * `docker_unavailable`; any other error passes through.
 */
export async function engineCall<T>(work: () => Promise<T>, answers: Readonly<Record<number, T>> = {}): Promise<T> {
  try {
    return await work();
  } catch (err) {
    const status = statusCodeOf(err);
    if (status !== undefined && Object.hasOwn(answers, status)) return answers[status] as T;
    return mapEngineError(err);
  }
}
