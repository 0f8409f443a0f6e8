import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isAllowedNavigation, parseExternalUrl } from './navigation.js';

test('the window stays on the console origin and never shows user services', () => {
  assert.equal(isAllowedNavigation('http://127.0.0.1:7400/?x', 'http://127.0.0.1:7400'), true);
  assert.equal(isAllowedNavigation('http://127.0.0.1:7401/', 'http://127.0.0.1:7400'), false);
  assert.equal(isAllowedNavigation('http://evil.example/', 'http://127.0.0.1:7400'), false);
  assert.equal(isAllowedNavigation('http://127.0.0.1:7400/instances/r/api/', 'http://127.0.0.1:7400'), false);
  assert.equal(isAllowedNavigation('not a url', 'http://127.0.0.1:7400'), false);
});

test('only http(s) links go to the system browser', () => {
  assert.equal(parseExternalUrl('https://example.com/a'), 'https://example.com/a');
  assert.equal(parseExternalUrl('file:///etc/passwd'), null);
  assert.equal(parseExternalUrl('javascript:alert(1)'), null);
  assert.equal(parseExternalUrl('smb://host/share'), null);
});
