import type { ServerResponse } from 'node:http';
import { redactSecrets, type Redactor } from '../domain/redact.js';
import { errorStatus, type ErrorReason } from '../errors.js';

export interface ErrorAnswerOptions {
  /** close the connection after the answer (a request whose framing or host cannot be trusted) */
  readonly close?: boolean;
  /** the console token, redacted from the message with every API key */
  readonly consoleToken?: string;
  /** masks every known secret from the message (used instead of consoleToken when given) */
  readonly redactor?: Redactor;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * The one writer of the `{ "error": true, "reason", "message" }` answer, for Express routes,
 * the proxy and the guards alike. Once an answer has begun, the connection is cut instead.
 */
export function sendError(
  res: ServerResponse,
  reason: ErrorReason,
  message: string = reason,
  options: ErrorAnswerOptions = {},
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const masked = options.redactor ? options.redactor.text(message) : redactSecrets(message, options.consoleToken ?? '');
  const body = JSON.stringify({ error: true, reason, message: masked });
  res.writeHead(errorStatus[reason], {
    ...options.headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    ...(options.close ? { connection: 'close' } : {}),
  });
  res.end(body);
}
