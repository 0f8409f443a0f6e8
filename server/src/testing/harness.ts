// Test harness: a real server on a free port with a temp data dir, the real Docker engine, and a
// small HTTP client. Used by the integration tests only.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '../clock.js';
import type { DockerEngine } from '../adapters/docker/docker-engine.js';
import { resolveConfig, type ServerConfig } from '../config.js';
import type { Compilation, Project } from '../contract/types.js';
import { createServer, type SwiftLambdaServer } from '../index.js';
import { killChild, trackChild } from './children.js';
import { testEngine } from './docker.js';

export const TEST_IMAGE = process.env.SWIFTLAMBDA_DEFAULT_IMAGE || 'swiftlambda/swift:6.0-trixie-git';
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const PACKAGES = {
  hostile: join(repoRoot, 'resources/test-packages/hostile'),
  hello: join(repoRoot, 'resources/examples/hello'),
  echo: join(repoRoot, 'resources/examples/echo-service'),
  broken: join(repoRoot, 'resources/test-packages/broken'),
} as const;

/** Exactly the public Run's fields, sorted: a public answer holds these and no console field. */
export const PUBLIC_RUN_FIELDS = [
  'uuid',
  'project',
  'compilation',
  'targetName',
  'binaryPath',
  'dockerImage',
  'arguments',
  'state',
  'phase',
  'runTimeoutSeconds',
  'mode',
  'containerPort',
  'hostPort',
  'publicAccess',
  'startedAt',
  'finishedAt',
  'exitCode',
  'errorSummary',
  'logsTruncated',
  'created',
  'updated',
].sort();

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    readonly consoleToken: string,
  ) {}

  async request<T = any>(
    method: string,
    path: string,
    options: { body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    let body: string | undefined = options.rawBody;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(this.baseUrl + path, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON
    }
    return { status: res.status, body: parsed as T, headers: res.headers };
  }

  console<T = any>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>> {
    return this.request<T>(method, `/console/api${path}`, {
      body,
      headers: { authorization: `Bearer ${this.consoleToken}` },
    });
  }

  public<T = any>(method: string, path: string, key: string, body?: unknown): Promise<ApiResponse<T>> {
    return this.request<T>(method, path, { body, headers: { 'x-api-key': key } });
  }

  async createKey(body: Record<string, unknown> = { name: 'test' }): Promise<string> {
    const res = await this.console('POST', '/keys', body);
    if (res.status !== 201) throw new Error(`key create failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.secret as string;
  }

  async createProject(sourcePath: string, targetName: string, extra: Record<string, unknown> = {}): Promise<Project> {
    const res = await this.console('POST', '/projects', { name: targetName, sourcePath, targetName, ...extra });
    if (res.status !== 201) throw new Error(`project create failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.project as Project;
  }

  /** Starts a build and waits for it to end. */
  async build(projectId: string, timeoutMs = 240_000): Promise<Compilation> {
    const res = await this.console('POST', `/projects/${projectId}/compilations`, {});
    if (res.status !== 202) throw new Error(`build start failed: ${res.status} ${JSON.stringify(res.body)}`);
    const id = (res.body.compilation as Compilation).id;
    return waitFor(
      async () => {
        const c = (await this.console('GET', `/projects/${projectId}/compilations/${id}`)).body
          .compilation as Compilation;
        return c.state === 'succeeded' || c.state === 'failed' ? c : undefined;
      },
      timeoutMs,
      `compilation ${id}`,
    );
  }

  async waitForRun(
    projectId: string,
    runId: string,
    key: string,
    done: (run: any) => boolean,
    timeoutMs = 60_000,
  ): Promise<any> {
    return waitFor(
      async () => {
        const run = (await this.public('GET', `/lambdas/${projectId}/runs/${runId}`, key)).body.run;
        return done(run) ? run : undefined;
      },
      timeoutMs,
      `run ${runId}`,
    );
  }

  async allLogs(projectId: string, runId: string, key: string): Promise<any[]> {
    const out: any[] = [];
    let after = -1;
    for (;;) {
      const res = await this.public(
        'GET',
        `/lambdas/${projectId}/runs/${runId}/logs?afterSequence=${after}&limit=500`,
        key,
      );
      out.push(...res.body.logs);
      if (res.body.logs.length < 500) return out;
      after = out[out.length - 1].sequence;
    }
  }
}

export async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  what: string,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(intervalMs);
  }
}

export interface TestServer {
  readonly server: SwiftLambdaServer;
  readonly api: ApiClient;
  readonly url: string;
  readonly dataDir: string;
  readonly config: ServerConfig;
  /** what the server has logged so far */
  readonly logLines: readonly string[];
  /** closes the server (keeping the data dir) */
  stop(options?: { stopRuns?: boolean }): Promise<void>;
  /** closes the server and deletes the data dir */
  dispose(): Promise<void>;
}

