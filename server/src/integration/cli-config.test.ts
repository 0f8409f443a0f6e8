// Issue 25: `swiftlambda env` and `swiftlambda secret` against a server started as `npm start` starts it.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { execTracked, killChild, killTrackedChildren, trackChild, type ExecResult } from '../testing/children.js';
import { makeDataDir, PACKAGES, startServerProcess } from '../testing/harness.js';

const CLI = fileURLToPath(new URL('../cli/swiftlambda.js', import.meta.url));
const SECRET = 'cli-s3cr3t value';

/** One CLI command, with `stdin` piped to it; killed after 60 s. */
function cliWithInput(dataDir: string, stdin: string, ...args: string[]): Promise<ExecResult> {
  return new Promise((resolve) => {
    const child = trackChild(spawn(process.execPath, [CLI, '--data-dir', dataDir, ...args]));
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(stdin);
  });
}

describe('swiftlambda env and secret', { timeout: 300_000 }, () => {
  let dataDir = '';
  let child: ChildProcess | undefined;
  let id = '';
  const cli = (...args: string[]) => execTracked(process.execPath, [CLI, '--data-dir', dataDir, ...args], 60_000);

  before(async () => {
    dataDir = await makeDataDir();
    ({ child } = await startServerProcess(dataDir));
    const created = await cli('projects', 'create', '--name', 'hello', '--path', PACKAGES.hello, '--target', 'hello');
    assert.equal(created.code, 0, created.stderr);
    id = /LAMBDA_ID=(\S+)/.exec(created.stdout)![1]!;
  });
  after(async () => {
    if (child) await Promise.race([killChild(child, 'SIGTERM'), new Promise((r) => setTimeout(r, 30_000))]);
    await killTrackedChildren();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('env sets, shows and unsets variables; a reserved or bad name is refused and changes nothing', async () => {
    const url = 'postgres://app:pw@127.0.0.1:5432/app?sslmode=disable';
    const set = await cli('env', id, 'LOG_LEVEL=debug', `DATABASE_URL=${url}`);
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /^LOG_LEVEL=debug$/m);
    assert.ok(set.stdout.includes(`DATABASE_URL=${url}`));
    const reserved = await cli('env', id, 'PORT=9000', 'OTHER=1');
    assert.notEqual(reserved.code, 0);
    assert.match(reserved.stderr, /reserved_env_name/);
    const bad = await cli('env', id, '1BAD=x');
    assert.match(bad.stderr, /invalid_environment/);
    const unset = await cli('env', id, '--unset', 'LOG_LEVEL');
    assert.equal(unset.code, 0, unset.stderr);
    assert.ok(!unset.stdout.includes('LOG_LEVEL'));
    assert.ok(!unset.stdout.includes('OTHER'), 'the refused change left nothing behind');
    const json = await cli('--json', 'env', id);
    assert.deepEqual(JSON.parse(json.stdout), { environment: { DATABASE_URL: url }, envFile: null });
  });

  test('secret set reads stdin, never an argument; ls shows names and times; rm removes', async () => {
    const set = await cliWithInput(dataDir, `${SECRET}\n`, 'secret', 'set', id, 'DB_PASSWORD');
    assert.equal(set.code, 0, set.stderr);
    assert.ok(!set.stdout.includes(SECRET) && !set.stderr.includes(SECRET));
    const asArgument = await cli('secret', 'set', id, 'DB_PASSWORD', 'on-the-command-line');
    assert.equal(asArgument.code, 2);
    assert.match(asArgument.stderr, /stdin/);
    const listed = await cli('secret', 'ls', id);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /DB_PASSWORD\s+just now/);
    const json = JSON.parse((await cli('--json', 'secret', 'ls', id)).stdout);
    assert.deepEqual(
      json.secrets.map((s: { name: string }) => s.name),
      ['DB_PASSWORD'],
    );
    const stored = JSON.parse(await readFile(join(dataDir, 'secrets.json'), 'utf8'));
    assert.equal(stored.projects[id].DB_PASSWORD.value, SECRET, 'the trailing newline of stdin is dropped');
    assert.ok(!(await readFile(join(dataDir, 'db.json'), 'utf8')).includes(SECRET));
    assert.equal((await cli('secret', 'rm', id, 'DB_PASSWORD')).code, 0);
    const again = await cli('secret', 'rm', id, 'DB_PASSWORD');
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /secret_not_found/);
  });
});
