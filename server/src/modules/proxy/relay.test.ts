import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { OpenCalls, type DeadlineBound } from './relay.js';

const call = (): DeadlineBound => ({ onDeadline: () => {} });
const settled = async (p: Promise<void>) => await Promise.race([p.then(() => true), sleep(20).then(() => false)]);

test("whenIdle resolves when a run's last open call leaves, not before", async () => {
  const open = new OpenCalls();
  await open.whenIdle('unknown');
  const calls = open.of('run', 60_000);
  const [a, b] = [call(), call()];
  calls.add(a);
  calls.add(b);
  const idle = open.whenIdle('run');
  calls.delete(a);
  assert.equal(await settled(idle), false);
  calls.delete(b);
  assert.equal(await settled(idle), true);
  await open.whenIdle('run');
  open.close();
});

test('whenIdle resolves at the deadline and at close, even with calls still open', async () => {
  const open = new OpenCalls();
  open.of('short', 30).add(call());
  open.of('long', 60_000).add(call());
  const atDeadline = open.whenIdle('short');
  const atClose = open.whenIdle('long');
  assert.equal(await settled(atDeadline), false);
  await sleep(40);
  assert.equal(await settled(atDeadline), true);
  assert.equal(await settled(atClose), false);
  open.close();
  assert.equal(await settled(atClose), true);
});