export async function makeDataDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'swiftlambda-test-'));
}

export async function startTestServer(
  options: {
    dataDir?: string;
    env?: Record<string, string>;
    clock?: Clock;
    port?: number;
    /** the engine adapter (default: Dockerode), e.g. one with a slowed method */
    engine?: DockerEngine;
  } = {},
): Promise<TestServer> {
  const dataDir = options.dataDir ?? (await makeDataDir());
  const config = resolveConfig(['--port', String(options.port ?? 0), '--data-dir', dataDir], {
    SWIFTLAMBDA_DEFAULT_IMAGE: TEST_IMAGE,
    SWIFTLAMBDA_CONSOLE_TOKEN: 'test-console-token-0123456789',
    ...options.env,
  });
  const logLines: string[] = [];
  const server = await createServer({
    config,
    clock: options.clock,
    engine: options.engine,
    log: (l) => logLines.push(l),
  });
  const url = await server.listen();
  const api = new ApiClient(url, server.consoleToken);
  let stopped = false;
  const stop = async (o?: { stopRuns?: boolean }) => {
    if (stopped) return;
    stopped = true;
    await server.close({ stopRuns: o?.stopRuns ?? true });
  };
  return {
    server,
    api,
    url,
    dataDir,
    config,
    logLines,
    stop,
    async dispose() {
      await stop();
      await removeContainersOf(server);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Removes every container this server labelled (a build or a run that outlived a failed test) and
 * the build volumes of its projects, so repeated test runs leave nothing on the engine.
 */
async function removeContainersOf(server: SwiftLambdaServer): Promise<void> {
  const left = await testEngine
    .listContainers({ 'swiftlambda.instance': server.services.store.data.instanceId })
    .catch(() => []);
  await Promise.all(left.map((c) => testEngine.removeContainer(c.id).catch(() => undefined)));
  await Promise.all(
    server.services.store.data.projects.map((p) =>
      testEngine.removeVolume(`swiftlambda-build-${p.id}`).catch(() => undefined),
    ),
  );
}

/** Signs in as the browser does (`/?token=`) and returns the session cookie as `name=value`. */
export async function consoleSession(t: TestServer): Promise<string> {
  const login = await fetch(`${t.url}/?token=${t.api.consoleToken}`, { redirect: 'manual' });
  const session = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
  assert.match(session, /^swiftlambda_console=.+/);
  return session;
}

/** A test server with the Swift echo service built and an API key: where the proxy tests start. */
export async function startEchoServer(
  keyName: string,
): Promise<{ t: TestServer; echo: Project; key: string; port: number }> {
  const t = await startTestServer();
  const echo = await t.api.createProject(PACKAGES.echo, 'echo-service', { runTimeoutSeconds: 300 });
  const c = await t.api.build(echo.id);
  assert.equal(c.state, 'succeeded', c.errorSummary ?? '');
  const key = await t.api.createKey({ name: keyName });
  return { t, echo, key, port: Number(new URL(t.url).port) };
}

const MAIN = fileURLToPath(new URL('../main.js', import.meta.url));
export const SERVER_PROCESS_TOKEN = 'process-test-token-0123456789';

/** Starts `node dist/server/main.js` as a child process (what `npm start` runs), checking its output. */
export async function startServerProcess(
  dataDir: string,
  port = 0,
): Promise<{ child: ChildProcess; api: ApiClient; port: number }> {
  const child = trackChild(
    spawn(process.execPath, [MAIN, '--port', String(port), '--data-dir', dataDir], {
      env: { ...process.env, SWIFTLAMBDA_DEFAULT_IMAGE: TEST_IMAGE, SWIFTLAMBDA_CONSOLE_TOKEN: SERVER_PROCESS_TOKEN },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', () => undefined);
  try {
    const url = await waitFor(async () => /API: (\S+)/.exec(out)?.[1], 15_000, 'the server to print its URL', 20);
    const serverJson = JSON.parse(await readFile(join(dataDir, 'server.json'), 'utf8'));
    assert.equal(serverJson.url, url);
    assert.equal(serverJson.consoleToken, SERVER_PROCESS_TOKEN);
    assert.equal(serverJson.pid, child.pid);
    assert.ok(out.includes(`Console: ${url}/?token=${SERVER_PROCESS_TOKEN}`));
    return { child, api: new ApiClient(url, SERVER_PROCESS_TOKEN), port: Number(new URL(url).port) };
  } catch (err) {
    await killChild(child);
    throw err;
  }
}
