import type { ErrorRequestHandler, RequestHandler } from 'express';
import { Redactor } from '../domain/redact.js';
import { AppError, isStorageFault, type ErrorReason } from '../errors.js';
import { sendError } from './error-response.js';

/** body-parser's error types, as reason codes (docs/api.md#reason-codes) */
const BODY_ERRORS: Readonly<Record<string, readonly [ErrorReason, string]>> = {
  'entity.parse.failed': ['invalid_json', 'the request body is not valid JSON'],
  'entity.too.large': ['payload_too_large', 'the request body is too large'],
  'encoding.unsupported': ['bad_request', 'the request body could not be read'],
  'charset.unsupported': ['bad_request', 'the request body could not be read'],
  'request.aborted': ['bad_request', 'the request body could not be read'],
  'stream.encoding.set': ['bad_request', 'the request body could not be read'],
};

/** Maps every error to the `{ error: true, reason }` body (docs/api.md#reason-codes); never leaks a stack or a secret. */
export function errorMiddleware(
  log: (line: string) => void,
  secrets: Redactor | string = '',
  dataDir = 'the data dir',
): ErrorRequestHandler {
  const redactor = typeof secrets === 'string' ? new Redactor(secrets) : secrets;
  return (err: unknown, _req, res, _next) => {
    if (err instanceof AppError) return sendError(res, err.reason, err.message, { redactor });
    // a write no service turned into its own 507 (a full disk is never a 500)
    if (isStorageFault(err)) {
      log(`could not write in the data dir: ${err.message}`);
      return sendError(res, 'insufficient_storage', `could not write in the data dir ${dataDir} (${err.code})`);
    }
    const known = BODY_ERRORS[(err as { type?: string }).type ?? ''];
    if (known) return sendError(res, known[0], known[1]);
    const status = (err as { status?: number }).status;
    if (status && status >= 400 && status < 500) return sendError(res, 'bad_request', 'the request could not be read');
    log(redactor.text(`internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`));
    sendError(res, 'internal_error', 'the emulator failed; see its output');
  };
}

export const notFoundHandler: RequestHandler = (_req, res) => {
  sendError(res, 'not_found', 'no such route');
};
