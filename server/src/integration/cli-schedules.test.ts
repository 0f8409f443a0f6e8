// Issue 30: `swiftlambda schedule add|ls|rm|enable|disable` against a server started the way
// `npm start` starts it. Nothing fires here (the expressions are far apart): the firing itself is
// tested in schedules.test.ts.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { Schedule } from '../contract/schedules.js';
import { execTracked, killChild, killTrackedChildren, type ExecResult } from '../testing/children.js';
import { makeDataDir, PACKAGES, startServerProcess, type ApiClient } from '../testing/harness.js';

const CLI = fileURLToPath(new URL('../cli/swiftlambda.js', import.meta.url));

describe('swiftlambda schedule', { timeout: 5 * 60_000 }, () => {
  let dataDir = '';
  let server: ChildProcess | undefined;
  let api: ApiClient;
  let projectId = '';
  const cli = (args: string[]): Promise<ExecResult> =>
    execTracked(process.execPath, [CLI, '--data-dir', dataDir, ...args], 60_000);

  before(async () => {
    dataDir = await makeDataDir();
    ({ child: server, api } = await startServerProcess(dataDir));
    projectId = (await api.createProject(PACKAGES.hello, 'hello')).id;
  });
  after(async () => {
    if (server) await killChild(server, 'SIGTERM');
    await killTrackedChildren();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('add, ls (table and --json), disable, enable and rm; bad input names the problem', async () => {
    const added = await cli([
      'schedule',
      'add',
      projectId,
      '0 3 * * *',
      '--timezone',
      'UTC',
      '--',
      'nightly',
      '--full',
    ]);
    assert.equal(added.code, 0, added.stderr);
    const id = /created schedule (\S+): 0 3 \* \* \* \(UTC\), next run \d{4}-\d\d-\d\d 03:00 UTC/.exec(
      added.stdout,
    )?.[1];
    assert.ok(id, added.stdout);

    const listed = await cli(['schedule', 'ls', projectId]);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /ID\s+CRON\s+TIMEZONE\s+ON\s+NEXT/);
    assert.match(listed.stdout, new RegExp(`${id}\\s+0 3 \\* \\* \\*\\s+UTC\\s+yes .* nightly --full`));
    const json = await cli(['--json', 'schedule', 'ls', projectId]);
    const { schedules } = JSON.parse(json.stdout) as { schedules: Schedule[] };
    assert.deepEqual(
      schedules.map((s) => [s.id, s.arguments, s.enabled]),
      [[id, ['nightly', '--full'], true]],
    );

    const off = await cli(['schedule', 'disable', projectId, id]);
    assert.equal(off.code, 0, off.stderr);
    assert.match(off.stdout, /is off/);
    assert.equal((await api.console('GET', `/projects/${projectId}/schedules/${id}`)).body.schedule.nextRunAt, null);
    assert.match((await cli(['schedule', 'enable', projectId, id])).stdout, /is on/);

    const bad = await cli(['schedule', 'add', projectId, 'every day']);
    assert.equal(bad.code, 2, 'a refusal is exit 2, as every CLI error');
    assert.match(bad.stderr, /five fields.*\(400 invalid_cron\)/s);
    const badJson = await cli(['--json', 'schedule', 'add', projectId, '* * * * *', '--timezone', 'Nowhere/Else']);
    assert.equal(JSON.parse(badJson.stderr).reason, 'invalid_timezone');
    const usage = await cli(['schedule', 'add', projectId]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /needs a cron expression/);

    assert.equal((await cli(['schedule', 'rm', projectId, id])).code, 0);
    const gone = await cli(['schedule', 'rm', projectId, id]);
    assert.equal(gone.code, 2);
    assert.match(gone.stderr, /schedule_not_found/);
  });

  test('info --shell exports what a curl session needs; a project name works where a LAMBDA_ID does', async () => {
    const info = await cli(['info']);
    assert.equal(info.code, 0, info.stderr);
    assert.match(info.stdout, new RegExp(`API: +${api.baseUrl}\n`));
    assert.match(info.stdout, new RegExp(`Data dir: +${dataDir}\n`));
    const script =
      `eval "$(${process.execPath} ${CLI} --data-dir ${dataDir} info --shell)" && curl -s -H ` +
      `"Authorization: Bearer $SWIFTLAMBDA_CONSOLE_TOKEN" "$SWIFTLAMBDA_API_URL/console/api/projects"`;
    const session = await execTracked('bash', ['-c', script], 60_000, {
      env: { ...process.env, SWIFTLAMBDA_DATA_DIR: '' },
    });
    assert.equal(session.code, 0, session.stderr);
    assert.equal(JSON.parse(session.stdout).projects[0].id, projectId);
    const byName = await cli(['--json', 'schedule', 'ls', 'HELLO']);
    assert.equal(byName.code, 0, byName.stderr);
    assert.deepEqual(JSON.parse(byName.stdout), { schedules: [] });
    const key = await cli(['--json', 'keys', 'create', '--name', 'by-name', '--project', 'hello']);
    assert.equal(key.code, 0, key.stderr);
    assert.deepEqual(JSON.parse(key.stdout).key.projects, [projectId], 'keys create --project takes a name too');
    const unknown = await cli(['runs', 'no-such-project']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no project named "no-such-project"/);
  });
});
