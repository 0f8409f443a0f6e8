// Issue 2: the `swiftlambda` CLI against a server started the way `npm start` starts it.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { execTracked, killChild, killTrackedChildren, type ExecResult } from '../testing/children.js';
import { makeDataDir, PACKAGES, startServerProcess } from '../testing/harness.js';

const CLI = fileURLToPath(new URL('../cli/swiftlambda.js', import.meta.url));

/** One CLI command, killed if it has not ended in 10 min (a Swift build on 2 busy cores). */
function cli(dataDir: string, ...args: string[]): Promise<ExecResult> {
  return execTracked(process.execPath, [CLI, '--data-dir', dataDir, ...args], 10 * 60_000);
}

describe('swiftlambda CLI', () => {
  let dataDir = '';
  let child: ChildProcess | undefined;
  before(async () => {
    dataDir = await makeDataDir();
    ({ child } = await startServerProcess(dataDir));
  });
  after(async () => {
    // a clean stop first (the server stops its runs), then whatever is still running
    if (child) await Promise.race([killChild(child, 'SIGTERM'), sleep(30_000)]);
    await killTrackedChildren();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('server.json is written with mode 0600', async () => {
    const info = await stat(join(dataDir, 'server.json'));
    assert.equal(info.mode & 0o777, 0o600);
  });

  test('projects, keys and builds through the CLI; a failed build exits non-zero', async () => {
    const created = await cli(
      dataDir,
      'projects',
      'create',
      '--name',
      'hello',
      '--path',
      PACKAGES.hello,
      '--target',
      'hello',
    );
    assert.equal(created.code, 0, created.stderr);
    const id = /LAMBDA_ID=(\S+)/.exec(created.stdout)![1]!;
    assert.match((await cli(dataDir, 'projects', 'list')).stdout, new RegExp(id));
    const key = await cli(dataDir, 'keys', 'create', '--name', 'ci', '--expires-in-days', '30', '--project', id);
    assert.equal(key.code, 0, key.stderr);
    assert.match(key.stdout, /slk_[0-9A-Za-z]{36}/);
    const keyId = /created key (\S+)/.exec(key.stdout)![1]!;
    const listed = await cli(dataDir, 'keys', 'list');
    assert.match(listed.stdout, /ci\s+slk_\w{8}\s+active/);
    assert.ok(!listed.stdout.includes(/slk_[0-9A-Za-z]{36}/.exec(key.stdout)![0]), 'the list never shows the secret');
    assert.equal((await cli(dataDir, 'keys', 'revoke', keyId)).code, 0);
    assert.match((await cli(dataDir, 'keys', 'list')).stdout, /revoked/);

    const build = await cli(dataDir, 'build', id);
    assert.equal(build.code, 0, build.stderr);
    assert.match(build.stdout, /Build of product 'hello' complete|Compiling/);
    assert.match(build.stdout, /: succeeded/);

    const run = await cli(dataDir, 'run', id, '--', 'from-cli');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /\[0\] from-cli/);

    const broken = await cli(
      dataDir,
      'projects',
      'create',
      '--name',
      'broken',
      '--path',
      PACKAGES.broken,
      '--target',
      'broken',
    );
    const brokenId = /LAMBDA_ID=(\S+)/.exec(broken.stdout)![1]!;
    const failed = await cli(dataDir, 'build', brokenId);
    assert.equal(failed.code, 1);
    assert.match(failed.stdout + failed.stderr, /error:/);

    const bad = await cli(dataDir, 'projects', 'create', '--name', 'x', '--path', '/nope', '--target', 'x');
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /source_path_not_found/);
  });
});
