import { describe, expect, it } from 'vitest';
import type { AwsInvocation } from '../../server/src/contract/aws.js';
import type { Compilation, ConsoleRun, DevStatus, Key, Project, Schedule, StatusResponse } from './api.js';
import type { LiveEvent } from './live-feed.js';
import {
  foldCompilations,
  foldDevStatus,
  foldInvocations,
  foldKeys,
  foldProject,
  foldProjects,
  foldRun,
  foldRuns,
  foldSchedules,
  foldStatus,
  RELOAD,
} from './live-folds.js';

const project = (id: string, created: number, name = id) => ({ id, name, created }) as Project;
const key = (id: string, createdAt: number) => ({ id, createdAt, revokedAt: null }) as unknown as Key;
const run = (uuid: string, projectId: string, state = 'running', mode = 'oneShot') =>
  ({ uuid, project: projectId, state, mode }) as ConsoleRun;
const compilation = (id: string, projectId: string, created: number, state = 'running') =>
  ({ id, project: projectId, created, state }) as Compilation;
const deleted = (kind: 'run' | 'compilation' | 'project' | 'key' | 'schedule', id: string): LiveEvent => ({
  type: 'deleted',
  data: { kind, id },
});

describe('projects', () => {
  it('adds a new project on top, replaces a changed one in place, drops a deleted one', () => {
    let list = [project('b', 2), project('a', 1)];
    list = foldProjects(list, { type: 'project', data: project('c', 3) }) as Project[];
    expect(list.map((p) => p.id)).toEqual(['c', 'b', 'a']);
    list = foldProjects(list, { type: 'project', data: project('b', 2, 'renamed') }) as Project[];
    expect(list.map((p) => p.name)).toEqual(['c', 'renamed', 'a']);
    list = foldProjects(list, deleted('project', 'c')) as Project[];
    expect(list.map((p) => p.id)).toEqual(['b', 'a']);
  });

  it('leaves the list as it is (the same object) for events about other things', () => {
    const list = [project('a', 1)];
    expect(foldProjects(list, deleted('run', 'a'))).toBe(list);
    expect(foldProjects(list, deleted('project', 'missing'))).toBe(list);
    expect(foldProjects(list, { type: 'key', data: key('k', 1) })).toBe(list);
  });

  it('one project follows its own events and becomes null when deleted', () => {
    const fold = foldProject('a');
    const a = project('a', 1);
    expect(fold(a, { type: 'project', data: project('b', 2) })).toBe(a);
    expect(fold(a, { type: 'project', data: project('a', 1, 'new') })).toMatchObject({ name: 'new' });
    expect(fold(a, deleted('project', 'a'))).toBeNull();
  });
});

describe('keys', () => {
  it('keeps keys newest first, replacing a revoked one', () => {
    let list = [key('k1', 1)];
    list = foldKeys(list, { type: 'key', data: key('k2', 2) }) as Key[];
    list = foldKeys(list, { type: 'key', data: { ...key('k1', 1), revokedAt: 5 } }) as Key[];
    expect(list.map((k) => [k.id, k.revokedAt])).toEqual([
      ['k2', null],
      ['k1', 5],
    ]);
    expect((foldKeys(list, deleted('key', 'k2')) as Key[]).map((k) => k.id)).toEqual(['k1']);
  });
});

describe('runs', () => {
  it('a new matching run goes on top and the list keeps at most `limit`', () => {
    const fold = foldRuns({ project: 'p', limit: 2 });
    let list = [run('r1', 'p')];
    list = fold(list, { type: 'run', data: run('r2', 'p') }) as ConsoleRun[];
    list = fold(list, { type: 'run', data: run('r3', 'p') }) as ConsoleRun[];
    expect(list.map((r) => r.uuid)).toEqual(['r3', 'r2']);
    expect(fold(list, { type: 'run', data: run('x', 'other') })).toBe(list);
  });

  it('a run that no longer matches the state filter leaves; a changed one stays in its place', () => {
    const fold = foldRuns({ state: 'running' });
    let list = [run('r2', 'p'), run('r1', 'p')];
    list = fold(list, { type: 'run', data: run('r1', 'p', 'running', 'service') }) as ConsoleRun[];
    expect(list.map((r) => [r.uuid, r.mode])).toEqual([
      ['r2', 'oneShot'],
      ['r1', 'service'],
    ]);
    list = fold(list, { type: 'run', data: run('r2', 'p', 'succeeded') }) as ConsoleRun[];
    expect(list.map((r) => r.uuid)).toEqual(['r1']);
  });

  it("a deleted run goes, and so do a deleted project's runs", () => {
    const fold = foldRuns({});
    const list = [run('r3', 'q'), run('r2', 'p'), run('r1', 'p')];
    expect((fold(list, deleted('run', 'r2')) as ConsoleRun[]).map((r) => r.uuid)).toEqual(['r3', 'r1']);
    expect((fold(list, deleted('project', 'p')) as ConsoleRun[]).map((r) => r.uuid)).toEqual(['r3']);
  });

  it('one run follows its own events and becomes null when deleted', () => {
    const fold = foldRun('r1');
    const r1 = run('r1', 'p');
    expect(fold(r1, { type: 'run', data: run('r2', 'p') })).toBe(r1);
    expect(fold(r1, { type: 'run', data: run('r1', 'p', 'succeeded') })).toMatchObject({ state: 'succeeded' });
    expect(fold(r1, deleted('run', 'r1'))).toBeNull();
  });
});

