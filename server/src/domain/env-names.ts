// The rules for a project's environment: which names a user may set, and how much.
import { AppError } from '../errors.js';

export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const MAX_ENV_ENTRIES = 200;
export const MAX_ENV_VALUE_BYTES = 32 * 1024;

/**
 * Names the emulator sets in a run or an AWS Lambda mode function itself: a user's value would be
 * overwritten, so it is refused up front. AWS's own reserved list is the model (TZ and LANG are
 * defaults there that a function may change, and so they are here).
 */
export const RESERVED_ENV_NAMES: ReadonlySet<string> = new Set([
  'PORT',
  'LAMBDA_RUN_UUID',
  'LAMBDA_PROJECT_UUID',
  'SWIFT_BACKTRACE',
  'SWIFTLAMBDA_API_URL',
  'AWS_LAMBDA_RUNTIME_API',
  '_HANDLER',
  '_X_AMZN_TRACE_ID',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
]);

/** Throws `invalid_environment` or `reserved_env_name` for a name a user may not set. */
export function checkEnvName(name: string): void {
  if (!ENV_NAME.test(name) || name.length > 256)
    throw new AppError(
      'invalid_environment',
      `"${name.slice(0, 64)}" is not a valid variable name (letters, digits and _, not starting with a digit)`,
    );
  if (RESERVED_ENV_NAMES.has(name))
    throw new AppError('reserved_env_name', `${name} is set by the emulator itself and cannot be changed`);
}

/** Checks a value's size; `what` names it in the message (never the value itself). */
export function checkEnvValue(name: string, value: string, reason: 'invalid_environment' | 'invalid_secret'): void {
  if (Buffer.byteLength(value) > MAX_ENV_VALUE_BYTES)
    throw new AppError(reason, `the value of ${name} is longer than ${MAX_ENV_VALUE_BYTES} bytes`);
  if (value.includes('\0')) throw new AppError(reason, `the value of ${name} contains a NUL character`);
}

/** Validates a whole `environment` object: names, reserved names, count and value sizes. */
export function checkEnvironment(env: Readonly<Record<string, string>>): void {
  const names = Object.keys(env);
  if (names.length > MAX_ENV_ENTRIES)
    throw new AppError('invalid_environment', `at most ${MAX_ENV_ENTRIES} variables (got ${names.length})`);
  for (const name of names) {
    checkEnvName(name);
    checkEnvValue(name, env[name]!, 'invalid_environment');
  }
}
