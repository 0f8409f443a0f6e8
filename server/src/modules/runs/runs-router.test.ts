import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppError } from '../../errors.js';
import { parseListQuery, parseStartRunBody } from './runs-router.js';

function reason(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return err.reason;
    throw err;
  }
  return 'ok';
}

test('mode must be oneShot or service', () => {
  assert.equal(
    reason(() => parseStartRunBody({})),
    'invalid_mode',
  );
  assert.equal(
    reason(() => parseStartRunBody({ mode: 'oneshot' })),
    'invalid_mode',
  );
  assert.equal(
    reason(() => parseStartRunBody([])),
    'invalid_mode',
  );
  assert.deepEqual(parseStartRunBody({ mode: 'service' }), { mode: 'service', arguments: [] });
});

test('arguments: at most 256 strings, each under 4 KiB, no NUL', () => {
  assert.equal(
    reason(() => parseStartRunBody({ mode: 'oneShot', arguments: 'x' })),
    'invalid_arguments',
  );
  assert.equal(
    reason(() => parseStartRunBody({ mode: 'oneShot', arguments: [1] })),
    'invalid_arguments',
  );
  assert.equal(
    reason(() => parseStartRunBody({ mode: 'oneShot', arguments: Array(257).fill('a') })),
    'invalid_arguments',
  );
  assert.equal(
    reason(() => parseStartRunBody({ mode: 'oneShot', arguments: ['a'.repeat(4096)] })),
    'invalid_arguments',
  );
  assert.equal(
    reason(() => parseStartRunBody({ mode: 'oneShot', arguments: ['a\u0000b'] })),
    'invalid_arguments',
  );
  assert.equal(
    parseStartRunBody({ mode: 'oneShot', arguments: Array(256).fill('a'.repeat(4095)) }).arguments.length,
    256,
  );
});

test('list query: limit defaults to 20, caps at 50; unknown states are refused', () => {
  assert.deepEqual(parseListQuery({}), { limit: 20, state: undefined });
  assert.deepEqual(parseListQuery({ limit: '500', state: 'timedOut' }), { limit: 50, state: 'timedOut' });
  assert.equal(
    reason(() => parseListQuery({ state: 'done' })),
    'invalid_state',
  );
  assert.equal(
    reason(() => parseListQuery({ limit: 'ten' })),
    'invalid_query',
  );
  assert.equal(
    reason(() => parseListQuery({ limit: '0' })),
    'invalid_query',
  );
});
