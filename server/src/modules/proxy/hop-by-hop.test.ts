import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matchInstancePath } from './instance-proxy.js';
import { rawWithoutHopByHop, withoutCookie } from './hop-by-hop.js';

test('hop-by-hop headers and the headers Connection names are removed; case, order and duplicates kept', () => {
  const raw = [
    'Connection', 'X-Secret, close', 'X-Secret', '1', 'Keep-Alive', 'timeout=5', 'Proxy-Authorization', 'Basic x',
    'TE', 'trailers', 'Trailer', 'Expires', 'Transfer-Encoding', 'chunked', 'Upgrade', 'websocket',
    'X-End-To-End', 'kept', 'Set-Cookie', 'a=1', 'content-type', 'text/plain', 'Set-Cookie', 'b=2', 'Upgrade-Insecure-Requests', '1',
  ];
  assert.deepEqual(rawWithoutHopByHop(raw), ['X-End-To-End', 'kept', 'Set-Cookie', 'a=1', 'content-type', 'text/plain', 'Set-Cookie', 'b=2', 'Upgrade-Insecure-Requests', '1']);
});

test('the console cookie is dropped and other cookies pass', () => {
  assert.equal(withoutCookie('a=1; swiftlambda_console=s; b=2', 'swiftlambda_console'), 'a=1; b=2');
  assert.equal(withoutCookie('swiftlambda_console=s', 'swiftlambda_console'), undefined);
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
