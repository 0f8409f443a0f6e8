import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ContainerStatsSample, DockerEngine } from '../../adapters/docker/docker-engine.js';
import type { RunRecord } from '../../domain/records.js';
import { RunStats, STATS_KEPT } from './run-stats.js';

/** An engine whose stats streams are driven by the test. */
function fakeEngine() {
  const streams = new Map<string, { emit: (s: ContainerStatsSample) => void; stopped: boolean }>();
  const engine = {
    async followStats(id: string, onSample: (s: ContainerStatsSample) => void) {
      const stream = { emit: onSample, stopped: false };
      streams.set(id, stream);
      return { done: Promise.resolve(), stop: () => void (stream.stopped = true) };
    },
  } as unknown as DockerEngine;
  return { engine, streams };
}

const record = (uuid: string): RunRecord => ({ run: { uuid }, containerId: `c-${uuid}` }) as RunRecord;
const sample = (memoryBytes: number, at = 0): ContainerStatsSample => ({
  at,
  cpuPercent: 1,
  memoryBytes,
  memoryLimitBytes: 1 << 30,
});
const tick = () => new Promise((r) => setImmediate(r));

test('samples are kept (the last 120), the peak goes on the record, listeners hear each one', async () => {
  const { engine, streams } = fakeEngine();
  const stats = new RunStats({ engine, log: () => undefined });
  const r = record('a');
  stats.follow(r);
  stats.follow(r); // already followed: one stream
  await tick();
  const heard: number[] = [];
  let ended = false;
  stats.subscribe('a', { onSample: (s) => heard.push(s.memoryBytes), onEnd: () => (ended = true) });
  for (let i = 1; i <= 200; i++) streams.get('c-a')!.emit(sample(i === 50 ? 10_000 : i, i));
  assert.equal(stats.read('a').samples.length, STATS_KEPT);
  assert.equal(stats.read('a').samples[0]!.at, 81, 'oldest first');
  assert.equal(r.peakMemoryBytes, 10_000, 'the peak survives the samples that held it');
  assert.equal(heard.length, 200);
  assert.equal(stats.followed, 1);

  stats.end('a');
  assert.ok(streams.get('c-a')!.stopped);
  assert.ok(ended);
  assert.deepEqual([stats.read('a').live, stats.read('a').samples.length], [false, STATS_KEPT], 'kept after the end');
  assert.equal(stats.subscribe('a', { onSample: () => undefined, onEnd: () => undefined }), null);
  streams.get('c-a')!.emit(sample(99_999));
  assert.equal(r.peakMemoryBytes, 10_000, 'nothing counts after the end');
});

test('an end before the engine answered stops the stream; old ended runs are forgotten', async () => {
  const { engine, streams } = fakeEngine();
  const stats = new RunStats({ engine, log: () => undefined });
  stats.follow(record('early'));
  stats.end('early');
  await tick();
  assert.ok(streams.get('c-early')!.stopped);
  for (let i = 0; i < 40; i++) {
    stats.follow(record(`r${i}`));
    stats.end(`r${i}`);
  }
  assert.equal(stats.followed, 0);
  assert.equal(stats.read('early').samples.length, 0);
  assert.equal(stats.read('r0').live, false);
});
