import assert from 'node:assert/strict';
import { test } from 'node:test';
import { restoreInPlace, trackChange } from './undo.js';

type Rec = { id: string; name: string; nested: { a: number; b?: number }; list: string[] };
const rec = (id: string): Rec => ({ id, name: id, nested: { a: 1 }, list: ['x'] });

test('undo removes what a change added and brings back what it removed, at its place', () => {
  const [a, b, c] = [rec('a'), rec('b'), rec('c')];
  const data = { version: 1, keys: [a, b, c] as Rec[], runs: [] as Rec[] };
  const settle = trackChange(data, []);
  data.keys = data.keys.filter((k) => k !== b);
  data.runs.push(rec('r'));
  const undo = settle();
  undo();
  assert.deepEqual(
    data.keys.map((k) => k.id),
    ['a', 'b', 'c'],
  );
  assert.equal(data.keys[1], b, 'the same object, not a copy');
  assert.deepEqual(data.runs, []);
});

test('undo leaves alone what others changed meanwhile', () => {
  const data = { keys: [rec('a')] as Rec[] };
  const settle = trackChange(data, []);
  data.keys.push(rec('mine'));
  const undo = settle();
  data.keys.push(rec('theirs')); // another change, whose write is still to come
  undo();
  assert.deepEqual(
    data.keys.map((k) => k.id),
    ['a', 'theirs'],
  );
});

test('touched records get their old fields back in place, nested objects included', () => {
  const a = rec('a');
  const nested = a.nested;
  const data = { keys: [a] };
  const settle = trackChange(data, [a]);
  a.name = 'renamed';
  a.nested.a = 2;
  a.nested.b = 3;
  a.list.push('y');
  (a as Record<string, unknown>).extra = true;
  settle()();
  assert.deepEqual(a, rec('a'));
  assert.equal(a.nested, nested, 'nested objects keep their identity');
});

test('restoreInPlace deletes fields the snapshot lacks', () => {
  const target: Record<string, unknown> = { a: 1, b: 2 };
  restoreInPlace(target, { a: 0 });
  assert.deepEqual(target, { a: 0 });
});