describe('compilations', () => {
  it("keeps the project's compilations newest first (ties by id) and ignores other projects'", () => {
    const fold = foldCompilations('p');
    let list = [compilation('c1', 'p', 10)];
    list = fold(list, { type: 'compilation', data: compilation('c2', 'p', 10) }) as Compilation[];
    list = fold(list, { type: 'compilation', data: compilation('c1', 'p', 10, 'succeeded') }) as Compilation[];
    expect(list.map((c) => [c.id, c.state])).toEqual([
      ['c2', 'running'],
      ['c1', 'succeeded'],
    ]);
    expect(fold(list, { type: 'compilation', data: compilation('x', 'q', 11) })).toBe(list);
    expect((fold(list, deleted('compilation', 'c2')) as Compilation[]).map((c) => c.id)).toEqual(['c1']);
  });
});

describe('the dev loop and the status', () => {
  const dev: DevStatus = {
    watching: true,
    building: false,
    servingRun: 'r1',
    swappingTo: null,
    problem: null,
    swaps: [],
    restart: { failures: 0, nextAt: null, gaveUp: false },
    starts: null,
  };

  it("takes the project's dev events without the project field, and reloads when one of its service runs changes", () => {
    const fold = foldDevStatus('p');
    expect(fold(dev, { type: 'dev', data: { ...dev, building: true, project: 'p' } })).toEqual({
      ...dev,
      building: true,
    });
    expect(fold(dev, { type: 'dev', data: { ...dev, building: true, project: 'q' } })).toBe(dev);
    expect(fold(dev, { type: 'run', data: run('r2', 'p', 'running', 'service') })).toBe(RELOAD);
    expect(fold(dev, { type: 'run', data: run('r2', 'p', 'running', 'oneShot') })).toBe(dev);
  });

  it('reloads the status only when the engine comes or goes', () => {
    const status = { docker: { available: true, version: '28.0' } } as StatusResponse;
    expect(foldStatus(status, { type: 'status', data: { docker: { available: true } } })).toBe(status);
    expect(foldStatus(status, { type: 'status', data: { docker: { available: false } } })).toBe(RELOAD);
  });
});

describe('AWS invocations', () => {
  const summary = (requestId: string, receivedAt: number, state = 'running', projectId = 'f') =>
    ({ requestId, project: projectId, receivedAt, state }) as unknown as AwsInvocation;

  it('merges summaries into loaded invocations (keeping their bodies), adds new ones newest first, up to `limit`', () => {
    const fold = foldInvocations('f', 2);
    const loaded = [{ ...summary('a', 1, 'running'), payload: { text: '{}', bytes: 2, truncated: false } }];
    const next = fold(loaded as AwsInvocation[], {
      type: 'invocations',
      data: {
        invocations: [
          { ...summary('a', 1, 'succeeded') },
          { ...summary('b', 2) },
          { ...summary('c', 3) },
          { ...summary('z', 9, 'queued', 'other') },
        ],
      },
    }) as AwsInvocation[];
    expect(next.map((i) => i.requestId)).toEqual(['c', 'b']);
    const withA = fold(loaded as AwsInvocation[], {
      type: 'invocations',
      data: { invocations: [summary('a', 1, 'succeeded')] },
    }) as AwsInvocation[];
    expect(withA[0]).toMatchObject({ state: 'succeeded', payload: { text: '{}' } });
  });

  it('empties when the function is deleted', () => {
    const list = [summary('a', 1)];
    expect(foldInvocations('f', 50)(list, deleted('project', 'f'))).toEqual([]);
    expect(foldInvocations('f', 50)(list, deleted('project', 'g'))).toBe(list);
  });
});

describe('schedules', () => {
  const schedule = (id: string, projectId: string, created: number, enabled = true) =>
    ({ id, project: projectId, created, enabled }) as Schedule;
  const fold = foldSchedules('p1');
  it("adds and replaces the project's schedules, oldest first, and ignores other projects'", () => {
    let list = fold([], { type: 'schedule', data: schedule('b', 'p1', 20) }) as Schedule[];
    list = fold(list, { type: 'schedule', data: schedule('a', 'p1', 10) }) as Schedule[];
    expect(list.map((s) => s.id)).toEqual(['a', 'b']);
    list = fold(list, { type: 'schedule', data: schedule('b', 'p1', 20, false) }) as Schedule[];
    expect(list.map((s) => [s.id, s.enabled])).toEqual([
      ['a', true],
      ['b', false],
    ]);
    expect(fold(list, { type: 'schedule', data: schedule('c', 'p2', 5) })).toBe(list);
  });
  it('drops a deleted schedule', () => {
    const list = [schedule('a', 'p1', 10), schedule('b', 'p1', 20)];
    expect((fold(list, deleted('schedule', 'a')) as Schedule[]).map((s) => s.id)).toEqual(['b']);
    expect(fold(list, deleted('run', 'a'))).toBe(list);
  });
});
