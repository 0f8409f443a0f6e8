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

test('the window never shows a dev URL either', () => {
  assert.equal(isAllowedNavigation('http://127.0.0.1:7400/dev/p/api/', 'http://127.0.0.1:7400'), false);
});

test('the console\'s "open in editor" links go to the shell, and no other vscode: URI', () => {
  assert.equal(
    parseExternalUrl('vscode://file/home/me/echo/Sources/main.swift:12:5'),
    'vscode://file/home/me/echo/Sources/main.swift:12:5',
  );
  assert.equal(
    parseExternalUrl('vscode://file/home/me/my%20app/main.swift:3'),
    'vscode://file/home/me/my%20app/main.swift:3',
  );
  assert.equal(
    parseExternalUrl('vscode://file/c:/Users/me/main.swift:1:2'),
    'vscode://file/c:/Users/me/main.swift:1:2',
  );
  assert.equal(parseExternalUrl('vscode://extension/publisher.some-extension'), null);
  assert.equal(parseExternalUrl('vscode://vscode.git/clone?url=https://evil.example/x'), null);
  assert.equal(parseExternalUrl('vscode://file/home/me/main.swift'), null);
  assert.equal(parseExternalUrl('vscode://file/a.swift:1:2?windowId=_blank'), null);
  assert.equal(parseExternalUrl('vscode://user@file/a.swift:1:2'), null);
  assert.equal(parseExternalUrl('vscode-insiders://file/a.swift:1:2'), null);
});
