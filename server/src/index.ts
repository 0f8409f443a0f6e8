// The composition root: every dependency is built here once and passed down.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import type { DockerEngine } from './adapters/docker/docker-engine.js';
import type { ExamplePackage } from './contract/types.js';
import { DockerodeEngine } from './adapters/docker/dockerode-engine.js';
import { lockDataDir } from './adapters/store/data-dir-lock.js';
import { Store } from './adapters/store/store.js';
import { systemClock, type Clock } from './clock.js';
import type { ServerConfig } from './config.js';
import { errorMessage } from './errors.js';
import { errorMiddleware, notFoundHandler } from './http/error-middleware.js';
import { sendError } from './http/error-response.js';
import { HostPolicy, originGuard, refuseBeforeRouting } from './http/request-guards.js';
import { BuildsService, ImageCatalog, toPublicCompilation } from './modules/builds/index.js';
import {
  authorizePublicCaller,
  ChangeFeed,
  ConsoleAuth,
  createConsoleRouter,
  loadOrCreateConsoleToken,
  SESSION_COOKIE,
} from './modules/console/index.js';
import { KeysService, toPublicKey } from './modules/keys/index.js';
import { LogStore } from './modules/logs/index.js';
import { DEFAULT_PROJECT_SETTINGS, ProjectsService } from './modules/projects/index.js';
import { DevLoop } from './modules/dev/index.js';
import { AwsService, createAwsConsoleRouter, createInvokeRouter } from './modules/aws/index.js';
import { InstanceProxy, type RequestSummary } from './modules/proxy/index.js';
import {
  createPublicRouter,
  EngineWatcher,
  reconcileRunsWithContainers,
  RunsService,
  toConsoleRun,
} from './modules/runs/index.js';

export type { ServerConfig } from './config.js';
export { resolveConfig, DEFAULT_PORT, DEFAULT_HOST } from './config.js';

export interface ServerDeps {
  readonly config: ServerConfig;
  readonly engine?: DockerEngine;
  readonly clock?: Clock;
  readonly log?: (line: string) => void;
  /** folder of the built console UI (default: dist/renderer beside the server) */
  readonly uiDir?: string;
  /** folder of the bundled example packages (default: resources/examples in the package) */
  readonly examplesDir?: string;
}

export interface SwiftLambdaServer {
  readonly app: express.Express;
  readonly consoleToken: string;
  readonly warnings: readonly string[];
  readonly services: {
    readonly keys: KeysService;
    readonly projects: ProjectsService;
    readonly builds: BuildsService;
    readonly runs: RunsService;
    readonly store: Store;
  };
  /** starts listening; resolves with the base URL */
  listen(): Promise<string>;
  url(): string;
  close(options?: { stopRuns?: boolean }): Promise<void>;
}

function bundledExamples(dir: string): ExamplePackage[] {
  const known: Array<Omit<ExamplePackage, 'path'>> = [
    {
      name: 'hello',
      targetName: 'hello',
      mode: 'oneShot',
      description: 'a one-shot that prints its arguments and environment',
    },
    {
      name: 'echo-service',
      targetName: 'echo-service',
      mode: 'service',
      description: 'an HTTP service on $PORT that echoes requests',
    },
  ];
  return known
    .filter((e) => existsSync(join(dir, e.name, 'Package.swift')))
    .map((e) => ({ ...e, path: join(dir, e.name) }));
}

function defaultUiDir(): string {
  return fileURLToPath(new URL('../renderer/', import.meta.url));
}

/** The console's pages: only its own scripts, never framed, no referrer. */
const consoleSecurityHeaders: express.RequestHandler = (_req, res, next) => {
  res.setHeader(
    'content-security-policy',
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  );
  res.setHeader('x-frame-options', 'DENY');
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('referrer-policy', 'no-referrer');
  next();
};

