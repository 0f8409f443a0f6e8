import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toStatsSample } from './engine-stats.js';

// two consecutive readings of a busy-looping container (Docker 20.10, cgroup v1, 2 cores), trimmed
// to the fields read
const FIRST = {
  read: '2026-12-01T23:08:19.351120771Z',
  cpu_stats: {
    cpu_usage: { total_usage: 1198405955, percpu_usage: [164742155, 1033663800] },
    system_cpu_usage: 3599930000000,
    online_cpus: 2,
  },
  precpu_stats: { cpu_usage: { total_usage: 0 } },
  memory_stats: { usage: 425984, limit: 134217728, stats: { total_inactive_file: 0, cache: 4096, rss: 118784 } },
};
const SECOND = {
  read: '2026-12-01T23:08:20.354773276Z',
  cpu_stats: {
    cpu_usage: { total_usage: 2060888042, percpu_usage: [332852710, 1728035332] },
    system_cpu_usage: 3601930000000,
    online_cpus: 2,
  },
  precpu_stats: { cpu_usage: { total_usage: 1198405955 }, system_cpu_usage: 3599930000000 },
  memory_stats: { usage: 421888, limit: 134217728, stats: { total_inactive_file: 0, cache: 4096, rss: 118784 } },
};

test('CPU as docker stats computes it: the share of host time times the cores', () => {
  assert.deepEqual(toStatsSample(SECOND), {
    at: Date.parse('2026-12-01T23:08:20.354Z'),
    cpuPercent: 86.25,
    memoryBytes: 421888,
    memoryLimitBytes: 134217728,
  });
});

test('the first reading has no previous one: memory, and no CPU rate yet', () => {
  assert.deepEqual(toStatsSample(FIRST), {
    at: Date.parse('2026-12-01T23:08:19.351Z'),
    cpuPercent: 0,
    memoryBytes: 425984,
    memoryLimitBytes: 134217728,
  });
});

test('inactive page cache is not counted (cgroup v2 names it inactive_file)', () => {
  const v2 = {
    ...SECOND,
    memory_stats: { usage: 50_000_000, limit: 536870912, stats: { inactive_file: 20_000_000, anon: 29_000_000 } },
  };
  assert.equal(toStatsSample(v2)!.memoryBytes, 30_000_000);
  const v1 = {
    ...SECOND,
    memory_stats: { usage: 50_000_000, limit: 536870912, stats: { total_inactive_file: 10_000_000 } },
  };
  assert.equal(toStatsSample(v1)!.memoryBytes, 40_000_000);
});

test('the reading after the container stopped (no memory figures) is not a sample', () => {
  assert.equal(toStatsSample({ read: '0001-01-01T00:00:00Z', memory_stats: {} }), null);
});
