// The composition root: every dependency is built here once and passed down.
import { mkdir } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import type { DockerEngine } from './adapters/docker/docker-engine.js';
import { DockerodeEngine } from './adapters/docker/dockerode-engine.js';
import { lockDataDir } from './adapters/store/data-dir-lock.js';
import { Store } from './adapters/store/store.js';
import type { Duplex } from 'node:stream';
import {
  checkFreeSpaceAtStart,
  DataDirFullError,
  isStorageFault,
  removeLeftoverTempFiles,
} from './adapters/store/storage-fault.js';
import { systemClock, type Clock } from './clock.js';
import type { ServerConfig } from './config.js';
import { Redactor } from './domain/redact.js';
import { errorMessage } from './errors.js';
import { errorMiddleware, notFoundHandler } from './http/error-middleware.js';
import { sendError } from './http/error-response.js';
import { HostPolicy, originGuard, refuseBeforeRouting, refuseUndecodablePath } from './http/request-guards.js';
import { BuildsService, ImageCatalog, toPublicCompilation } from './modules/builds/index.js';
import {
  authorizePublicCaller,
  ConsoleAuth,
  loadOrCreateConsoleToken,
  SESSION_COOKIE,
} from './modules/callers/index.js';
import {
  ChangeFeed,
  createConsoleRouter,
  createConsoleUiRouter,
  publishBuildProgress,
  publishDevStatus,
  publishEngineStatus,
  publishInvocations,
  publishRequests,
  publishSchedules,
} from './modules/console/index.js';
import { KeysService, toPublicKey } from './modules/keys/index.js';
import { LogStore } from './modules/logs/index.js';
import { bundledExamples, DEFAULT_PROJECT_SETTINGS, ProjectsService } from './modules/projects/index.js';
import { DevLoop } from './modules/dev/index.js';
import { AwsService, createAwsConsoleRouter, createInvokeRouter, FunctionUrls } from './modules/aws/index.js';
import { ContainerNetworking, createNetworksRouter } from './modules/networks/index.js';
import { InstanceProxy } from './modules/proxy/index.js';
import { createSchedulesRouter, SchedulesService } from './modules/schedules/index.js';
import { isTerminalRequest, TerminalSockets } from './modules/terminal/index.js';
import { createSecretsRouter, EnvironmentSource, SecretsService } from './modules/secrets/index.js';
import {
  createPublicRouter,
  EngineWatcher,
  IdempotencyKeys,
  reconcileRunsWithContainers,
  RunsService,
  toConsoleRun,
} from './modules/runs/index.js';

export type { ServerConfig } from './config.js';
export { resolveConfig, defaultDataDir, DEFAULT_PORT, DEFAULT_HOST } from './config.js';
export { writeServerJson, type ServerInfo } from './adapters/store/server-json.js';
export { readEventStream } from './emulator/event-stream.js';

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
    readonly secrets: SecretsService;
  };
  /** starts listening; resolves with the base URL */
  listen(): Promise<string>;
  url(): string;
  close(options?: { stopRuns?: boolean }): Promise<void>;
}

function defaultUiDir(): string {
  return fileURLToPath(new URL('../renderer/', import.meta.url));
}

