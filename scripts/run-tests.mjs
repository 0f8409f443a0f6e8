#!/usr/bin/env node
// Runs the compiled tests with node's test runner: unit tests (dist/server/**/*.test.js outside
// integration/) and, unless --unit, the integration tests against the real Docker engine, one
// file at a time (they share a 2-core machine with Swift builds). --faults runs the tests that
// disturb the machine itself (they stop dockerd), which CI runs separately.
//
// Nothing can hang: each file runs in a process group of its own with `--test-timeout` and a
// deadline; at the deadline the whole group is killed, and a file that leaves a process of its
// group running after it ended (a server or CLI child its `after` hook did not stop) fails.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const MINUTE = 60_000;
/**
 * Per test: a Swift build on 2 busy cores takes minutes. Node 20 and 22 apply `--test-timeout` to
 * a whole file instead (later Node, to each test), so the value is also each file's budget unless
 * FILE_BUDGET_MS says more.
 */
const TEST_TIMEOUT_MS = 10 * MINUTE;
/** Files whose tests set longer timeouts of their own (`{ timeout }`): their budget. */
const FILE_BUDGET_MS = {
  'crash-loop.test.js': 20 * MINUTE,
  'crash-recovery.test.js': 20 * MINUTE,
  'debug.test.js': 25 * MINUTE,
  'engine-restart.test.js': 15 * MINUTE,
  'reliability.test.js': 20 * MINUTE,
  'restart.test.js': 20 * MINUTE,
};
/** After the budget, the runner's own deadline: the time `after` hooks get to clean up. */
const GRACE_MS = 2 * MINUTE;

const roots = ['../dist/server/', '../dist/electron/'].map((p) => new URL(p, import.meta.url).pathname);
function find(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return find(path);
    return name.endsWith('.test.js') ? [path] : [];
  });
}
const all = roots.flatMap((r) => find(r)).sort();
const unitOnly = process.argv.includes('--unit');
const faultsOnly = process.argv.includes('--faults');
const integration = all.filter((f) => f.includes('/integration/'));
const faults = all.filter((f) => f.includes('/faults/'));
const unit = all.filter((f) => !f.includes('/integration/') && !f.includes('/faults/'));
if (!all.length) {
  console.error('no test files found: run `npm run build:ts` first');
  process.exit(1);
}
// unit tests are quick and start nothing lasting: one run for all of them
const batches = faultsOnly ? faults.map((f) => [f]) : unitOnly ? [unit] : [unit, ...integration.map((f) => [f])];

const groupAlive = (pgid) => {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
};
const killGroup = (pgid) => {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // already gone
  }
};

/** Runs one batch of files; resolves with what went wrong, or null. */
function runBatch(files) {
  const budget = Math.max(TEST_TIMEOUT_MS, ...files.map((f) => FILE_BUDGET_MS[f.split('/').pop()] ?? 0));
  const args = [
    '--test',
    '--test-concurrency=1',
    `--test-timeout=${budget}`,
    '--test-force-exit',
    '--test-reporter=spec',
    ...files,
  ];
  const child = spawn(process.execPath, args, {
    stdio: 'inherit',
    detached: true,
    env: { ...process.env, SWIFTLAMBDA_TEST: '1' },
  });
  const pgid = child.pid;
  // the runner itself stopped (Ctrl-C, CI's end): take the group with it
  const onSignal = () => killGroup(pgid);
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  return new Promise((resolve) => {
    let timedOut = false;
    const deadline = setTimeout(() => {
      timedOut = true;
      killGroup(pgid);
    }, budget + GRACE_MS);
    child.once('exit', async (code, signal) => {
      clearTimeout(deadline);
      process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
      // a moment for children that were being killed as the runner exited
      for (let i = 0; i < 20 && groupAlive(pgid); i++) await new Promise((r) => setTimeout(r, 100));
      const leftovers = groupAlive(pgid);
      killGroup(pgid);
      const problems = [
        ...(timedOut
          ? [`still running ${(budget + GRACE_MS) / MINUTE} min after it started: killed`]
          : code !== 0
            ? [`failed (${signal ?? `exit ${code}`})`]
            : []),
        ...(leftovers ? ['left processes running after it ended (killed now): an `after` hook must stop them'] : []),
      ];
      resolve(problems.length ? problems.join('; ') : null);
    });
  });
}

const failures = [];
for (const files of batches) {
  if (!files.length) continue;
  const problem = await runBatch(files);
  if (problem) failures.push(`${files.length === 1 ? relative(process.cwd(), files[0]) : 'unit tests'}: ${problem}`);
}
if (failures.length) {
  console.error(`\n${failures.length} test file(s) did not pass:\n${failures.map((f) => `  ${f}`).join('\n')}`);
  process.exit(1);
}
