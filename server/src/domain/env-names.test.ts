import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppError } from '../errors.js';
import { checkEnvironment, MAX_ENV_ENTRIES, MAX_ENV_VALUE_BYTES } from './env-names.js';

function reasonOf(env: Record<string, string>): string | null {
  try {
    checkEnvironment(env);
    return null;
  } catch (err) {
    assert.ok(err instanceof AppError);
    return err.reason;
  }
}

test('names: letters, digits and _, not starting with a digit', () => {
  assert.equal(reasonOf({ DATABASE_URL: 'x', _private: 'y', a1: '' }), null);
  assert.equal(reasonOf({ '1BAD': 'x' }), 'invalid_environment');
  assert.equal(reasonOf({ 'A-B': 'x' }), 'invalid_environment');
  assert.equal(reasonOf({ '': 'x' }), 'invalid_environment');
});

test("the emulator's own names are reserved", () => {
  for (const name of ['PORT', 'LAMBDA_RUN_UUID', 'AWS_LAMBDA_RUNTIME_API', '_HANDLER', 'AWS_REGION'])
    assert.equal(reasonOf({ [name]: '1' }), 'reserved_env_name', name);
  // AWS lets a function change these defaults
  assert.equal(reasonOf({ TZ: 'Europe/Paris', LANG: 'C.UTF-8' }), null);
});

test('at most 200 entries, values up to 32 KiB', () => {
  const many = Object.fromEntries(Array.from({ length: MAX_ENV_ENTRIES + 1 }, (_, i) => [`V${i}`, '']));
  assert.equal(reasonOf(many), 'invalid_environment');
  assert.equal(reasonOf({ BIG: 'x'.repeat(MAX_ENV_VALUE_BYTES) }), null);
  assert.equal(reasonOf({ BIG: 'x'.repeat(MAX_ENV_VALUE_BYTES + 1) }), 'invalid_environment');
});
