import assert from 'node:assert/strict';
import { test } from 'node:test';
import { progressOfLine, ProgressThrottle, reportedBuildMs } from './build-progress.js';

test("SwiftPM's [n/m] step lines are progress; other lines are not", () => {
  assert.deepEqual(progressOfLine('[3/12] Compiling echo_service main.swift\n'), { done: 3, total: 12 });
  assert.deepEqual(progressOfLine('[2625/2625] Linking App\n'), { done: 2625, total: 2625 });
  assert.deepEqual(progressOfLine('[0/1] Planning build\n'), { done: 0, total: 1 });
  assert.equal(progressOfLine('Building for debugging...\n'), null);
  assert.equal(progressOfLine("Build of product 'x' complete! (1.23s)\n"), null);
  assert.equal(progressOfLine('main.swift:3:1: error: [1/2] is not a step\n'), null);
  assert.equal(progressOfLine('[5/3] impossible\n'), null);
  assert.equal(progressOfLine('[1/0] impossible\n'), null);
});

test("SwiftPM's own build time", () => {
  assert.equal(reportedBuildMs("Build of product 'echo-service' complete! (3.52s)\n"), 3520);
  assert.equal(reportedBuildMs('Build complete! (12s)\n'), 12000);
  assert.equal(reportedBuildMs('Compiling\n'), null);
});

test('progress reaches listeners at most once per interval; the newest value wins and the last is kept', async () => {
  const seen: string[] = [];
  const throttle = new ProgressThrottle((p) => seen.push(`${p.done}/${p.total}`), 100);
  for (let i = 1; i <= 50; i++) throttle.push({ done: i, total: 50 });
  assert.deepEqual(seen, ['1/50']);
  await new Promise((r) => setTimeout(r, 150));
  assert.deepEqual(seen, ['1/50', '50/50']);
  throttle.push({ done: 50, total: 60 });
  throttle.flush();
  assert.deepEqual(seen, ['1/50', '50/50', '50/60']);
  throttle.flush();
  assert.equal(seen.length, 3);
});
