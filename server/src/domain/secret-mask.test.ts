import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSecretMask } from './secret-mask.js';

test('a secret of 4 characters or more is masked; shorter ones are not', () => {
  const mask = createSecretMask(['hunter2', 'abc', 'xyzw']);
  assert.equal(mask.text('pw=hunter2 abc xyzw hunter2'), 'pw=*** abc *** ***');
});

test('a value containing another is masked whole, longest first', () => {
  const mask = createSecretMask(['pass', 'password123']);
  assert.equal(mask.text('password123 and pass'), '*** and ***');
});

test('a multi-line value is masked line by line', () => {
  const mask = createSecretMask(['-----BEGIN KEY-----\nAAAABBBB\n-----END KEY-----']);
  assert.equal(mask.text('AAAABBBB\n'), '***\n');
  assert.equal(mask.text('-----END KEY-----'), '***');
});

test('bytes: the same range when nothing matches, a new buffer otherwise', () => {
  const mask = createSecretMask(['s3cr3t!']);
  const buf = Buffer.from('xx s3cr3t! yy\nclean line\n');
  const clean = mask.bytes(buf, 14, buf.length);
  assert.equal(clean.buf, buf);
  assert.deepEqual([clean.start, clean.end], [14, buf.length]);
  const masked = mask.bytes(buf, 0, 14);
  assert.equal(masked.buf.toString('utf8', masked.start, masked.end), 'xx *** yy\n');
  // a match that starts inside the range but ends past it is not in this line
  const cut = mask.bytes(buf, 0, 6);
  assert.equal(cut.buf, buf);
});

test('no secrets: empty', () => {
  assert.equal(createSecretMask([]).empty, true);
  assert.equal(createSecretMask(['ab']).empty, true);
});

test('a value is masked URL-encoded too', () => {
  const mask = createSecretMask(['p@ss/word 1']);
  assert.equal(mask.text('?token=p%40ss%2Fword%201&x=p@ss/word 1'), '?token=***&x=***');
});

test('cutOutside: a cut inside a secret moves to its start; elsewhere it stays', () => {
  const mask = createSecretMask(['s3cr3t-value']);
  const buf = Buffer.from('0123456789s3cr3t-value0123');
  assert.equal(mask.cutOutside(buf, 0, 14), 10);
  assert.equal(mask.cutOutside(buf, 0, 10), 10);
  assert.equal(mask.cutOutside(buf, 0, 22), 22);
  assert.equal(mask.cutOutside(buf, 0, 5), 5);
  // a secret at the piece's own start cannot move the cut to nothing
  assert.equal(mask.cutOutside(buf, 10, 14), 14);
  assert.equal(createSecretMask([]).cutOutside(buf, 0, 14), 14);
});