export async function createServer(deps: ServerDeps): Promise<SwiftLambdaServer> {
  const { config } = deps;
  const clock = deps.clock ?? systemClock;
  const log = deps.log ?? ((line: string) => console.error(line));
  const engine = deps.engine ?? new DockerodeEngine();

  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const releaseLock = await lockDataDir(config.dataDir).catch(async (err: unknown) => {
    throw isStorageFault(err) ? await DataDirFullError.from(config.dataDir, 'the lock file', err) : err;
  });
  // what start-up must write; a full disk is said as such, never as a later, stranger failure
  const startupWrite = async <T>(what: string, write: () => Promise<T>): Promise<T> => {
    try {
      return await write();
    } catch (err) {
      await releaseLock();
      throw isStorageFault(err) ? await DataDirFullError.from(config.dataDir, what, err) : err;
    }
  };
  // half-written files of an earlier process's atomic writes (it is gone: the lock is ours)
  await removeLeftoverTempFiles(config.dataDir);
  await startupWrite('the data dir', () => checkFreeSpaceAtStart(config.dataDir));
  const store = await startupWrite('the store (db.json)', () => Store.open(config.dataDir, () => clock.now()));
  for (const w of store.warnings) log(`warning: ${w}`);
  const consoleToken = await startupWrite('the console token', () =>
    loadOrCreateConsoleToken(config.dataDir, config.consoleToken),
  );
  const hostPolicy = new HostPolicy(config.host);
  const consoleAuth = new ConsoleAuth(consoleToken, (origin) => hostPolicy.isOwnOrigin(origin));
  // masks secrets in every error body, log line and request-log record (more sources: addSecrets)
  const redactor = new Redactor(consoleToken);
  const labels = { 'swiftlambda.instance': store.data.instanceId } as const;
  // host.docker.internal and SWIFTLAMBDA_API_URL for every container; its listener serves `handle`
  const networking = new ContainerNetworking({ engine, labels, log, hostPolicy, handler: (policy) => handle(policy) });
  const reach = () => networking.current();

  const logs = new LogStore({ dir: join(config.dataDir, 'logs'), clock, maxBytesPerLog: config.maxLogBytesPerRun });
  await startupWrite('the log folders', () => logs.init());
  const projects = new ProjectsService(store, clock, { dockerImage: config.defaultImage, ...DEFAULT_PROJECT_SETTINGS });
  const keys = new KeysService(store, clock, (id) => projects.exists(id));
  const secrets = await SecretsService.open(config.dataDir, clock);
  const environment = new EnvironmentSource(projects, secrets);
  // error bodies, log lines and request-log records: the projects' secret values too
  redactor.addSecrets(() => secrets.allValues());
  projects.onChanged((id) => {
    if (!projects.exists(id)) void secrets.forgetProject(id).catch((err) => log(`secrets: ${errorMessage(err)}`));
  });
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
    hostLines: async () => (await reach()).extraHosts,
    maskFor: (id) => secrets.maskFor(id),
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
    environment,
    reach,
  });
  const schedules = new SchedulesService({ store, projects, runs, clock, log });
  const aws = new AwsService({
    engine,
    logs,
    projects,
    builds,
    clock,
    labels,
    log,
    idleSeconds: config.awsIdleSeconds,
    environment,
    network: reach,
  });
  const reconcileDeps = { store, engine, runs, clock, labels, log };
  const watcher = new EngineWatcher(reconcileDeps);
  // the dev loop waits on the proxy's open calls; the proxy asks it where dev URLs go
  const devLoop: DevLoop = new DevLoop({ projects, builds, runs, whenIdle: (runId) => proxy.whenIdle(runId), log });
  const proxy = new InstanceProxy({
    runs,
    devRunOf: (projectId) => devLoop.devRunOf(projectId),
    authorize: (req, projectId) => void authorizePublicCaller(req, projectId, keys, consoleAuth),
    redactor,
    sessionCookie: SESSION_COOKIE,
    maxBodyBytes: config.proxyMaxBodyBytes,
  });
  const functionUrls = new FunctionUrls({ aws, keys, consoleAuth, consoleToken, sessionCookie: SESSION_COOKIE, log });

  const feed = new ChangeFeed(store, {
    run: toConsoleRun,
    compilation: toPublicCompilation,
    project: (p) => p,
    key: toPublicKey,
  });
  // a secret changed: its project is sent again (the names are read with GET …/secrets; no value is sent)
  secrets.onChanged((projectId) => {
    void aws.secretsChanged(projectId);
    if (projects.exists(projectId)) feed.publish({ type: 'project', data: projects.get(projectId) });
  });
  publishDevStatus(feed, devLoop, projects);
  publishBuildProgress(feed, builds);
  publishInvocations(feed, aws);
  publishRequests(feed, proxy.requests);
  const stopEngineStatus = publishEngineStatus(feed, engine);
  publishSchedules(feed, schedules);

  const examples = bundledExamples(
    deps.examplesDir ?? fileURLToPath(new URL('../../resources/examples/', import.meta.url)),
  );
  let baseUrl = '';
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(refuseUndecodablePath);
  app.use(
    createPublicRouter({
      runs,
      keys,
      consoleAuth,
      idempotency: new IdempotencyKeys(store, clock),
      originGuard: originGuard(hostPolicy, 'state-changing'),
    }),
  );
  app.use(
    createInvokeRouter({
      aws,
      keys,
      consoleAuth,
      originGuard: originGuard(hostPolicy, 'state-changing'),
      log,
      redactor,
    }),
  );
  app.use('/console/api', originGuard(hostPolicy, 'all'), createAwsConsoleRouter({ aws, consoleAuth }));
  app.use('/console/api', originGuard(hostPolicy, 'all'), createSecretsRouter({ secrets, projects, consoleAuth }));
  app.use('/console/api', originGuard(hostPolicy, 'all'), createSchedulesRouter({ schedules, consoleAuth }));
  app.use('/console/api', originGuard(hostPolicy, 'all'), createNetworksRouter({ engine, consoleAuth }));
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
        replay: (runId, id, edit) => proxy.replay(runId, id, edit),
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
  app.use(createConsoleUiRouter(deps.uiDir ?? defaultUiDir(), consoleAuth));
  app.use(notFoundHandler);
  app.use(errorMiddleware(log, redactor, config.dataDir));

  // The one HTTP stack: Node's server parses and writes every request. The only upgrade it takes is
  // a run's terminal; any other Upgrade request is answered as a plain request (the proxy refuses
  // WebSockets with its reason). The same handler serves the in-network listener, with that
  // listener's Host policy.
  function handle(policy: HostPolicy): http.RequestListener {
    return (req, res) => {
      try {
        const refused = refuseBeforeRouting(req, policy);
        if (refused) return sendError(res, refused[0], refused[1], { close: true });
        if (!proxy.handle(req, res) && !functionUrls.handle(req, res)) app(req, res);
      } catch (err) {
        // a throw out of the request listener would end the process: one request fails instead
        log(`request ${req.method} ${req.url?.slice(0, 200)} failed: ${errorMessage(err)}`);
        sendError(res, 'internal_error', 'the request could not be handled', { close: true });
      }
    };
  }
  const terminals = new TerminalSockets({
    runs,
    engine,
    consoleAuth,
    isOwnOrigin: (origin) => hostPolicy.isOwnOrigin(origin),
    log,
  });
  const serverOptions = { maxHeaderSize: 64 * 1024, shouldUpgradeCallback: isTerminalRequest };
  const server = http.createServer(serverOptions as http.ServerOptions, handle(hostPolicy));
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!refuseBeforeRouting(req, hostPolicy) && isTerminalRequest(req)) {
      try {
        return terminals.handleUpgrade(req, socket, head);
      } catch (err) {
        // as in the request listener: a throw here would end the process
        log(`terminal upgrade failed: ${errorMessage(err)}`);
        return void socket.destroy();
      }
    }
    // Node before 24.9 has no shouldUpgradeCallback and sends every Upgrade request here: it gets
    // the answer a plain request would, written by Node's own ServerResponse, and the socket closes
    const res = new http.ServerResponse(req);
    res.assignSocket(socket as never);
    res.shouldKeepAlive = false;
    res.on('finish', () => socket.end());
    socket.on('error', () => socket.destroy());
    handle(hostPolicy)(req, res);
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
      if (isStorageFault(err)) throw await DataDirFullError.from(config.dataDir, 'the store or a log', err);
      log(`Docker engine not reachable at start (${errorMessage(err)}); runs will be reconciled when it is back`);
    }
    await watcher.start();
    schedules.armAll();
    await devLoop.syncWatchers().catch((err) => log(`could not watch projects: ${errorMessage(err)}`));
  }

  return {
    app,
    consoleToken,
    warnings: store.warnings,
    services: { keys, projects, builds, runs, store, secrets },
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
      networking.listeningOn(address.port);
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      baseUrl = `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${address.port}`;
      await startBackground();
      // the in-network listener opens now, so SWIFTLAMBDA_API_URL is ready for the first run
      await networking.current().catch(() => undefined);
      return baseUrl;
    },
    url: () => baseUrl,
    async close(options) {
      watcher.stop();
      schedules.close();
      terminals.close();
      stopEngineStatus();
      await devLoop.close();
      await aws.close();
      const stopRuns = options?.stopRuns ?? false;
      if (stopRuns) {
        await runs.stopEveryLiveRun();
      }
      await runs.detachAll();
      await builds.close();
      // open streams (log follows, held calls) end with the server
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      proxy.close();
      await networking.close();
      await logs.closeAll();
      await store.flush();
      await releaseLock();
    },
  };
}
