import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, errorStatus } from '../errors.js';

const KEY_LIKE = /slk_[0-9A-Za-z]{8,}/g;

/** Messages may quote what the caller sent (an id, a path): keys and the console token never. */
export function redactSecrets(text: string, consoleToken: string): string {
  let out = text.replace(KEY_LIKE, 'slk_[redacted]');
  if (consoleToken) out = out.split(consoleToken).join('[redacted]');
  return out;
}

/** Maps every error to the seed's `{ error: true, reason }` body; never leaks a stack or a secret. */
export function errorMiddleware(log: (line: string) => void, consoleToken = ''): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    let status: number;
    let body: { error: true; reason: string; message?: string };
    if (err instanceof AppError) {
      status = errorStatus[err.reason];
      body = { error: true, reason: err.reason, message: redactSecrets(err.message, consoleToken) };
    } else {
      const type = (err as { type?: string }).type;
      if (type === 'entity.parse.failed') {
        status = 400;
        body = { error: true, reason: 'invalid_json', message: 'the request body is not valid JSON' };
      } else if (type === 'entity.too.large') {
        status = 413;
        body = { error: true, reason: 'payload_too_large', message: 'the request body is too large' };
      } else if (type === 'encoding.unsupported' || type === 'charset.unsupported' || type === 'request.aborted' || type === 'stream.encoding.set') {
        status = 400;
        body = { error: true, reason: 'bad_request', message: 'the request body could not be read' };
      } else if ((err as { status?: number }).status && (err as { status: number }).status < 500) {
        status = (err as { status: number }).status;
        body = { error: true, reason: 'bad_request' };
      } else {
        status = 500;
        body = { error: true, reason: 'internal_error', message: 'the emulator failed; see its output' };
        log(redactSecrets(`internal error: ${err instanceof Error ? err.stack ?? err.message : String(err)}`, consoleToken));
      }
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.status(status).json(body);
  };
}

export const notFoundHandler: RequestHandler = (_req, res) => {
  res.status(404).json({ error: true, reason: 'not_found', message: 'no such route' });
};
