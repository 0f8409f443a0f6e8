#!/usr/bin/env node
// Runs the compiled tests with node's test runner: unit tests (dist/server/**/*.test.js outside
// integration/) and, unless --unit, the integration tests against the real Docker engine, one
// file at a time (they share a 2-core machine with Swift builds). --faults runs the tests that
// disturb the machine itself (they stop dockerd), which CI runs separately.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

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
const files = faultsOnly ? faults : unitOnly ? unit : [...unit, ...integration];
if (!files.length) {
  console.error('no test files found: run `npm run build:ts` first');
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=1', '--test-reporter=spec', ...files], {
  stdio: 'inherit',
  env: { ...process.env, SWIFTLAMBDA_TEST: '1' },
});
process.exit(result.status ?? 1);
