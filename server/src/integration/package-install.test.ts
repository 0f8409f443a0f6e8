// Issue 18: the package as a user gets it. `npm pack`, then `npm install ./swiftlambda-local-*.tgz`
// into a fresh project (dependencies from the npm cache, the registry when the cache lacks them),
// then `npx swiftlambda exec` from there: its bin, its exports, its built console, no dev files.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { execTracked, killTrackedChildren } from '../testing/children.js';
import { testEngine } from '../testing/docker.js';
import { PACKAGES, TEST_IMAGE } from '../testing/harness.js';

/** What is left in a temp folder, less the compile cache npm and Node 22+ keep there themselves. */
async function leftIn(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name !== 'node-compile-cache');
}

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const INSTALL_TIMEOUT_MS = 5 * 60_000;

// Run by `npx swiftlambda exec`: a oneShot of hello through the public API, the console's page,
// then exit 5 so the test sees the command's own code.
const COMMAND = `
const env = process.env;
const url = env.SWIFTLAMBDA_API_URL, id = env.SWIFTLAMBDA_LAMBDA_ID_HELLO;
const headers = { 'x-api-key': env.SWIFTLAMBDA_API_KEY, 'content-type': 'application/json' };
const runs = url + '/lambdas/' + id + '/runs';
const { run } = await (await fetch(runs, { method: 'POST', headers, body: JSON.stringify({ mode: 'oneShot', arguments: ['from-the-tarball'] }) })).json();
let state = run.state;
while (state === 'queued' || state === 'running') {
  await new Promise((r) => setTimeout(r, 100));
  state = (await (await fetch(runs + '/' + run.uuid, { headers })).json()).run.state;
}
const logs = (await (await fetch(runs + '/' + run.uuid + '/logs?afterSequence=-1', { headers })).json()).logs.map((c) => c.data).join('');
const page = await (await fetch(url + '/')).text();
console.log('RESULT ' + JSON.stringify({ id, state, logs, console: page.includes('<title>SwiftLambda Local</title>') }));
process.exit(5);
`;

describe('the packed package installed into a fresh project', { timeout: 20 * 60_000 }, () => {
  let root = '';
  let project = '';
  let tarball = '';

  before(async () => {
    assert.ok(
      existsSync(join(REPO, 'dist/renderer/index.html')) && existsSync(join(REPO, 'dist/server/cli/swiftlambda.js')),
      'build first: npm run build',
    );
    root = await mkdtemp(join(tmpdir(), 'swiftlambda-pack-test-'));
    project = join(root, 'project');
    await mkdir(project);
  });

  after(async () => {
    await killTrackedChildren();
    await rm(root, { recursive: true, force: true });
  });

  test(
    'npm pack: bin, exports, the built console and the examples; no tests, harness or benchmarks',
    { timeout: 5 * 60_000 },
    async () => {
      const packed = await execTracked('npm', ['pack', '--json', '--pack-destination', root], 3 * 60_000, {
        cwd: REPO,
      });
      assert.equal(packed.code, 0, packed.stderr);
      const [info] = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
      tarball = join(root, info!.filename);
      const files = info!.files.map((f) => f.path);
      for (const needed of [
        'package.json',
        'dist/server/cli/swiftlambda.js',
        'dist/server/emulator/index.js',
        'dist/server/emulator/index.d.ts',
        'dist/server/emulator/playwright.js',
        'dist/server/index.js',
        'dist/renderer/index.html',
        'resources/examples/hello/Package.swift',
      ])
        assert.ok(files.includes(needed), `${needed} is in the package`);
      const devOnly = files.filter((f) => /\.test\.|\/(testing|integration|bench|faults)\/|\.map$|\/\.build\//.test(f));
      assert.deepEqual(devOnly, [], 'no dev-only files');
    },
  );

  test(
    'npm install of the tarball, then npx swiftlambda exec: the env, a run, the console, the exit code',
    { timeout: 12 * 60_000 },
    async () => {
      assert.ok(tarball, 'the pack test ran');
      await writeFile(
        join(project, 'package.json'),
        JSON.stringify({ name: 'a-users-tests', private: true, type: 'module' }),
      );
      const installed = await execTracked(
        'npm',
        ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball],
        INSTALL_TIMEOUT_MS,
        { cwd: project },
      );
      assert.equal(installed.code, 0, installed.stderr);
      assert.ok(
        !existsSync(join(project, 'node_modules/@playwright/test')),
        '@playwright/test is an optional peer, not installed',
      );

      await writeFile(join(project, 'command.mjs'), COMMAND);
      const tmp = join(root, 'tmp');
      await mkdir(tmp);
      const result = await execTracked(
        'npx',
        [
          'swiftlambda',
          'exec',
          '--image',
          TEST_IMAGE,
          '--project',
          `hello=${PACKAGES.hello}:hello`,
          '--',
          'node',
          'command.mjs',
        ],
        8 * 60_000,
        {
          cwd: project,
          env: { ...process.env, TMPDIR: tmp },
        },
      );
      assert.equal(result.code, 5, result.stderr);
      const out = JSON.parse(/^RESULT (.*)$/m.exec(result.stdout)![1]!);
      assert.equal(out.state, 'succeeded');
      assert.match(out.logs, /\[0\] from-the-tarball/);
      assert.equal(out.console, true, 'the built console is served');
      assert.deepEqual(await testEngine.listContainers({ 'swiftlambda.project': out.id }), []);
      assert.deepEqual(await leftIn(tmp), [], 'the temporary data dir is gone');
    },
  );

  test(
    'its exports resolve from the project; the Playwright entry asks for @playwright/test',
    { timeout: 60_000 },
    async () => {
      const probe = `
const lib = await import('swiftlambda-local');
const playwright = await import('swiftlambda-local/playwright').then(() => 'loaded', (e) => e.code);
console.log(JSON.stringify({ lib: Object.keys(lib).sort(), playwright }));`;
      const result = await execTracked(process.execPath, ['--input-type=module', '-e', probe], 30_000, {
        cwd: project,
      });
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(JSON.parse(result.stdout), {
        lib: ['BuildFailedError', 'readEventStream', 'startEmulator'],
        playwright: 'ERR_MODULE_NOT_FOUND',
      });
    },
  );
});
