// Issue 18: `swiftlambda exec` and `startEmulator()` as a user's test suite runs them: the exit code
// passed through, a failed build stopping before the command, and nothing left behind (no labelled
// container, no temporary data dir) after a normal end, a failing command, SIGINT and SIGTERM.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildVolumeName } from '../modules/builds/index.js';
import { execTracked, killChild, killTrackedChildren, trackChild, type ExecResult } from '../testing/children.js';
import { testEngine } from '../testing/docker.js';
import { PACKAGES, TEST_IMAGE, waitFor } from '../testing/harness.js';

/** What is left in a temp folder, less the compile cache npm and Node 22+ keep there themselves. */
async function leftIn(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name !== 'node-compile-cache');
}

const CLI = fileURLToPath(new URL('../cli/swiftlambda.js', import.meta.url));
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const EXEC_TIMEOUT_MS = 8 * 60_000;

// The command exec runs: starts a oneShot of hello that sleeps (a live container at the end),
// prints what it saw as one JSON line, then exits with argv[2], waits, or traps SIGTERM.
const COMMAND = `
const env = process.env;
const url = env.SWIFTLAMBDA_API_URL, key = env.SWIFTLAMBDA_API_KEY, id = env.SWIFTLAMBDA_LAMBDA_ID_HELLO;
const headers = { 'x-api-key': key, 'content-type': 'application/json' };
const body = JSON.stringify({ mode: 'oneShot', arguments: ['sleep:120'] });
const started = await (await fetch(url + '/lambdas/' + id + '/runs', { method: 'POST', headers, body })).json();
const runId = started.run.uuid;
for (;;) {
  const { run } = await (await fetch(url + '/lambdas/' + id + '/runs/' + runId, { headers })).json();
  if (run.state === 'running') break;
  await new Promise((r) => setTimeout(r, 100));
}
const status = await fetch(url + '/console/api/status', { headers: { authorization: 'Bearer ' + env.SWIFTLAMBDA_CONSOLE_TOKEN } });
const vars = Object.keys(env).filter((k) => k.startsWith('SWIFTLAMBDA_')).sort();
console.log('READY ' + JSON.stringify({ url, key, id, runId, dataDir: env.SWIFTLAMBDA_DATA_DIR, consoleStatus: status.status, vars }));
const how = process.argv[2];
if (how === 'wait') setInterval(() => {}, 1000);
else if (how === 'trap-term') { process.on('SIGTERM', () => { console.log('got SIGTERM'); process.exit(42); }); setInterval(() => {}, 1000); }
else process.exit(Number(how));
`;

interface Ready {
  url: string;
  key: string;
  id: string;
  runId: string;
  dataDir: string;
  consoleStatus: number;
  vars: string[];
}

const readyIn = (stdout: string): Ready => JSON.parse(/^READY (.*)$/m.exec(stdout)![1]!) as Ready;
const builtSeconds = (stderr: string) => Number(/hello: built in ([\d.]+) s/.exec(stderr)?.[1]);

