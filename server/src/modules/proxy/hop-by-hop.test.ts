import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matchInstancePath } from './instance-proxy.js';
import { generateSecret } from '../../domain/key-format.js';
import { CallerCredentials } from './credentials.js';
import { rawWithoutHopByHop } from './hop-by-hop.js';

test('hop-by-hop headers and the headers Connection names are removed; case, order and duplicates kept', () => {
  const raw = [
    'Connection',
    'X-Secret, close',
    'X-Secret',
    '1',
    'Keep-Alive',
    'timeout=5',
    'Proxy-Authorization',
    'Basic x',
    'TE',
    'trailers',
    'Trailer',
    'Expires',
    'Transfer-Encoding',
    'chunked',
    'Upgrade',
    'websocket',
    'X-End-To-End',
    'kept',
    'Set-Cookie',
    'a=1',
    'content-type',
    'text/plain',
    'Set-Cookie',
    'b=2',
    'Upgrade-Insecure-Requests',
    '1',
  ];
  assert.deepEqual(rawWithoutHopByHop(raw), [
    'X-End-To-End',
    'kept',
    'Set-Cookie',
    'a=1',
    'content-type',
    'text/plain',
    'Set-Cookie',
    'b=2',
    'Upgrade-Insecure-Requests',
    '1',
  ]);
});

test('the console cookie is dropped however it is spaced, and other cookies pass', () => {
  const c = new CallerCredentials('console-token-0123456789', 'swiftlambda_console');
  assert.equal(c.cookieWithoutSession('a=1; swiftlambda_console=s; b=2'), 'a=1; b=2');
  assert.equal(c.cookieWithoutSession('swiftlambda_console=s'), undefined);
  assert.equal(c.cookieWithoutSession('a=1;swiftlambda_console =s'), 'a=1');
  assert.equal(c.cookieWithoutSession(' swiftlambda_console\t= s ;b=2'), 'b=2');
  assert.equal(c.cookieWithoutSession('swiftlambda_console_x=1'), 'swiftlambda_console_x=1');
});

test('an Authorization holding an API key or the console token is a credential, in any casing or scheme', () => {
  const c = new CallerCredentials('console-token-0123456789', 'swiftlambda_console');
  for (const v of [
    'Bearer console-token-0123456789',
    'bearer console-token-0123456789',
    'BEARER  console-token-0123456789',
    'console-token-0123456789',
    'Token console-token-0123456789',
  ]) {
    assert.ok(c.isCredentialAuthorization(v), v);
  }
  const key = generateSecret();
  for (const v of [`Bearer ${key}`, `bEaReR ${key}`, key]) assert.ok(c.isCredentialAuthorization(v), v);
  assert.ok(!c.isCredentialAuthorization('Bearer user-own-token'));
  assert.ok(!c.isCredentialAuthorization('Basic dXNlcjpwYXNz'));
});

test('instance URLs: the prefix is stripped and the query kept', () => {
  assert.deepEqual(matchInstancePath('/instances/r1/api/hello?x=1'), { runId: 'r1', rest: '/hello?x=1' });
  assert.deepEqual(matchInstancePath('/instances/r1/api'), { runId: 'r1', rest: '/' });
  assert.deepEqual(matchInstancePath('/instances/r1/api?x'), { runId: 'r1', rest: '/?x' });
  assert.deepEqual(matchInstancePath('/instances/r1/api//a/%2e%2e/b'), { runId: 'r1', rest: '//a/%2e%2e/b' });
  assert.equal(matchInstancePath('/instances/r1/apix'), null);
  assert.equal(matchInstancePath('/instances/r1'), null);
  assert.equal(matchInstancePath('/lambdas/x/runs'), null);
});