export async function createServer(deps: ServerDeps): Promise<SwiftLambdaServer> {
  const { config } = deps;
  const clock = deps.clock ?? systemClock;
  const log = deps.log ?? ((line: string) => console.error(line));
  const engine = deps.engine ?? new DockerodeEngine();

  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const releaseLock = await lockDataDir(config.dataDir);
  let store: Store;
  try {
    store = await Store.open(config.dataDir, () => clock.now());
  } catch (err) {
    await releaseLock();
    throw err;
  }
  for (const w of store.warnings) log(`warning: ${w}`);
  const consoleToken = await loadOrCreateConsoleToken(config.dataDir, config.consoleToken);
  const hostPolicy = new HostPolicy(config.host);
  const consoleAuth = new ConsoleAuth(consoleToken, (origin) => hostPolicy.isOwnOrigin(origin));
  const labels = { 'swiftlambda.instance': store.data.instanceId } as const;

  const logs = new LogStore({ dir: join(config.dataDir, 'logs'), clock, maxBytesPerLog: config.maxLogBytesPerRun });
  await logs.init();
  const projects = new ProjectsService(store, clock, { dockerImage: config.defaultImage, ...DEFAULT_PROJECT_SETTINGS });
  const keys = new KeysService(store, clock, (id) => projects.exists(id));
  const builds = new BuildsService({
    store,
    engine,
    logs,
    projects,
    clock,
    dataDir: config.dataDir,
    labels,
    log,
    buildVolumeKey: config.buildVolumeKey,
  });
  const runs = new RunsService({
    store,
    engine,
    logs,
    projects,
    builds,
    clock,
    labels,
    retentionPerProject: config.runRetentionPerProject,
    log,
  });
  const aws = new AwsService({
    engine,
    logs,
    projects,
    builds,
    clock,
    labels,
    log,
    idleSeconds: config.awsIdleSeconds,
  });
  const reconcileDeps = { store, engine, runs, clock, labels, log };
  const watcher = new EngineWatcher(reconcileDeps);
  // the dev loop waits on the proxy's open calls; the proxy asks it where dev URLs go
  const devLoop: DevLoop = new DevLoop({ projects, builds, runs, whenIdle: (runId) => proxy.whenIdle(runId), log });
  const proxy = new InstanceProxy({
    runs,
    devRunOf: (projectId) => devLoop.devRunOf(projectId),
    authorize: (req, projectId) => void authorizePublicCaller(req, projectId, keys, consoleAuth),
    consoleToken,
    sessionCookie: SESSION_COOKIE,
    maxBodyBytes: config.proxyMaxBodyBytes,
  });

  const feed = new ChangeFeed(store, {
    run: toConsoleRun,
    compilation: toPublicCompilation,
    project: (p) => p,
    key: toPublicKey,
  });
  // a running build's progress, as it moves (throttled by the builds service)
  builds.onProgress((compilation) => {
    if (feed.active) feed.publish({ type: 'compilation', data: compilation });
  });
  devLoop.onStatus((projectId) => {
    if (projects.exists(projectId))
      feed.publish({ type: 'dev', data: { project: projectId, ...devLoop.status(projectId) } });
  });

  // AWS Lambda mode: changed invocations, batched by the service (no bodies)
  aws.onInvocations((batch) => {
    if (feed.active)
      feed.publish({
        type: 'invocations',
        data: { invocations: batch.map(({ payload: _p, response: _r, logTail: _t, ...summary }) => summary) },
      });
  });

  // new request-log records, as one `requests` event per run every 100 ms at most (no bodies)
  const pendingRequests = new Map<string, RequestSummary[]>();
  proxy.requests.onRecord((runId, record) => {
    if (!feed.active) return;
    if (pendingRequests.size === 0) {
      setTimeout(() => {
        for (const [run, records] of pendingRequests) {
          feed.publish({ type: 'requests', data: { run, requests: records } });
        }
        pendingRequests.clear();
      }, 100).unref();
    }
    const list = pendingRequests.get(runId) ?? [];
    list.push(record.summary);
    pendingRequests.set(runId, list);
  });

  // the engine's availability, as a `status` event when it changes (checked only while the console listens)
  let dockerAvailable: boolean | null = null;
  const statusTimer = setInterval(() => {
    if (!feed.active) return;
    void engine
      .ping()
      .then(
        () => true,
        () => false,
      )
      .then((available) => {
        if (available === dockerAvailable) return;
        dockerAvailable = available;
        feed.publish({ type: 'status', data: { docker: { available } } });
      });
  }, 3000);
  statusTimer.unref();

  const examples = bundledExamples(
    deps.examplesDir ?? fileURLToPath(new URL('../../resources/examples/', import.meta.url)),
  );
  let baseUrl = '';
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(createPublicRouter({ runs, keys, consoleAuth, originGuard: originGuard(hostPolicy, 'state-changing') }));
  app.use(createInvokeRouter({ aws, keys, consoleAuth, originGuard: originGuard(hostPolicy, 'state-changing'), log }));
  app.use('/console/api', originGuard(hostPolicy, 'all'), createAwsConsoleRouter({ aws, consoleAuth }));
  app.use(
    '/console/api',
    originGuard(hostPolicy, 'all'),
    createConsoleRouter({
      consoleAuth,
      keys,
      projects,
      builds,
      runs,
      logs,
      engine,
      dev: devLoop,
      images: new ImageCatalog(engine, config.dataDir, labels),
      feed,
      requests: {
        list: (runId, limit) => proxy.requests.list(runId, limit),
        replay: (runId, id) => proxy.replay(runId, id),
      },
      status: () => ({
        dataDir: config.dataDir,
        apiUrl: baseUrl,
        defaultImage: config.defaultImage,
        warnings: store.warnings,
        examples,
      }),
    }),
  );
  const uiDir = deps.uiDir ?? defaultUiDir();
  // `/?token=…` signs the browser in and drops the token from the address bar.
  app.get('/', (req, res, next) => {
    if (typeof req.query.token === 'string') {
      if (consoleAuth.isValidToken(req.query.token)) res.setHeader('set-cookie', consoleAuth.sessionCookieHeader());
      res.redirect(303, '/');
      return;
    }
    next();
  });
  if (existsSync(uiDir))
    app.use(consoleSecurityHeaders, express.static(uiDir, { index: 'index.html', fallthrough: true }));
  app.use(notFoundHandler);
  app.use(errorMiddleware(log, consoleToken));

  // The one HTTP stack: Node's server parses and writes every request. No 'upgrade' listener, so
  // an Upgrade request reaches the handler as a plain request (the proxy refuses it with its reason).
  const server = http.createServer({ maxHeaderSize: 64 * 1024 }, (req, res) => {
    const refused = refuseBeforeRouting(req, hostPolicy);
    if (refused) return sendError(res, refused[0], refused[1], { close: true });
    if (!proxy.handle(req, res)) app(req, res);
  });
  server.keepAliveTimeout = 65_000;

  async function startBackground(): Promise<void> {
    try {
      await engine.version();
      await builds.reconcileInterruptedBuilds();
      const result = await reconcileRunsWithContainers(reconcileDeps);
      const strayFunctions = await aws.removeLeftoverContainers();
      if (strayFunctions) log(`removed ${strayFunctions} function containers left by an earlier start`);
      if (result.reattached || result.lost || result.removed) {
        log(
          `reconciled runs: ${result.reattached} re-attached, ${result.lost} lost, ${result.removed} stray containers removed`,
        );
      }
    } catch (err) {
      log(`Docker engine not reachable at start (${errorMessage(err)}); runs will be reconciled when it is back`);
    }
    await watcher.start();
    await devLoop.syncWatchers().catch((err) => log(`could not watch projects: ${errorMessage(err)}`));
  }

  return {
    app,
    consoleToken,
    warnings: store.warnings,
    services: { keys, projects, builds, runs, store },
    async listen() {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      const address = server.address() as AddressInfo;
      hostPolicy.listeningOn(address.port);
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      baseUrl = `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${address.port}`;
      await startBackground();
      return baseUrl;
    },
    url: () => baseUrl,
    async close(options) {
      watcher.stop();
      clearInterval(statusTimer);
      await devLoop.close();
      await aws.close();
      const stopRuns = options?.stopRuns ?? false;
      if (stopRuns) {
        await runs.stopEveryLiveRun();
      }
      await runs.detachAll();
      // open streams (log follows, held calls) end with the server
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      proxy.close();
      await logs.closeAll();
      await store.flush();
      await releaseLock();
    },
  };
}
