// Issue 15: `swiftlambda dev` against a server started the way `npm start` starts it: the dev URL
// printed and answering, a save answering there with the new code, a compile error printed as
// file:line:col, and Ctrl-C stopping the run and turning watch off.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { ConsoleRun } from '../contract/dev.js';
import { execTracked, killChild, killTrackedChildren, trackChild } from '../testing/children.js';
import {
  makeDataDir,
  PACKAGES,
  SERVER_PROCESS_TOKEN,
  startServerProcess,
  waitFor,
  type ApiClient,
} from '../testing/harness.js';

const CLI = fileURLToPath(new URL('../cli/swiftlambda.js', import.meta.url));
const MINUTE = 60_000;
/** a Swift build on 2 busy cores */
const BUILD_MS = 4 * MINUTE;

/** A CLI child whose output is kept as it arrives. */
interface CliProcess {
  readonly child: ChildProcess;
  readonly out: () => string;
  readonly err: () => string;
  readonly exited: Promise<number | null>;
}

function startCli(dataDir: string, args: string[]): CliProcess {
  const child = trackChild(
    spawn(process.execPath, [CLI, '--data-dir', dataDir, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }),
  );
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, out: () => out, err: () => err, exited };
}

/** `promise`'s value, or 'late' after `ms` (the timer does not keep the test process alive). */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | 'late'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), ms)));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The body of a GET on the dev URL, or undefined while it does not answer 200. */
async function devAnswer(url: string): Promise<string | undefined> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${SERVER_PROCESS_TOKEN}` } }).catch(() => undefined);
  if (!res) return undefined;
  const text = await res.text();
  return res.status === 200 ? text : undefined;
}

// within run-tests' 10 min budget per file
describe('swiftlambda dev', { timeout: 10 * MINUTE }, () => {
  let dataDir = '';
  let workDir = '';
  let server: ChildProcess | undefined;
  let api: ApiClient;
  before(async () => {
    dataDir = await makeDataDir();
    workDir = await mkdtemp(join(tmpdir(), 'swiftlambda-cli-dev-'));
    ({ child: server, api } = await startServerProcess(dataDir));
  });
  after(async () => {
    // a clean stop first (the server stops its runs), then whatever is still running
    if (server) await within(killChild(server, 'SIGTERM'), 30_000);
    await killTrackedChildren();
    await rm(dataDir, { recursive: true, force: true });
    await rm(workDir, { recursive: true, force: true });
  });

  test(
    'builds, serves the dev URL, swaps on save, prints compile errors, and Ctrl-C stops it all',
    { timeout: 9 * MINUTE },
    async () => {
      const source = join(workDir, 'echo-service');
      await cp(PACKAGES.echo, source, { recursive: true });
      const main = join(source, 'Sources/echo-service/main.swift');
      const created = await execTracked(
        process.execPath,
        [
          CLI,
          '--data-dir',
          dataDir,
          'projects',
          'create',
          '--name',
          'echo-dev',
          '--path',
          source,
          '--target',
          'echo-service',
          '--timeout',
          '1800',
        ],
        MINUTE,
      );
      assert.equal(created.code, 0, created.stderr);
      const id = /LAMBDA_ID=(\S+)/.exec(created.stdout)![1]!;
      // debug builds rebuild faster; the echo service does not trap SIGTERM, so a short grace will do
      assert.equal(
        (await api.console('PATCH', `/projects/${id}`, { buildConfiguration: 'debug', stopGraceSeconds: 2 })).status,
        200,
      );

      const dev = startCli(dataDir, ['dev', id, '--service']);
      const devUrl = await waitFor(
        async () => /^dev URL: (\S+)$/m.exec(dev.err())?.[1],
        BUILD_MS,
        'the dev URL to be printed',
        250,
      );
      assert.equal(devUrl, `${api.baseUrl}/dev/${id}/api/`);
      assert.equal((await api.console('GET', `/projects/${id}`)).body.project.watch, true, 'dev turns watch on');
      assert.match(dev.err(), /── build \d+ succeeded in [\d.]+ s ──/);
      const firstRun = /── run ([0-9a-f]{8}) service ──/.exec(dev.err())?.[1];
      assert.ok(firstRun, dev.err());
      const first = await waitFor(() => devAnswer(`${devUrl}hello`), MINUTE, 'the dev URL to answer');
      assert.match(first, /^Hello from run /);
      assert.ok(first.includes(firstRun));

      // a save: the new build answers on the same URL, from a run that replaced the first
      await writeFile(main, (await readFile(main, 'utf8')).replaceAll('Hello from run', 'Howdy from run'));
      const second = await waitFor(
        async () => {
          const body = await devAnswer(`${devUrl}hello`);
          return body?.startsWith('Howdy from run') ? body : undefined;
        },
        BUILD_MS,
        'the edited service on the dev URL',
        250,
      );
      assert.ok(!second.includes(firstRun));
      await waitFor(
        async () =>
          new RegExp(`── run [0-9a-f]{8} service \\(replaces ${firstRun}\\) ──`).test(dev.err()) ? true : undefined,
        10_000,
        'the swap marker',
      );

      // a compile error: printed as file:line:col with the user's path; the previous version keeps serving
      const text = await readFile(main, 'utf8');
      await writeFile(main, text.replace('let runID =', 'let broken: Int = "nope"\nlet runID ='));
      const brokenLine = text.split('\n').findIndex((l) => l.startsWith('let runID =')) + 1;
      const diagnostic = await waitFor(
        async () =>
          new RegExp(`^${main.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${brokenLine}:\\d+: error: .+$`, 'm').exec(
            dev.err(),
          )?.[0],
        BUILD_MS,
        'the compile error',
        250,
      );
      assert.match(diagnostic, /cannot convert value of type 'String'/);
      assert.match(dev.err(), /── build \d+ failed in [\d.]+ s: 1 error ──/);
      assert.match((await devAnswer(`${devUrl}hello`)) ?? '', /^Howdy from run /);

      // Ctrl-C: every run it followed is stopped, watch is off, and the dev URL has nothing to serve
      dev.child.kill('SIGINT');
      const code = await within(dev.exited, 2 * MINUTE);
      assert.equal(code, 0, dev.err());
      assert.match(dev.err(), /── watch off ──/);
      assert.equal((await api.console('GET', `/projects/${id}`)).body.project.watch, false);
      const runs = (await api.console<{ runs: ConsoleRun[] }>('GET', `/runs?project=${id}`)).body.runs;
      assert.ok(runs.length >= 2, JSON.stringify(runs));
      for (const run of runs) assert.equal(run.state, 'stopped', `${run.uuid} is ${run.state}`);
      assert.ok(runs.some((r) => r.replacesRun?.startsWith(firstRun)));
      const after = await fetch(`${devUrl}hello`, { headers: { authorization: `Bearer ${SERVER_PROCESS_TOKEN}` } });
      assert.equal(after.status, 409);
      assert.equal(((await after.json()) as { reason: string }).reason, 'instance_not_running');
    },
  );
});
