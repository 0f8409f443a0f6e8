// Issue 17: the CLI's runs, logs [-f], stop, stop-all and open, --json on them, errors that name the
// command to run, and Ctrl-C during `run` (oneShot and --service) stopping the run — against a
// server started the way `npm start` starts it.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { Compilation, LogChunk, Project, Run } from '../contract/types.js';
import { execTracked, killChild, killTrackedChildren, trackChild, type ExecResult } from '../testing/children.js';
import {
  makeDataDir,
  PACKAGES,
  SERVER_PROCESS_TOKEN,
  startServerProcess,
  waitFor,
  type ApiClient,
} from '../testing/harness.js';

const CLI = fileURLToPath(new URL('../cli/swiftlambda.js', import.meta.url));
const GRACEFUL = fileURLToPath(new URL('../../../resources/test-packages/graceful', import.meta.url));
const MINUTE = 60_000;
/** a Swift build on 2 busy cores */
const BUILD_MS = 8 * MINUTE;

interface JsonError {
  error: true;
  reason: string;
  message: string;
}

/** A CLI child whose output is kept as it arrives (for the commands that follow until a signal). */
interface CliProcess {
  readonly child: ChildProcess;
  readonly out: () => string;
  readonly err: () => string;
  readonly exited: Promise<number | null>;
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

/** One JSON document a line (the --json output of the commands that follow output). */
const jsonLines = (text: string) =>
  text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('swiftlambda runs, logs, stop, stop-all, open, --json and Ctrl-C', { timeout: 30 * MINUTE }, () => {
  let dataDir = '';
  let workDir = '';
  let server: ChildProcess | undefined;
  let api: ApiClient;
  let hello = '';
  let echo = '';
  let graceful = '';

  const cli = (args: string[], timeoutMs = 2 * MINUTE, env?: NodeJS.ProcessEnv): Promise<ExecResult> =>
    execTracked(process.execPath, [CLI, '--data-dir', dataDir, ...args], timeoutMs, env ? { env } : {});

  const startCli = (args: string[]): CliProcess => {
    const child = trackChild(
      spawn(process.execPath, [CLI, '--data-dir', dataDir, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }),
    );
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    return { child, out: () => out, err: () => err, exited };
  };

  /** The public runs API, as the owner (the console token). */
  const owner = <T>(method: string, path: string, body?: unknown) =>
    api.request<T>(method, path, { body, headers: { authorization: `Bearer ${SERVER_PROCESS_TOKEN}` } });
  const getRun = async (projectId: string, runId: string) =>
    (await owner<{ run: Run }>('GET', `/lambdas/${projectId}/runs/${runId}`)).body.run;
  const startRunApi = async (projectId: string, mode: 'oneShot' | 'service', args: string[] = []) => {
    const res = await owner<{ run: Run }>('POST', `/lambdas/${projectId}/runs`, { mode, arguments: args });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.run;
  };
  const waitForState = (projectId: string, runId: string, states: string[], ms = MINUTE) =>
    waitFor(
      async () => {
        const run = await getRun(projectId, runId);
        return states.includes(run.state) ? run : undefined;
      },
      ms,
      `run ${runId} to be ${states.join(' or ')}`,
      200,
    );

  /** Creates and builds a project through the CLI with --json; answers its LAMBDA_ID. */
  const createAndBuild = async (name: string, path: string, target: string): Promise<string> => {
    const created = await cli([
      '--json',
      'projects',
      'create',
      '--name',
      name,
      '--path',
      path,
      '--target',
      target,
      '--timeout',
      '1800',
    ]);
    assert.equal(created.code, 0, created.stderr);
    const { project } = JSON.parse(created.stdout) as { project: Project };
    const built = await cli(['build', project.id, '--json'], BUILD_MS);
    assert.equal(built.code, 0, built.stderr);
    const lines = jsonLines(built.stdout);
    assert.equal((lines[0]!.compilation as Compilation).state !== undefined, true);
    assert.ok(
      lines.some((l) => l.log),
      'the build output as {"log": chunk} lines',
    );
    assert.equal((lines.at(-1)!.compilation as Compilation).state, 'succeeded');
    // a stopped program gets 2 s between SIGTERM and the kill
    assert.equal((await api.console('PATCH', `/projects/${project.id}`, { stopGraceSeconds: 2 })).status, 200);
    return project.id;
  };

  before(async () => {
    dataDir = await makeDataDir();
    workDir = await mkdtemp(join(tmpdir(), 'swiftlambda-cli-runs-'));
    ({ child: server, api } = await startServerProcess(dataDir));
    hello = await createAndBuild('hello', PACKAGES.hello, 'hello');
    echo = await createAndBuild('echo', PACKAGES.echo, 'echo-service');
    graceful = await createAndBuild('graceful', GRACEFUL, 'graceful');
  });
  after(async () => {
    // a clean stop first (the server stops its runs), then whatever is still running
    if (server) await within(killChild(server, 'SIGTERM'), 30_000);
    await killTrackedChildren();
    await rm(dataDir, { recursive: true, force: true });
    await rm(workDir, { recursive: true, force: true });
  });

  test("runs lists the runs with their outcome; logs prints a run's output; --json is the API's JSON", async () => {
    const failed = await cli(['run', hello, '--', 'stderr:oops', 'exit:3']);
    assert.equal(failed.code, 1, failed.stderr);
    assert.match(failed.stderr, /: failed \(exit 3\)/);

    const ok = await cli(['--json', 'run', hello, '--', 'from-json']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stderr, '', 'nothing but JSON errors on stderr with --json');
    const lines = jsonLines(ok.stdout);
    const started = lines[0]!.run as Run;
    assert.equal(typeof lines[0]!.jobId, 'string');
    const chunks = lines.filter((l) => l.log).map((l) => l.log as LogChunk);
    assert.ok(
      chunks.some((c) => c.stream === 'stdout' && c.data.includes('[0] from-json')),
      ok.stdout,
    );
    assert.deepEqual(Object.keys(lines.at(-1)!), ['run']);
    assert.equal((lines.at(-1)!.run as Run).state, 'succeeded');

    const table = await cli(['runs', hello]);
    assert.equal(table.code, 0, table.stderr);
    const [header, ...rows] = table.stdout.trimEnd().split('\n');
    assert.match(header!, /^RUN_ID\s+MODE\s+STATE\s+STARTED \(UTC\)\s+DURATION\s+EXIT\s+ERROR$/);
    assert.match(
      rows[0]!,
      new RegExp(
        `^${started.uuid}\\s+oneShot\\s+succeeded\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\s+\\d+s\\s+0\\s+-$`,
      ),
    );
    assert.match(rows[1]!, /\s+oneShot\s+failed\s+.*\s+3\s+exited with code 3$/);
    const failedId = rows[1]!.split(/\s+/)[0]!;

    const listed = await cli(['runs', hello, '--state', 'failed', '--json']);
    const { runs } = JSON.parse(listed.stdout) as { runs: Run[] };
    assert.deepEqual(
      runs.map((r) => r.uuid),
      [failedId],
    );
    assert.equal(
      (JSON.parse((await cli(['runs', hello, '--limit', '1', '--json'])).stdout) as { runs: Run[] }).runs.length,
      1,
    );

    // the output as written, stderr to stderr; a RUN_ID may be the start of one, as dev prints them
    const logs = await cli(['logs', hello, failedId.slice(0, 8)]);
    assert.equal(logs.code, 0, logs.stderr);
    assert.match(logs.stdout, /\[0\] stderr:oops\n {2}\[1\] exit:3\n/);
    assert.match(logs.stderr, /^oops$/m);
    const logsJson = JSON.parse((await cli(['logs', hello, failedId, '--json'])).stdout) as {
      logs: LogChunk[];
      logsTruncated: boolean;
    };
    assert.equal(logsJson.logsTruncated, false);
    assert.ok(logsJson.logs.some((c) => c.stream === 'stderr' && c.data === 'oops\n'));
    assert.deepEqual(
      logsJson.logs.map((c) => c.sequence),
      logsJson.logs.map((_, i) => i),
    );
  });

  test('logs -f follows a live run until it ends and exits 0 whatever its outcome', async () => {
    const run = await startRunApi(hello, 'oneShot', ['sleep:3', 'exit:4']);
    const followed = await cli(['logs', hello, run.uuid, '-f']);
    assert.equal(followed.code, 0, followed.stderr);
    assert.match(followed.stdout, /^bye$/m);
    assert.match(followed.stderr, new RegExp(`run ${run.uuid}: failed \\(exit 4\\)`));
    assert.equal((await getRun(hello, run.uuid)).state, 'failed');

    const again = await startRunApi(hello, 'oneShot', ['sleep:2']);
    const json = await cli(['logs', hello, again.uuid, '--follow', '--json']);
    assert.equal(json.code, 0, json.stderr);
    const lines = jsonLines(json.stdout);
    assert.ok(
      lines.slice(0, -1).every((l) => l.log),
      json.stdout,
    );
    assert.equal((lines.at(-1)!.run as Run).state, 'succeeded');
  });

  test('stop stops a run (one already ended is no error); stop-all stops every live run', async () => {
    const service = await startRunApi(echo, 'service');
    await waitForState(echo, service.uuid, ['running']);
    const stopped = await cli(['stop', echo, service.uuid]);
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.match(stopped.stdout, new RegExp(`^run ${service.uuid}: stopped \\(exit \\d+\\)$`, 'm'));
    assert.equal((await getRun(echo, service.uuid)).state, 'stopped');
    const twice = await cli(['stop', echo, service.uuid, '--json']);
    assert.equal(twice.code, 0, twice.stderr);
    assert.equal((JSON.parse(twice.stdout) as { run: Run }).run.state, 'stopped');

    const a = await startRunApi(echo, 'service');
    const b = await startRunApi(echo, 'service');
    await waitForState(echo, a.uuid, ['running']);
    const all = await cli(['stop-all', echo, '--json']);
    assert.equal(all.code, 0, all.stderr);
    const body = JSON.parse(all.stdout) as { stopped: number; runs: Run[] };
    assert.equal(body.stopped, 2);
    assert.deepEqual(body.runs.map((r) => r.uuid).sort(), [a.uuid, b.uuid].sort());
    for (const r of body.runs) assert.equal(r.state, 'stopped');
    const none = await cli(['stop-all', echo]);
    assert.equal(none.code, 0, none.stderr);
    assert.match(none.stdout, /^no live runs$/m);
  });

  test('errors name the command that fixes them; with --json they are one object on stderr', async () => {
    const created = await cli([
      '--json',
      'projects',
      'create',
      '--name',
      'unbuilt',
      '--path',
      PACKAGES.hello,
      '--target',
      'hello',
    ]);
    const unbuilt = (JSON.parse(created.stdout) as { project: Project }).project.id;
    const refused = await cli(['run', unbuilt]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, new RegExp(`no successful build yet: run \`swiftlambda build ${unbuilt}\``));
    assert.doesNotMatch(refused.stderr, /console/);

    const json = await cli(['run', unbuilt, '--json']);
    assert.equal(json.code, 2);
    assert.equal(json.stdout, '');
    const error = JSON.parse(json.stderr) as JsonError;
    assert.deepEqual({ error: error.error, reason: error.reason }, { error: true, reason: 'no_succeeded_compilation' });
    assert.match(error.message, /swiftlambda build/);

    const noRun = JSON.parse(
      (await cli(['--json', 'logs', hello, '00000000-0000-4000-8000-000000000000'])).stderr,
    ) as JsonError;
    assert.equal(noRun.reason, 'run_not_found');
    assert.match(noRun.message, new RegExp(`swiftlambda runs ${hello}`));
    const noProject = JSON.parse((await cli(['--json', 'runs', 'nope'])).stderr) as JsonError;
    assert.equal(noProject.reason, 'project_not_found');
    assert.match(noProject.message, /swiftlambda projects list/);
    const usage = JSON.parse((await cli(['--json', 'stop', hello])).stderr) as JsonError;
    assert.equal(usage.reason, 'usage');

    // no server: the data dir has no server.json
    const empty = await mkdtemp(join(workDir, 'empty-'));
    const noServer = await execTracked(process.execPath, [CLI, '--data-dir', empty, 'runs', hello], MINUTE);
    assert.equal(noServer.code, 2);
    assert.match(noServer.stderr, /no server: run `npm start`/);
    const noServerJson = await execTracked(
      process.execPath,
      [CLI, '--data-dir', empty, 'runs', hello, '--json'],
      MINUTE,
    );
    assert.equal((JSON.parse(noServerJson.stderr) as JsonError).reason, 'no_server');
  });

  test('open signs the browser in with the console token, and prints the URL only when no browser opens', async () => {
    const signIn = `${api.baseUrl}/?token=${SERVER_PROCESS_TOKEN}`;
    const opened = join(workDir, 'opened.txt');
    const browser = join(workDir, 'browser.sh');
    await writeFile(browser, `#!/bin/sh\nprintf '%s' "$1" > '${opened}'\n`);
    await chmod(browser, 0o755);
    const env = { ...process.env, BROWSER: browser };
    const open = await cli(['open'], MINUTE, env);
    assert.equal(open.code, 0, open.stderr);
    assert.equal(await readFile(opened, 'utf8'), signIn);
    assert.ok(
      !(open.stdout + open.stderr).includes(SERVER_PROCESS_TOKEN),
      'the token is not printed when the browser opened',
    );
    const openJson = await cli(['open', '--json'], MINUTE, env);
    assert.deepEqual(JSON.parse(openJson.stdout), { opened: true, url: `${api.baseUrl}/` });

    // no opener on PATH and no $BROWSER: the sign-in URL is printed for the user to open
    const { BROWSER: _unset, ...rest } = process.env;
    const bare = { ...rest, PATH: await mkdtemp(join(workDir, 'path-')) };
    const printed = await cli(['open'], MINUTE, bare);
    assert.equal(printed.code, 0, printed.stderr);
    assert.equal(printed.stdout, `${signIn}\n`);
    assert.match(printed.stderr, /could not open a browser \(xdg-open\)/);
    assert.deepEqual(JSON.parse((await cli(['open', '--json'], MINUTE, bare)).stdout), { opened: false, url: signIn });
  });

  test('Ctrl-C during run stops the oneShot run and exits 130 once it has stopped', async () => {
    const run = startCli(['run', hello, '--json', '--', 'sleep:300']);
    const started = await waitFor(
      async () => (run.out().includes('\n') ? (jsonLines(run.out())[0]!.run as Run) : undefined),
      MINUTE,
      'the run to start',
      100,
    );
    await waitForState(hello, started.uuid, ['running']);
    run.child.kill('SIGINT');
    assert.equal(await within(run.exited, MINUTE), 130, run.err());
    assert.equal((await getRun(hello, started.uuid)).state, 'stopped');
    const last = jsonLines(run.out()).at(-1)!;
    assert.equal((last.run as Run).state, 'stopped', 'the last line is the stopped run');
  });

  test('Ctrl-C during run --service stops the service and exits 130', async () => {
    const run = startCli(['run', echo, '--service']);
    const id = await waitFor(
      async () => /^run (\S+) \(service\): /m.exec(run.err())?.[1],
      MINUTE,
      'the run to start',
      100,
    );
    await waitFor(
      async () => (/listening on/.test(run.out()) ? true : undefined),
      MINUTE,
      'the service to listen',
      100,
    );
    run.child.kill('SIGINT');
    assert.equal(await within(run.exited, MINUTE), 130, run.err());
    assert.match(run.err(), new RegExp(`stopping run ${id}`));
    assert.match(run.err(), new RegExp(`run ${id}: stopped`));
    assert.equal((await getRun(echo, id)).state, 'stopped');
  });

  test('a second Ctrl-C leaves at once while the run is still being stopped', async () => {
    // `graceful ignore` ignores SIGTERM: the stop waits out the grace (30 s here), then kills it
    assert.equal((await api.console('PATCH', `/projects/${graceful}`, { stopGraceSeconds: 30 })).status, 200);
    const run = startCli(['run', graceful, '--', 'ignore']);
    const id = await waitFor(
      async () => /^run (\S+) \(oneShot\)/m.exec(run.err())?.[1],
      MINUTE,
      'the run to start',
      100,
    );
    await waitFor(async () => (/^ready$/m.test(run.out()) ? true : undefined), MINUTE, 'the program to be ready', 100);
    run.child.kill('SIGINT');
    await waitFor(async () => (/stopping run/.test(run.err()) ? true : undefined), 10_000, 'the stop to begin', 50);
    const secondAt = Date.now();
    run.child.kill('SIGINT');
    assert.equal(await within(run.exited, 10_000), 130);
    assert.ok(Date.now() - secondAt < 5000, 'the second Ctrl-C does not wait for the grace');
    // the server goes on with the stop it was asked for
    assert.equal((await waitForState(graceful, id, ['stopped', 'failed', 'succeeded'], MINUTE)).state, 'stopped');
  });
});