describe('swiftlambda exec and startEmulator', { timeout: 30 * 60_000 }, () => {
  let root = '';
  /** TMPDIR of every exec: empty again once exec has cleaned up */
  let tmp = '';
  let script = '';
  /** a copy of hello at a path of this test's own, so its first build is cold */
  let hello = '';

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'swiftlambda-exec-test-'));
    tmp = join(root, 'tmp');
    hello = join(root, 'hello');
    script = join(root, 'command.mjs');
    await mkdir(tmp);
    await cp(PACKAGES.hello, hello, { recursive: true, filter: (src) => !src.includes('/.build') });
    await writeFile(script, COMMAND);
  });

  after(async () => {
    await killTrackedChildren();
    await testEngine.removeVolume(buildVolumeName('packagePath', '', hello)).catch(() => undefined);
    await rm(root, { recursive: true, force: true });
  });

  const execArgs = (...command: string[]) => [
    CLI,
    'exec',
    '--image',
    TEST_IMAGE,
    '--project',
    `hello=${hello}:hello`,
    '--',
    ...command,
  ];
  const execEnv = () => ({ ...process.env, TMPDIR: tmp });

  async function assertNothingLeft(ready: Ready): Promise<void> {
    assert.deepEqual(
      await testEngine.listContainers({ 'swiftlambda.project': ready.id }),
      [],
      'no container of the project is left',
    );
    assert.deepEqual(await leftIn(tmp), [], 'the temporary data dir is gone');
    assert.ok(ready.dataDir.startsWith(tmp), ready.dataDir);
  }

  let firstBuild = NaN;
  test(
    'exit code 0 passes through; the command gets the environment; nothing is left',
    { timeout: 10 * 60_000 },
    async (t) => {
      const result = await execTracked(process.execPath, execArgs(process.execPath, script, '0'), EXEC_TIMEOUT_MS, {
        env: execEnv(),
      });
      assert.equal(result.code, 0, result.stderr);
      const ready = readyIn(result.stdout);
      // exec's own variables, beside whatever SWIFTLAMBDA_* the test runner passes on
      const inherited = new Set(Object.keys(process.env));
      assert.deepEqual(
        ready.vars.filter((v) => !inherited.has(v)),
        [
          'SWIFTLAMBDA_API_KEY',
          'SWIFTLAMBDA_API_URL',
          'SWIFTLAMBDA_CONSOLE_TOKEN',
          'SWIFTLAMBDA_DATA_DIR',
          'SWIFTLAMBDA_LAMBDA_ID_HELLO',
        ],
      );
      assert.match(ready.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.match(ready.key, /^slk_[0-9A-Za-z]{36}$/);
      assert.equal(ready.consoleStatus, 200);
      assert.match(result.stderr, /Build of product 'hello' complete/, 'the build output is shown');
      await assertNothingLeft(ready);
      firstBuild = builtSeconds(result.stderr);
      t.diagnostic(`first exec (cold build volume): hello built in ${firstBuild} s`);
    },
  );

  test(
    'a failing command: its code (7) passes through, the live run is stopped and removed; the second build is incremental',
    { timeout: 10 * 60_000 },
    async (t) => {
      const result = await execTracked(process.execPath, execArgs(process.execPath, script, '7'), EXEC_TIMEOUT_MS, {
        env: execEnv(),
      });
      assert.equal(result.code, 7, result.stderr);
      await assertNothingLeft(readyIn(result.stdout));
      assert.doesNotMatch(result.stderr, /Compiling hello/, 'nothing is compiled again');
      t.diagnostic(
        `second exec (same package path): hello built in ${builtSeconds(result.stderr)} s (first: ${firstBuild} s)`,
      );
    },
  );

  test(
    'Ctrl-C (SIGINT to the process group): the command ends, exec cleans up and exits 130',
    { timeout: 10 * 60_000 },
    async () => {
      const child = trackChild(
        spawn(process.execPath, execArgs(process.execPath, script, 'wait'), {
          env: execEnv(),
          detached: true,
          stdio: ['ignore', 'pipe', 'pipe'],
        }),
      );
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (d) => (stdout += d));
      child.stderr!.on('data', (d) => (stderr += d));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      try {
        const ready = await waitFor(
          async () => (stdout.includes('READY ') ? readyIn(stdout) : undefined),
          EXEC_TIMEOUT_MS,
          'the command to start a run',
        );
        assert.equal(
          (await testEngine.listContainers({ 'swiftlambda.run': ready.runId })).length,
          1,
          'the run is live before the interrupt',
        );
        process.kill(-child.pid!, 'SIGINT');
        const code = await Promise.race([exited, sleep(120_000, 'hung' as const)]);
        assert.equal(code, 130, stderr);
        await assertNothingLeft(ready);
      } finally {
        await killChild(child);
      }
    },
  );

  test(
    'SIGTERM to exec alone is forwarded to the command, whose own code comes back',
    { timeout: 10 * 60_000 },
    async () => {
      const child = trackChild(
        spawn(process.execPath, execArgs(process.execPath, script, 'trap-term'), {
          env: execEnv(),
          stdio: ['ignore', 'pipe', 'pipe'],
        }),
      );
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (d) => (stdout += d));
      child.stderr!.on('data', (d) => (stderr += d));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      try {
        const ready = await waitFor(
          async () => (stdout.includes('READY ') ? readyIn(stdout) : undefined),
          EXEC_TIMEOUT_MS,
          'the command to start a run',
        );
        child.kill('SIGTERM');
        const code = await Promise.race([exited, sleep(120_000, 'hung' as const)]);
        assert.equal(code, 42, stderr);
        assert.match(stdout, /got SIGTERM/);
        await assertNothingLeft(ready);
      } finally {
        await killChild(child);
      }
    },
  );

  test('a failed build exits 1 with the diagnostics, before the command runs', { timeout: 10 * 60_000 }, async () => {
    const args = [
      CLI,
      'exec',
      '--image',
      TEST_IMAGE,
      '--project',
      `broken=${PACKAGES.broken}:broken`,
      '--',
      process.execPath,
      '-e',
      'console.log("COMMAND RAN")',
    ];
    const result: ExecResult = await execTracked(process.execPath, args, EXEC_TIMEOUT_MS, { env: execEnv() });
    assert.equal(result.code, 1, result.stderr);
    assert.doesNotMatch(result.stdout, /COMMAND RAN/);
    assert.match(
      result.stderr,
      new RegExp(`^${join(PACKAGES.broken, 'Sources/broken/main.swift')}:\\d+:\\d+: error: `, 'm'),
    );
    assert.deepEqual(await leftIn(tmp), [], 'the temporary data dir is gone');
  });

  test('usage errors exit 2 and start nothing', { timeout: 60_000 }, async () => {
    for (const args of [
      ['--project', 'nocolon', '--', 'true'],
      ['--project', `a=${hello}:hello`],
      ['--bogus', '--', 'true'],
    ]) {
      const result = await execTracked(process.execPath, [CLI, 'exec', ...args], 30_000, { env: execEnv() });
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    }
    assert.deepEqual(await leftIn(tmp), []);
  });

  test(
    'startEmulator from an ESM project: a oneShot and a service through the proxy, stop() leaves nothing, the process ends by itself',
    { timeout: 10 * 60_000 },
    async () => {
      const project = join(root, 'esm-project');
      await mkdir(join(project, 'node_modules'), { recursive: true });
      await writeFile(
        join(project, 'package.json'),
        JSON.stringify({ name: 'uses-swiftlambda', private: true, type: 'module' }),
      );
      // the package as a dependency, resolved through its `exports` like an installed one
      await symlink(REPO, join(project, 'node_modules', 'swiftlambda-local'), 'dir');
      await writeFile(
        join(project, 'emulator.test.mjs'),
        `
import { startEmulator } from 'swiftlambda-local';
const emulator = await startEmulator({
  projects: { hello: { path: ${JSON.stringify(hello)}, target: 'hello' }, echo: { path: ${JSON.stringify(PACKAGES.echo)}, target: 'echo-service' } },
  image: ${JSON.stringify(TEST_IMAGE)},
});
const headers = { 'x-api-key': emulator.apiKey, 'content-type': 'application/json' };
const runs = emulator.url + '/lambdas/' + emulator.projects.hello + '/runs';
const { run } = await (await fetch(runs, { method: 'POST', headers, body: JSON.stringify({ mode: 'oneShot', arguments: ['from-esm'] }) })).json();
let state = run.state;
while (state === 'queued' || state === 'running') {
  await new Promise((r) => setTimeout(r, 100));
  state = (await (await fetch(runs + '/' + run.uuid, { headers })).json()).run.state;
}
const logs = (await (await fetch(runs + '/' + run.uuid + '/logs?afterSequence=-1', { headers })).json()).logs.map((c) => c.data).join('');
const service = await emulator.startService('echo');
const hello = await (await fetch(service.url + 'hello', { headers })).text();
await emulator.stop();
console.log('RESULT ' + JSON.stringify({ state, logs, hello, service, projects: emulator.projects, dataDir: emulator.dataDir }));
`,
      );
      const result = await execTracked(process.execPath, ['emulator.test.mjs'], EXEC_TIMEOUT_MS, {
        cwd: project,
        env: execEnv(),
      });
      assert.equal(result.code, 0, result.stderr);
      const out = JSON.parse(/^RESULT (.*)$/m.exec(result.stdout)![1]!);
      assert.equal(out.state, 'succeeded');
      assert.match(out.logs, /\[0\] from-esm/);
      assert.equal(out.hello, `Hello from run ${out.service.runId}\n`);
      for (const id of Object.values(out.projects) as string[])
        assert.deepEqual(await testEngine.listContainers({ 'swiftlambda.project': id }), []);
      assert.ok(out.dataDir.startsWith(tmp));
      assert.deepEqual(await leftIn(tmp), []);
    },
  );
});
