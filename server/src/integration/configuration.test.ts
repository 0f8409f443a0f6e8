// Issue 25: a project's environment, its .env file and its secrets, as a run and an AWS Lambda
// mode function see them, with the secret masked in what is stored and absent from every answer.
import assert from 'node:assert/strict';
import { cp, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Project } from '../contract/types.js';
import { PACKAGES, startTestServer, waitFor, type TestServer } from '../testing/harness.js';

const PRINT_ENV = fileURLToPath(new URL('../../../resources/examples/print-env', import.meta.url));
const AWS_ECHO = fileURLToPath(new URL('../../../resources/examples/aws-echo', import.meta.url));
const SECRET = 'pG-s3cr3t/Pa55word!';
const reversed = (s: string) => [...s].reverse().join('');

const ENV_FILE = [
  '# configuration for local runs',
  'FROM_FILE=file value # a trailing comment',
  'export EXPORTED="double quoted"',
  "SINGLE='single # not a comment'",
  'SHARED=from the file',
  'SECRET_SHARED=from the file',
  'PORT=1234',
  '',
].join('\n');

/** Every file under `dir` whose bytes contain `needle`. */
async function filesContaining(dir: string, needle: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    if ((await readFile(path)).includes(needle)) found.push(path);
  }
  return found;
}

