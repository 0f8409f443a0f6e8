// Reading a schedule's cron expression and time zone: croner parses and computes firings; this
// file only restricts it to what the console documents (five fields or an @name).
import { Cron } from 'croner';
import { AppError } from '../../errors.js';

const NAMES = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);

/** The machine's own time zone, the default of a schedule that names none. */
export function machineTimezone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** 400 `invalid_timezone` unless `timezone` is an IANA zone this Node knows. */
export function checkTimezone(timezone: string): string {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: timezone }).resolvedOptions().timeZone;
  } catch {
    throw new AppError('invalid_timezone', `unknown time zone "${timezone}" (an IANA name such as Europe/Berlin)`);
  }
}

/** 400 `invalid_cron` unless `expression` is five cron fields or an @name that ever fires. */
export function checkCron(expression: string, timezone: string): string {
  const trimmed = expression.trim().replace(/\s+/g, ' ');
  const isName = trimmed.startsWith('@');
  if (isName ? !NAMES.has(trimmed.toLowerCase()) : trimmed.split(' ').length !== 5) {
    throw new AppError(
      'invalid_cron',
      `"${expression}" is not a cron expression: five fields (minute hour day-of-month month day-of-week) or one of ${[...NAMES].join(', ')}`,
    );
  }
  let next: Date | null;
  try {
    next = new Cron(trimmed, { timezone, paused: true }).nextRun();
  } catch (err) {
    throw new AppError('invalid_cron', `"${expression}": ${(err as Error).message}`);
  }
  if (!next) throw new AppError('invalid_cron', `"${expression}" never fires`);
  return isName ? trimmed.toLowerCase() : trimmed;
}

/** Calls `fire` at each firing of the expression until `stop()`; missed firings are not made up. */
export function armCron(expression: string, timezone: string, fire: () => void): Cron {
  return new Cron(expression, { timezone, protect: true, catch: true, unref: true }, fire);
}
