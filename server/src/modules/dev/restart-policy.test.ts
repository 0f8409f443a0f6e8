import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RESTART_LIMIT, RESTART_WINDOW_MS, RestartPolicy, restartDelayMs } from './restart-policy.js';

test('restarts wait 1, 2, 4 … seconds, never more than 30', () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 20].map(restartDelayMs), [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
});

test('the fifth crash within two minutes gives up; a reset starts afresh', () => {
  const policy = new RestartPolicy();
  const delays = [0, 1, 2, 3].map((i) => policy.crashed(i * 10_000));
  assert.deepEqual(delays, [1000, 2000, 4000, 8000]);
  assert.equal(policy.stopped, false);
  assert.equal(policy.crashed(40_000), null);
  assert.equal(policy.stopped, true);
  assert.equal(policy.failures(40_000), RESTART_LIMIT);
  policy.reset();
  assert.deepEqual([policy.stopped, policy.failures(40_000), policy.crashed(41_000)], [false, 0, 1000]);
});

test('crashes older than the window do not count', () => {
  const policy = new RestartPolicy();
  for (let i = 0; i < RESTART_LIMIT - 1; i++) policy.crashed(i);
  // the first four are over two minutes old: this one is the first in the window
  assert.equal(policy.crashed(RESTART_WINDOW_MS + 10), 1000);
  assert.equal(policy.stopped, false);
});
