import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NotificationMapper } from './notifications.js';

const project = { id: 'p1', name: 'todo-service', watch: true };

test('a watched build that fails is told once, with its summary and the project page', () => {
  const mapper = new NotificationMapper([project]);
  const failed = { id: 'c1', project: 'p1', state: 'failed', errorSummary: 'main.swift:3: error: boom' };
  assert.equal(mapper.map({ type: 'compilation', data: { ...failed, state: 'running' } }), null);
  assert.deepEqual(mapper.map({ type: 'compilation', data: failed }), {
    title: 'Build failed: todo-service',
    body: 'main.swift:3: error: boom',
    route: '#/projects/p1',
  });
  assert.equal(mapper.map({ type: 'compilation', data: failed }), null, 'once');
  assert.equal(
    mapper.map({ type: 'compilation', data: { ...failed, id: 'c2', state: 'succeeded' } }),
    null,
    'a good build is quiet',
  );
});

test('a build of a project that is not watched is not news; turning watch on makes it so', () => {
  const mapper = new NotificationMapper([{ ...project, watch: false }]);
  const failed = { id: 'c1', project: 'p1', state: 'failed', errorSummary: null };
  assert.equal(mapper.map({ type: 'compilation', data: failed }), null);
  mapper.map({ type: 'project', data: project });
  assert.equal(
    mapper.map({ type: 'compilation', data: { ...failed, id: 'c2' } })?.body.includes('previous build'),
    true,
  );
});

test('a run that crashed is told once with the signal, the message and its page; other ends are quiet', () => {
  const mapper = new NotificationMapper([project]);
  const run = { uuid: 'r1', project: 'p1', state: 'failed', errorSummary: 'exited with code 132 (killed by SIGILL)' };
  assert.equal(mapper.map({ type: 'run', data: { ...run, crash: null } }), null, 'an exit code is not a crash');
  const crash = { signal: 'SIGILL', message: 'Fatal error: Index out of range' };
  assert.deepEqual(mapper.map({ type: 'run', data: { ...run, crash } }), {
    title: 'todo-service crashed (SIGILL)',
    body: 'Fatal error: Index out of range',
    route: '#/runs/p1/r1',
  });
  assert.equal(mapper.map({ type: 'run', data: { ...run, crash } }), null, 'once');
  assert.equal(mapper.map({ type: 'run', data: { ...run, uuid: 'r2', state: 'succeeded', crash: null } }), null);
  assert.equal(mapper.map({ type: 'requests', data: {} }), null);
});
