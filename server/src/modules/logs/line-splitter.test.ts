import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LineSplitter, MAX_CHUNK_BYTES } from './line-splitter.js';

function split(parts: Buffer[]): string[] {
  const out: string[] = [];
  const s = new LineSplitter((buf, start, end) => out.push(buf.toString('utf8', start, end)));
  for (const p of parts) s.push(p);
  s.end();
  return out;
}

test('lines keep their newline and joining them gives the input back', () => {
  const input = 'one\ntwo\n\nthree';
  const out = split([Buffer.from(input)]);
  assert.deepEqual(out, ['one\n', 'two\n', '\n', 'three']);
  assert.equal(out.join(''), input);
});

test('a line split across pushes, even inside a UTF-8 character, comes out whole', () => {
  const bytes = Buffer.from('héllo wörld\nnext\n');
  const parts = [...bytes].map((b) => Buffer.from([b]));
  assert.deepEqual(split(parts), ['héllo wörld\n', 'next\n']);
});

test('a line over 16 KiB is cut into pieces at character boundaries', () => {
  const long = 'é'.repeat(MAX_CHUNK_BYTES); // 2 bytes each: 32 KiB
  const out = split([Buffer.from(long + '\n')]);
  assert.ok(out.length >= 2);
  for (const piece of out) assert.ok(Buffer.byteLength(piece) <= MAX_CHUNK_BYTES);
  assert.equal(out.join(''), long + '\n');
  assert.ok(!out.join('').includes('\ufffd'));
});
