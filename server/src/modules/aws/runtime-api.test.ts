import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  containerError,
  invalidRequestId,
  invalidStateTransition,
  MAX_RUNTIME_PAYLOAD_BYTES,
  RuntimeApiServer,
  type NextEvent,
  type RuntimeApiHandler,
} from './runtime-api.js';

/** A handler that records calls and answers what the test scripts. */
function scriptedHandler() {
  const calls: string[] = [];
  let pending: ((e: NextEvent) => void) | null = null;
  let current: string | null = null;
  const handler: RuntimeApiHandler = {
    next: (signal) => {
      calls.push('next');
      if (current) throw invalidStateTransition('busy');
      // like the real handler when an invocation is handed over just as the runtime hangs up
      void signal;
      return new Promise<NextEvent>((resolve) => {
        pending = resolve;
      });
    },
    response: (id, body) => {
      calls.push(`response ${id} ${body.length}`);
      if (id === 'stopping') throw containerError();
      if (!current) throw invalidStateTransition('idle');
      if (id !== current) throw invalidRequestId();
      current = null;
    },
    responseTooLarge: (id, bytes) => void calls.push(`tooLarge ${id} ${bytes}`),
    error: (id, type, body) => {
      calls.push(`error ${id} ${type} ${body.toString()}`);
      if (id !== current) throw invalidRequestId();
      current = null;
    },
    initError: (type) => void calls.push(`initError ${type}`),
    undelivered: (id) => void calls.push(`undelivered ${id}`),
  };
  const deliver = (requestId: string, payload = '{"a":1}') => {
    current = requestId;
    pending!({
      requestId,
      deadlineMs: 1234,
      functionArn: 'arn:x',
      traceId: 'Root=1-a-b',
      clientContext: '{"c":1}',
      cognitoIdentity: null,
      payload: Buffer.from(payload),
    });
    pending = null;
  };
  return { handler, calls, deliver, waiting: () => pending !== null };
}

const until = async (probe: () => boolean) => {
  for (let i = 0; i < 200 && !probe(); i++) await sleep(5);
};

describe('runtime API server', () => {
  const h = scriptedHandler();
  let api: RuntimeApiServer;
  let allowed = true;
  let base: string;
  before(async () => {
    api = await RuntimeApiServer.listen(h.handler, { host: '127.0.0.1', isAllowedPeer: async () => allowed });
    base = `http://127.0.0.1:${api.port}/2018-06-01/runtime`;
  });
  after(() => api.close());

  test('next waits for an invocation and answers it with the Lambda-Runtime-* headers', async () => {
    const next = fetch(`${base}/invocation/next`);
    await until(h.waiting);
    h.deliver('req-1');
    const res = await next;
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('lambda-runtime-aws-request-id'), 'req-1');
    assert.equal(res.headers.get('lambda-runtime-deadline-ms'), '1234');
    assert.equal(res.headers.get('lambda-runtime-invoked-function-arn'), 'arn:x');
    assert.equal(res.headers.get('lambda-runtime-trace-id'), 'Root=1-a-b');
    assert.equal(res.headers.get('lambda-runtime-client-context'), '{"c":1}');
    assert.equal(res.headers.get('lambda-runtime-cognito-identity'), null);
    assert.equal(await res.text(), '{"a":1}');
  });

  test('out of turn: 403 InvalidStateTransition; a wrong id: 400 InvalidRequestID; then 202', async () => {
    const busy = await fetch(`${base}/invocation/next`);
    assert.equal(busy.status, 403);
    assert.deepEqual(await busy.json(), { errorMessage: 'busy', errorType: 'InvalidStateTransition' });
    const wrong = await fetch(`${base}/invocation/req-0/response`, { method: 'POST', body: 'x' });
    assert.equal(wrong.status, 400);
    assert.deepEqual(await wrong.json(), { errorMessage: 'Invalid request ID', errorType: 'InvalidRequestID' });
    const ok = await fetch(`${base}/invocation/req-1/response`, { method: 'POST', body: 'done' });
    assert.equal(ok.status, 202);
    assert.deepEqual(await ok.json(), { status: 'OK' });
    const again = await fetch(`${base}/invocation/req-1/response`, { method: 'POST', body: 'done' });
    assert.equal(again.status, 403, 'no invocation in progress any more');
    const stopping = await fetch(`${base}/invocation/stopping/response`, { method: 'POST', body: '' });
    assert.equal(stopping.status, 500);
  });

  test('error passes Lambda-Runtime-Function-Error-Type and the body; init/error answers 202', async () => {
    const next = fetch(`${base}/invocation/next`);
    await until(h.waiting);
    h.deliver('req-2');
    await (await next).arrayBuffer();
    const res = await fetch(`${base}/invocation/req-2/error`, {
      method: 'POST',
      body: '{"errorType":"E"}',
      headers: { 'lambda-runtime-function-error-type': 'Runtime.Test' },
    });
    assert.equal(res.status, 202);
    assert.ok(h.calls.includes('error req-2 Runtime.Test {"errorType":"E"}'));
    assert.equal((await fetch(`${base}/init/error`, { method: 'POST', body: '{}' })).status, 202);
    assert.ok(h.calls.includes('initError null'));
  });

  test('a response over 6 MB: 413 RequestEntityTooLarge, and the handler hears of it', async () => {
    const res = await fetch(`${base}/invocation/req-3/response`, {
      method: 'POST',
      body: Buffer.alloc(MAX_RUNTIME_PAYLOAD_BYTES + 1),
    });
    assert.equal(res.status, 413);
    assert.equal(((await res.json()) as { errorType: string }).errorType, 'RequestEntityTooLarge');
    assert.ok(h.calls.includes(`tooLarge req-3 ${MAX_RUNTIME_PAYLOAD_BYTES + 1}`));
  });

  test('other paths 404, other methods 405', async () => {
    assert.equal((await fetch(`${base}/invocation/x/other`, { method: 'POST' })).status, 404);
    assert.equal((await fetch(`http://127.0.0.1:${api.port}/`)).status, 404);
    assert.equal((await fetch(`${base}/invocation/next`, { method: 'POST' })).status, 405);
    assert.equal((await fetch(`${base}/invocation/x/response`)).status, 405);
  });

  test('a runtime that hangs up as its invocation is handed over gives it back', async () => {
    const abort = new AbortController();
    const next = fetch(`${base}/invocation/next`, { signal: abort.signal }).catch(() => null);
    await until(h.waiting);
    abort.abort();
    await next;
    await sleep(20);
    h.deliver('req-4');
    await until(() => h.calls.includes('undelivered req-4'));
    assert.ok(h.calls.includes('undelivered req-4'));
  });

  test('a caller that is not the container is cut off before it is answered', async () => {
    allowed = false;
    try {
      // a new connection (the verdict is per connection: its address cannot change)
      const answer = new Promise<number>((resolve, reject) => {
        http
          .get(`${base}/invocation/next`, { agent: false }, (res) => resolve(res.statusCode ?? 0))
          .on('error', reject);
      });
      await assert.rejects(answer, /socket hang up|ECONNRESET/);
    } finally {
      allowed = true;
    }
  });
});
