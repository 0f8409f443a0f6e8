// AWS's error answers for the Invoke API: the status, `x-amzn-ErrorType`, and a JSON body the AWS
// SDKs read (`Type`, `message`), with the emulator's own `error` and `reason` beside them.
import type { ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Redactor } from '../../domain/redact.js';
import { AppError, errorStatus, type ErrorReason } from '../../errors.js';

export class AwsApiError extends Error {
  constructor(
    readonly status: number,
    /** AWS's exception name, e.g. ResourceNotFoundException */
    readonly awsType: string,
    message: string,
    /** the emulator's reason, for the console routes and the body */
    readonly reason: ErrorReason,
  ) {
    super(message);
  }

  /** The same error for the console's routes, which answer in the emulator's shape. */
  toAppError(): AppError {
    return new AppError(this.reason, this.message);
  }
}

export const functionNotFound = (arn: string, reason: ErrorReason = 'project_not_found') =>
  new AwsApiError(404, 'ResourceNotFoundException', `Function not found: ${arn}`, reason);

/** What AWS calls the emulator's own refusals (keys, origins, Docker). */
const AWS_TYPE_OF_STATUS: Readonly<Record<number, string>> = {
  400: 'InvalidRequestContentException',
  401: 'UnrecognizedClientException',
  403: 'AccessDeniedException',
  404: 'ResourceNotFoundException',
  409: 'ResourceConflictException',
  413: 'RequestEntityTooLargeException',
  429: 'TooManyRequestsException',
};

export function toAwsError(err: unknown): AwsApiError {
  if (err instanceof AwsApiError) return err;
  if (err instanceof AppError) {
    const status = errorStatus[err.reason];
    return new AwsApiError(status, AWS_TYPE_OF_STATUS[status] ?? 'ServiceException', err.message, err.reason);
  }
  // body-parser's and the stream's own errors
  const type = (err as { type?: string }).type;
  if (type === 'entity.too.large')
    return new AwsApiError(
      413,
      'RequestEntityTooLargeException',
      'Request must be smaller than 6291456 bytes for the InvokeFunction operation',
      'payload_too_large',
    );
  if (type === 'request.aborted')
    return new AwsApiError(400, 'InvalidRequestContentException', 'the request body could not be read', 'bad_request');
  // the router's own 4xx (a path parameter that is not valid percent-encoded UTF-8)
  const status = (err as { status?: number }).status;
  if (status && status >= 400 && status < 500)
    return new AwsApiError(400, 'InvalidRequestContentException', 'the request could not be read', 'bad_request');
  return new AwsApiError(500, 'ServiceException', 'the emulator failed; see its output', 'internal_error');
}

export function sendAwsError(
  res: ServerResponse,
  err: AwsApiError,
  requestId: string = randomUUID(),
  close = false,
  /** masks secrets (the console token, API keys) in the message */
  redactor?: Pick<Redactor, 'text'>,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({
    Type: err.status >= 500 ? 'Service' : 'User',
    message: redactor ? redactor.text(err.message) : err.message,
    error: true,
    reason: err.reason,
  });
  res.writeHead(err.status, {
    'x-amzn-RequestId': requestId,
    'x-amzn-ErrorType': err.awsType,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...(close ? { connection: 'close' } : {}),
  });
  res.end(body);
}
