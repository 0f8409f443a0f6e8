import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ContainerState, ContainerStatus } from '../../adapters/docker/docker-engine.js';
import type { RunRecord } from '../../domain/records.js';
import { planRecovery } from './reconcile.js';

const CREATED_S = 1_700_000_000;
const TIMEOUT_S = 60;
const BEFORE_DEADLINE = (CREATED_S + 10) * 1000;
const AFTER_DEADLINE = (CREATED_S + TIMEOUT_S + 1) * 1000;

function record(fields: Partial<RunRecord> = {}): RunRecord {
  return {
    run: {
      uuid: 'r',
      state: 'queued',
      phase: 'starting',
      created: CREATED_S,
      runTimeoutSeconds: TIMEOUT_S,
      mode: 'oneShot',
    } as RunRecord['run'],
    jobId: 'j',
    containerId: null,
    memoryLimitMb: 512,
    pidsLimit: 256,
    binaryFile: '/b',
    stopRequested: false,
    startedAtMs: null,
    ...fields,
  };
}

function container(state: ContainerState, startedAtMs: number | null): ContainerStatus {
  const ended = state === 'exited' || state === 'dead';
  return {
    id: 'c',
    state,
    running: state === 'running',
    exitCode: ended ? 0 : null,
    oomKilled: false,
    hostPort: null,
    startedAtMs,
    finishedAtMs: ended ? startedAtMs! + 5 : null,
    labels: {},
  };
}

test('a container that has started is re-attached, whatever the record says', { timeout: 5000 }, () => {
  for (const state of ['running', 'exited', 'dead'] as const) {
    const c = container(state, CREATED_S * 1000 + 200);
    assert.deepEqual(planRecovery(record(), c, AFTER_DEADLINE), { kind: 'reattach', container: c });
    assert.deepEqual(planRecovery(record({ stopRequested: true }), c, BEFORE_DEADLINE), {
      kind: 'reattach',
      container: c,
    });
  }
});

test(
  'a created container that never started is started before the deadline, failed after it',
  { timeout: 5000 },
  () => {
    const c = container('created', null);
    assert.deepEqual(planRecovery(record({ containerId: 'c' }), c, BEFORE_DEADLINE), { kind: 'start', container: c });
    const late = planRecovery(record({ containerId: 'c' }), c, AFTER_DEADLINE);
    assert.equal(late.kind === 'end' && late.state, 'failed');
    assert.match(
      late.kind === 'end' ? (late.reason ?? '') : '',
      /emulator stopped before this run's container could start/,
    );
  },
);

test('a queued run with no container is started, unless stopped or past its deadline', { timeout: 5000 }, () => {
  assert.deepEqual(planRecovery(record(), null, BEFORE_DEADLINE), { kind: 'start', container: null });
  assert.equal(planRecovery(record(), null, AFTER_DEADLINE).kind, 'end');
  assert.deepEqual(planRecovery(record({ stopRequested: true }), null, BEFORE_DEADLINE), {
    kind: 'end',
    state: 'stopped',
    reason: null,
  });
  assert.deepEqual(planRecovery(record({ stopRequested: true }), container('created', null), BEFORE_DEADLINE), {
    kind: 'end',
    state: 'stopped',
    reason: null,
  });
});

test('a container that was recorded and is gone is not started again: it may have run', { timeout: 5000 }, () => {
  for (const gone of [record({ containerId: 'c' }), record({ startedAtMs: CREATED_S * 1000 })]) {
    const plan = planRecovery(gone, null, BEFORE_DEADLINE);
    assert.equal(plan.kind === 'end' && plan.state, 'failed');
    assert.match(plan.kind === 'end' ? (plan.reason ?? '') : '', /disappeared/);
  }
});
