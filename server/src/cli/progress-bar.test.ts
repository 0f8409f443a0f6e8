import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LogChunk } from '../contract/types.js';
import { BuildOutput, progressBarLine } from './progress-bar.js';

const chunk = (data: string, stream: LogChunk['stream'] = 'stdout'): LogChunk => ({
  sequence: 0,
  stream,
  data,
  timestamp: 0,
});

test('the bar: filled in proportion, the counts, the step, cut to the terminal', () => {
  assert.equal(progressBarLine(0, 10, 'Planning', 80), `[${' '.repeat(30)}] 0/10 Planning`);
  assert.equal(progressBarLine(5, 10, 'Compiling x', 80), `[${'='.repeat(14)}>${' '.repeat(15)}] 5/10 Compiling x`);
  assert.equal(progressBarLine(10, 10, 'Linking', 80), `[${'='.repeat(30)}] 10/10 Linking`);
  assert.equal(progressBarLine(1, 2, 'a very long step name', 20).length, 19);
});

test('not on a terminal every line is printed as it came, the step lines too', () => {
  const written: string[] = [];
  const out = new BuildOutput(false, (c) => written.push(c.data));
  for (const line of ['[1/3] Compiling a\n', 'warning: x\n', '[3/3] Linking b\n']) out.chunk(chunk(line));
  out.end();
  assert.deepEqual(written, ['[1/3] Compiling a\n', 'warning: x\n', '[3/3] Linking b\n']);
});

test('on a terminal the step lines become the bar; other lines still print', () => {
  const written: string[] = [];
  const out = new BuildOutput(true, (c) => written.push(c.data));
  const stderr = process.stderr.write.bind(process.stderr);
  const drawn: string[] = [];
  process.stderr.write = ((s: string) => (drawn.push(String(s)), true)) as typeof process.stderr.write;
  try {
    for (const line of ['[1/3] Compiling a\n', 'warning: x\n', '[3/3] Linking b\n']) out.chunk(chunk(line));
    out.end();
  } finally {
    process.stderr.write = stderr;
  }
  assert.deepEqual(written, ['warning: x\n']);
  assert.ok(drawn.some((d) => d.includes('1/3 Compiling a')));
  assert.ok(drawn.some((d) => d.includes('3/3 Linking b')));
  assert.equal(drawn.at(-1), '\r\x1b[2K', 'the bar is cleared at the end');
});
