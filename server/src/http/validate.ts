import type { z } from 'zod';
import { AppError, type ErrorReason } from '../errors.js';

/**
 * Parses a request body with a zod schema; the first problem becomes an AppError with the reason
 * mapped from the offending field (`unknown_field` for fields the schema does not know).
 */
export function parseBody<T>(
  schema: z.ZodType<T>,
  body: unknown,
  reasons: Readonly<Record<string, ErrorReason>>,
  fallback: ErrorReason = 'invalid_body',
): T {
  const value = body === undefined ? {} : body;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new AppError('invalid_body', 'the request body must be a JSON object');
  }
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    throw new AppError('unknown_field', `unknown field(s): ${issue.keys.join(', ')}`);
  }
  const field = String(issue.path[0] ?? '');
  throw new AppError(reasons[field] ?? fallback, `${field || 'body'}: ${issue.message}`);
}

/** An optional integer query parameter; absent gives `fallback`, garbage gives `reason`. */
export function intQuery(value: unknown, fallback: number, reason: ErrorReason, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !/^-?\d{1,15}$/.test(value)) {
    throw new AppError(reason, `${name} must be an integer`);
  }
  return Number(value);
}
