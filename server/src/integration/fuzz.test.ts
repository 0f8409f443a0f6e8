// Issue 5 §16: random JSON, wrong types, huge numbers, __proto__ keys, invalid UTF-8, odd query
// strings and headers, against every route: never a 5xx, never a crash, always a stable reason.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { errorStatus } from '../errors.js';
import { PACKAGES, startTestServer, type TestServer } from '../testing/harness.js';
import { rawRequest } from '../testing/raw-http.js';

const REASONS = new Set(Object.keys(errorStatus));

describe('fuzzing every route', () => {
  let t: TestServer;
  let port: number;
  let key: string;
  let projectId: string;

  before(async () => {
    t = await startTestServer();
    port = Number(new URL(t.url).port);
    key = await t.api.createKey({ name: 'fuzz' });
    projectId = (await t.api.createProject(PACKAGES.hello, 'hello')).id;
  });
  after(async () => {
    await t?.dispose();
  });

  const routes = (): Array<[string, string, 'console' | 'public']> => [
    ['POST', '/console/api/keys', 'console'],
    ['POST', '/console/api/projects', 'console'],
    ['PATCH', `/console/api/projects/${projectId}`, 'console'],
    ['POST', `/console/api/projects/${projectId}/compilations`, 'console'],
    ['GET', `/console/api/projects/${projectId}/compilations/x/logs`, 'console'],
    ['GET', '/console/api/runs', 'console'],
    ['POST', '/console/api/keys/x/revoke', 'console'],
    ['POST', `/lambdas/${projectId}/runs`, 'public'],
    ['GET', `/lambdas/${projectId}/runs`, 'public'],
    ['POST', `/lambdas/${projectId}/runs/stop`, 'public'],
    ['GET', `/lambdas/${projectId}/runs/x`, 'public'],
    ['POST', `/lambdas/${projectId}/runs/x/stop`, 'public'],
    ['GET', `/lambdas/${projectId}/runs/x/logs`, 'public'],
    ['GET', '/instances/x/api/y', 'public'],
  ];

  const jsonish = fc.oneof(
    fc.jsonValue(),
    fc.object({
      key: fc.oneof(
        fc.string(),
        fc.constantFrom(
          '__proto__',
          'constructor',
          'prototype',
          'mode',
          'arguments',
          'name',
          'sourcePath',
          'targetName',
          'expiresInDays',
          'projects',
          'binaryPath',
          'runTimeoutSeconds',
        ),
      ),
    }),
    fc.record(
      {
        mode: fc.oneof(fc.string(), fc.constantFrom('oneShot', 'service'), fc.integer()),
        arguments: fc.oneof(fc.array(fc.string()), fc.array(fc.jsonValue()), fc.string()),
      },
      { requiredKeys: [] },
    ),
    fc.record(
      {
        name: fc.string(),
        expiresInDays: fc.oneof(fc.double(), fc.integer(), fc.constant(1e308), fc.constant(null)),
        projects: fc.array(fc.string()),
      },
      { requiredKeys: [] },
    ),
  );
  const query = fc.array(
    fc.tuple(
      fc.constantFrom('limit', 'state', 'afterSequence', 'follow', 'project', '__proto__', 'limit[]'),
      fc.oneof(fc.string(), fc.constantFrom('-1', '1e9', '99999999999999999999', 'NaN', '', '%00', '%E0%A4%A')),
    ),
    { maxLength: 4 },
  );

  test('random JSON bodies and query strings never yield a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 13 }), jsonish, query, async (routeIndex, body, q) => {
        const [method, path, kind] = routes()[routeIndex]!;
        const qs = q.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
        const headers: Record<string, string> =
          kind === 'console' ? { authorization: `Bearer ${t.api.consoleToken}` } : { 'x-api-key': key };
        const res = await t.api.request(method, `${path}${qs ? `?${qs}` : ''}`, {
          body: method === 'GET' ? undefined : body,
          headers,
        });
        if (res.status >= 500) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(res.body)}`);
        if (res.status >= 400) {
          assert.equal(res.body?.error, true, `${method} ${path} ${res.status}`);
          assert.ok(REASONS.has(res.body.reason), `unknown reason ${res.body.reason}`);
        }
        // no run can start: the project has never been built (other routes may create keys)
        if (method === 'POST' && path.endsWith('/runs')) assert.notEqual(res.status, 201);
      }),
      { numRuns: 400 },
    );
  });

  test('invalid UTF-8, odd headers and malformed bodies from a raw socket never yield a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 13 }),
        fc.uint8Array({ maxLength: 200 }),
        fc.constantFrom(
          'application/json',
          'text/plain',
          'application/json; charset=latin1',
          'application/json; charset=utf-16',
          '',
          'multipart/form-data',
        ),
        fc.constantFrom('', 'gzip', 'deflate', 'br', 'identity'),
        async (routeIndex, bytes, contentType, encoding) => {
          const [method, path, kind] = routes()[routeIndex]!;
          const auth = kind === 'console' ? `Authorization: Bearer ${t.api.consoleToken}` : `X-API-Key: ${key}`;
          const head =
            `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${auth}\r\n` +
            (contentType ? `Content-Type: ${contentType}\r\n` : '') +
            (encoding ? `Content-Encoding: ${encoding}\r\n` : '') +
            `Content-Length: ${bytes.length}\r\nConnection: close\r\n\r\n`;
          const res = await rawRequest(port, Buffer.concat([Buffer.from(head, 'latin1'), Buffer.from(bytes)]));
          if (res.status >= 500) throw new Error(`${method} ${path} → ${res.status} ${res.body.toString()}`);
        },
      ),
      { numRuns: 300 },
    );
    assert.equal((await t.api.console('GET', '/status')).status, 200, 'the server is still up');
    const projects = (await t.api.console('GET', '/projects')).body.projects;
    assert.ok(
      projects.some((p: { id: string }) => p.id === projectId),
      'nothing already stored was lost',
    );
  });
});
