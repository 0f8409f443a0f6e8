import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matchInstancePath } from './instance-proxy.js';
import { stripHopByHop, withoutCookie } from './hop-by-hop.js';

test('hop-by-hop headers and the headers Connection names are removed', () => {
  const h = stripHopByHop({
    connection: 'X-Secret, close',
    'x-secret': '1',
    'keep-alive': 'timeout=5',
    'proxy-authorization': 'Basic x',
    te: 'trailers',
    trailer: 'Expires',
    'transfer-encoding': 'chunked',
    upgrade: 'websocket',
    'x-end-to-end': 'kept',
    'content-type': 'text/plain',
  } as Record<string, string>);
  assert.deepEqual(Object.keys(h).sort(), ['content-type', 'x-end-to-end']);
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

test('on a raw header list: hop-by-hop gone, case, order and duplicates kept', async () => {
  const { rawWithoutHopByHop } = await import('./hop-by-hop.js');
  const raw = ['Content-Type', 'text/plain', 'Connection', 'X-Secret', 'X-Secret', '1', 'Set-Cookie', 'a=1', 'Keep-Alive', 'timeout=5',
    'Set-Cookie', 'b=2', 'Transfer-Encoding', 'chunked', 'Proxy-Authenticate', 'Basic', 'X-Upstream-Case', 'Kept'];
  assert.deepEqual(rawWithoutHopByHop(raw), ['Content-Type', 'text/plain', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2', 'X-Upstream-Case', 'Kept']);
});