describe('configuration: environment, env file and secrets', { timeout: 900_000 }, () => {
  let t: TestServer;
  let pkg: string;
  let project: Project;
  let key: string;
  /** every answer the tests got, to check that none holds the secret */
  const answers: string[] = [];
  const consoleCall = async (method: string, path: string, body?: unknown) => {
    const res = await t.api.console(method, path, body);
    answers.push(JSON.stringify(res.body ?? ''));
    return res;
  };
  const runToEnd = async (args: string[]) => {
    const res = await t.api.public('POST', `/lambdas/${project.id}/runs`, key, { mode: 'oneShot', arguments: args });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const run = await t.api.waitForRun(project.id, res.body.run.uuid, key, (r) => r.phase === 'finished', 120_000);
    const logs = await t.api.allLogs(project.id, run.uuid, key);
    answers.push(JSON.stringify(run), JSON.stringify(logs));
    return { run, output: logs.map((c: { data: string }) => c.data).join('') };
  };

  before(async () => {
    t = await startTestServer();
    // a copy, so that the test's .env file never lands in the repository
    pkg = await mkdtemp(join(tmpdir(), 'print-env-'));
    await cp(PRINT_ENV, pkg, { recursive: true });
    await writeFile(join(pkg, '.env'), ENV_FILE);
    project = await t.api.createProject(pkg, 'print-env');
    const build = await t.api.build(project.id);
    assert.equal(build.state, 'succeeded', build.errorSummary ?? '');
    key = await t.api.createKey({ name: 'config' });
  });
  after(async () => {
    await t?.dispose();
    if (pkg) await rm(pkg, { recursive: true, force: true });
  });

  test('PORT and 1BAD are refused with their reasons, and a refused PATCH changes nothing', async () => {
    await consoleCall('PATCH', `/projects/${project.id}`, { environment: { KEPT: 'yes' } });
    const port = await consoleCall('PATCH', `/projects/${project.id}`, { environment: { PORT: '9000' }, name: 'x' });
    assert.equal(port.status, 400);
    assert.equal(port.body.reason, 'reserved_env_name');
    const bad = await consoleCall('PATCH', `/projects/${project.id}`, { environment: { '1BAD': 'x' } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.reason, 'invalid_environment');
    const notString = await consoleCall('PATCH', `/projects/${project.id}`, { environment: { A: 1 } });
    assert.equal(notString.body.reason, 'invalid_environment');
    const escape = await consoleCall('PATCH', `/projects/${project.id}`, { envFile: '../.env' });
    assert.equal(escape.body.reason, 'invalid_env_file');
    const absolute = await consoleCall('PATCH', `/projects/${project.id}`, { envFile: '/etc/passwd' });
    assert.equal(absolute.body.reason, 'invalid_env_file');
    const secretName = await consoleCall('PUT', `/projects/${project.id}/secrets/LAMBDA_RUN_UUID`, { value: 'x' });
    assert.equal(secretName.body.reason, 'reserved_env_name');
    const now = (await consoleCall('GET', `/projects/${project.id}`)).body.project as Project;
    assert.deepEqual(now.environment, { KEPT: 'yes' });
    assert.equal(now.name, project.name);
    assert.equal(now.envFile, null);
  });

  test('the env file, the environment and the secrets arrive, lowest first; the secret is masked', async () => {
    const patched = await consoleCall('PATCH', `/projects/${project.id}`, {
      envFile: '.env',
      environment: { SHARED: 'from the environment', SECRET_SHARED: 'from the environment', LOG_LEVEL: 'debug' },
    });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.equal(patched.body.project.envFile, '.env');
    for (const [name, value] of [
      ['DB_PASSWORD', SECRET],
      ['SECRET_SHARED', 'from-the-secrets'],
    ]) {
      const res = await consoleCall('PUT', `/projects/${project.id}/secrets/${name}`, { value });
      assert.equal(res.status, 204);
    }
    const list = await consoleCall('GET', `/projects/${project.id}/secrets`);
    assert.deepEqual(
      list.body.secrets.map((s: { name: string }) => s.name),
      ['DB_PASSWORD', 'SECRET_SHARED'],
    );
    assert.ok(list.body.secrets.every((s: { updated: number }) => typeof s.updated === 'number'));

    const { run, output } = await runToEnd([
      'FROM_FILE',
      'EXPORTED',
      'SINGLE',
      'SHARED',
      'length:SECRET_SHARED',
      'LOG_LEVEL',
      'PORT',
      'LAMBDA_PROJECT_UUID',
      'length:DB_PASSWORD',
      'DB_PASSWORD',
    ]);
    assert.equal(run.state, 'succeeded', run.errorSummary ?? output);
    const lines = output.split('\n');
    for (const expected of [
      'FROM_FILE=file value',
      'EXPORTED=double quoted',
      'SINGLE=single # not a comment',
      'SHARED=from the environment',
      // a secret's value is masked in the log: its reversed text shows which layer won
      `SECRET_SHARED length=16 reversed=${reversed('from-the-secrets')}`,
      'LOG_LEVEL=debug',
      // a one-shot run has no PORT of the emulator's: the file's arrives
      'PORT=1234',
      `LAMBDA_PROJECT_UUID=${project.id}`,
      `DB_PASSWORD length=${SECRET.length} reversed=${reversed(SECRET)}`,
      'DB_PASSWORD=***',
    ])
      assert.ok(lines.includes(expected), `missing ${expected} in:\n${output}`);
    assert.ok(!output.includes(SECRET));
  });

  test("a service run gets the emulator's PORT over the env file's", async () => {
    const res = await t.api.public('POST', `/lambdas/${project.id}/runs`, key, {
      mode: 'service',
      arguments: ['PORT'],
    });
    assert.equal(res.status, 201);
    // print-env is no server: it prints and exits, which ends the service run
    const run = await t.api.waitForRun(project.id, res.body.run.uuid, key, (r) => r.phase === 'finished', 120_000);
    const output = (await t.api.allLogs(project.id, run.uuid, key)).map((c: { data: string }) => c.data).join('');
    assert.ok(output.includes('PORT=8080'), output);
  });

  test('the secret is in exactly one file of the data dir (0600) and in no answer', async () => {
    await t.server.services.store.flush();
    const files = await filesContaining(t.dataDir, SECRET);
    assert.deepEqual(files, [join(t.dataDir, 'secrets.json')]);
    assert.equal((await stat(files[0]!)).mode & 0o777, 0o600);
    for (const path of [`/projects/${project.id}`, '/projects', `/projects/${project.id}/secrets`])
      await consoleCall('GET', path);
    assert.ok(answers.length > 10);
    for (const answer of answers) assert.ok(!answer.includes(SECRET), answer.slice(0, 500));
  });

  test('an unreadable env file fails the run with an errorSummary that names it', async () => {
    await consoleCall('PATCH', `/projects/${project.id}`, { envFile: 'config/missing.env' });
    const { run } = await runToEnd(['LOG_LEVEL']);
    assert.equal(run.state, 'failed');
    assert.match(run.errorSummary, /config\/missing\.env/);
    await consoleCall('PATCH', `/projects/${project.id}`, { envFile: null });
  });

  test('a removed secret is gone from the next run; removing it again is 404 secret_not_found', async () => {
    assert.equal((await consoleCall('DELETE', `/projects/${project.id}/secrets/DB_PASSWORD`)).status, 204);
    const again = await consoleCall('DELETE', `/projects/${project.id}/secrets/DB_PASSWORD`);
    assert.equal(again.status, 404);
    assert.equal(again.body.reason, 'secret_not_found');
    const { output } = await runToEnd(['DB_PASSWORD']);
    assert.ok(output.includes('DB_PASSWORD is not set'), output);
    assert.equal((await filesContaining(t.dataDir, SECRET)).length, 0);
  });

  test('an AWS Lambda mode function sees the environment and secrets; its log masks the secret', async () => {
    const fn = await t.api.createProject(AWS_ECHO, 'aws-echo', {
      runtime: 'awsLambda',
      environment: { LOG_LEVEL: 'trace', TZ: 'Europe/Paris' },
    });
    assert.equal((await consoleCall('PUT', `/projects/${fn.id}/secrets/API_TOKEN`, { value: SECRET })).status, 204);
    const build = await t.api.build(fn.id);
    assert.equal(build.state, 'succeeded', build.errorSummary ?? '');
    const invoke = async (name: string) => {
      const res = await fetch(`${t.url}/2015-03-31/functions/${fn.id}/invocations`, {
        method: 'POST',
        headers: { 'x-api-key': key },
        body: JSON.stringify({ action: 'getenv', name }),
      });
      const text = await res.text();
      assert.equal(res.status, 200, text);
      const body = JSON.parse(text) as { value?: string | null };
      assert.ok('value' in body, text);
      return body as { value: string | null };
    };
    assert.equal((await invoke('LOG_LEVEL')).value, 'trace');
    assert.equal((await invoke('TZ')).value, 'Europe/Paris');
    assert.equal((await invoke('API_TOKEN')).value, SECRET);
    assert.equal((await invoke('AWS_LAMBDA_FUNCTION_NAME')).value, 'aws-echo');
    const log = await consoleCall('GET', `/projects/${fn.id}/function-log?afterSequence=-1&limit=500`);
    const text = (log.body.logs as Array<{ data: string }>).map((c) => c.data).join('');
    assert.ok(text.includes('aws-echo: API_TOKEN=***'), text);
    assert.ok(!text.includes(SECRET));
    // a changed secret reaches the next invocation (the warm container is replaced)
    await consoleCall('PUT', `/projects/${fn.id}/secrets/API_TOKEN`, { value: 'rotated-token' });
    assert.equal((await invoke('API_TOKEN')).value, 'rotated-token');
  });

  test("a watched project's .env file changed: a new run takes over the dev URL without a build; its request log masks secrets", async () => {
    const echoDir = await mkdtemp(join(tmpdir(), 'echo-env-'));
    let echoId = '';
    try {
      await cp(PACKAGES.echo, echoDir, { recursive: true });
      await writeFile(join(echoDir, '.env'), 'GREETING=first\n');
      const echo = await t.api.createProject(echoDir, 'echo-service', { envFile: '.env', runTimeoutSeconds: 300 });
      echoId = echo.id;
      assert.equal((await t.api.build(echo.id)).state, 'succeeded');
      await consoleCall('PATCH', `/projects/${echo.id}`, { watch: true });
      const started = await t.api.public('POST', `/lambdas/${echo.id}/runs`, key, { mode: 'service', arguments: [] });
      const first = started.body.run.uuid as string;
      const dev = async () => (await t.api.console('GET', `/projects/${echo.id}/dev`)).body.dev;
      await waitFor(async () => (await dev()).servingRun === first || undefined, 60_000, 'the first run serving');
      // chokidar has scanned once watching is reported
      await waitFor(async () => (await dev()).watching || undefined, 30_000, 'watching');
      await writeFile(join(echoDir, '.env'), 'GREETING=second\n');
      const swapped = await waitFor(
        async () => {
          const serving = (await dev()).servingRun as string | null;
          return serving && serving !== first ? serving : undefined;
        },
        120_000,
        'a new run behind the dev URL',
      );
      const run = (await t.api.console('GET', `/runs/${swapped}`)).body.run;
      assert.equal(run.replacesRun, first);
      const builds = (await t.api.console('GET', `/projects/${echo.id}/compilations`)).body.compilations;
      // turning watch on builds once; the env file's change adds none
      assert.ok(builds.length <= 2, `builds: ${builds.length}`);

      // the request log redacts the project's secrets in what it keeps of a call
      await consoleCall('PUT', `/projects/${echo.id}/secrets/CALL_TOKEN`, { value: SECRET });
      const call = await t.api.request('POST', `/instances/${swapped}/api/echo?token=${encodeURIComponent(SECRET)}`, {
        rawBody: JSON.stringify({ password: SECRET }),
        headers: { 'x-api-key': key, 'content-type': 'application/json', 'x-token': SECRET },
      });
      assert.equal(call.status, 200);
      const records = (await t.api.console('GET', `/runs/${swapped}/requests?limit=5`)).body.requests;
      const record = JSON.stringify(records[0]);
      // the server's redactor replaces them there, as it does credentials
      assert.ok(record.includes('[redacted]'), record);
      assert.ok(!record.includes(SECRET) && !record.includes(encodeURIComponent(SECRET)), record);
    } finally {
      await t.api.console('PATCH', `/projects/${echoId}`, { watch: false }).catch(() => undefined);
      await t.api.public('POST', `/lambdas/${echoId}/runs/stop`, key, {}).catch(() => undefined);
      await rm(echoDir, { recursive: true, force: true });
    }
  });
});
