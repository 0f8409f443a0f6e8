import { z } from 'zod';
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

/** An integer query parameter (`-?\d{1,15}`), `min` or more: a field of a query schema. */
export function queryInt(name: string, min = Number.MIN_SAFE_INTEGER) {
  return z
    .string()
    .regex(/^-?\d{1,15}$/, `${name} must be an integer`)
    .transform(Number)
    .refine((n) => n >= min, `${name} must be ${min} or more`);
}

/** Reads a request's query with a zod schema; a problem is `invalid_query` unless `reasons` names its field. */
export function parseQuery<T>(
  schema: z.ZodType<T>,
  query: unknown,
  reasons: Readonly<Record<string, ErrorReason>> = {},
): T {
  return parseBody(schema, query, reasons, 'invalid_query');
}
