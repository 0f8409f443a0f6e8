import assert from 'node:assert/strict';
import { test } from 'node:test';
import { displayPrefix, generateSecret, hashSecret, isWellFormedSecret } from './key-format.js';

test('generated secrets have the prefix, 40 characters and a valid checksum', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const s = generateSecret();
    assert.match(s, /^slk_[0-9A-Za-z]{36}$/);
    assert.ok(isWellFormedSecret(s));
    seen.add(s);
  }
  assert.equal(seen.size, 200);
});

test('a changed character, a truncation or garbage fails the checksum', () => {
  const s = generateSecret();
  const flipped = s.slice(0, 10) + (s[10] === 'a' ? 'b' : 'a') + s.slice(11);
  assert.equal(isWellFormedSecret(flipped), false);
  assert.equal(isWellFormedSecret(s.slice(0, -1)), false);
  assert.equal(isWellFormedSecret(''), false);
  assert.equal(isWellFormedSecret('slk_' + 'x'.repeat(36)), false);
  assert.equal(isWellFormedSecret('ghp_' + s.slice(4)), false);
});

test('the hash is SHA-256 hex and the display prefix is short', () => {
  const s = generateSecret();
  assert.match(hashSecret(s), /^[0-9a-f]{64}$/);
  assert.equal(displayPrefix(s).length, 12);
  assert.ok(s.startsWith(displayPrefix(s)));
});
