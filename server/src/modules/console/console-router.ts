import express, { Router, type RequestHandler } from 'express';
import type { DockerEngine } from '../../adapters/docker/docker-engine.js';
import type { ExamplePackage, LoggedRequest, StatusResponse } from '../../contract/types.js';
import { z } from 'zod';
import { AppError, errorMessage } from '../../errors.js';
import { parseBody } from '../../http/validate.js';
import {
  createBuildsRouter,
  ensureImage,
  ImageUnavailableError,
  type BuildsService,
  type ImageCatalog,
} from '../builds/index.js';
import type { DevLoop } from '../dev/index.js';
import { createKeysRouter, type KeysService } from '../keys/index.js';
import type { LogStore } from '../logs/index.js';
import { createProjectsRouter, type ProjectsService } from '../projects/index.js';
import {
  createRunConsoleRouter,
  parseListQuery,
  parseStartRunBody,
  toConsoleRun,
  type RunsService,
} from '../runs/index.js';
import type { ChangeFeed } from './change-feed.js';
import type { ConsoleAuth } from './console-auth.js';
import { VERSION } from '../../version.js';

export interface ConsoleRouterDeps {
  readonly consoleAuth: ConsoleAuth;
  readonly keys: KeysService;
  readonly projects: ProjectsService;
  readonly builds: BuildsService;
  readonly runs: RunsService;
  readonly logs: LogStore;
  readonly engine: DockerEngine;
  readonly dev: DevLoop;
  readonly images: ImageCatalog;
  readonly feed: ChangeFeed;
  /** the proxy's request log and its replay */
  readonly requests: {
    list(runId: string, limit: number): LoggedRequest[];
    replay(runId: string, id: string): Promise<LoggedRequest>;
  };
  readonly status: () => {
    dataDir: string;
    apiUrl: string;
    defaultImage: string;
    warnings: readonly string[];
    examples: ExamplePackage[];
  };
}

/** `/console/api/*`: the console's own routes, for the console token or session only. */
export function createConsoleRouter(deps: ConsoleRouterDeps): Router {
  const router = Router();
  const requireConsole: RequestHandler = (req, _res, next) => {
    if (!deps.consoleAuth.isConsoleRequest(req)) {
      throw new AppError(
        'console_auth_required',
        'console routes need the console token (see server.json in the data dir) or the console session',
      );
    }
    next();
  };
  router.use(requireConsole);
  router.use(express.json({ type: () => true, limit: '1mb' }));

  router.get('/status', async (_req, res) => {
    let docker: StatusResponse['docker'];
    try {
      docker = { available: true, version: await deps.engine.version() };
    } catch (err) {
      docker = { available: false, error: errorMessage(err) };
    }
    const s = deps.status();
    const body: StatusResponse = {
      docker,
      version: VERSION,
      dataDir: s.dataDir,
      apiUrl: s.apiUrl,
      defaultImage: s.defaultImage,
      warnings: [...s.warnings],
      examples: s.examples,
    };
    res.json(body);
  });

  // Every change as Server-Sent Events: the console renders from this instead of polling.
  router.get('/events', (req, res) => {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    const send = (type: string, data: unknown) => res.write(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
    const unsubscribe = deps.feed.subscribe((e) => send(e.type, e.data));
    send('ready', { at: Date.now() });
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    res.on('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
    });
  });

  // The local images, with the Swift version of those that have a toolchain (the image picker).
  router.get('/images', async (_req, res) => {
    res.json({ images: await deps.images.list() });
  });

  // Pulls an image where a registry is reachable (the fix offered for a project's missing image).
  router.post('/images/pull', async (req, res) => {
    const { name } = parseBody(
      z.object({ name: z.string().regex(/^[a-z0-9][a-z0-9._/:@-]{0,254}$/i) }).strict(),
      req.body,
      { name: 'invalid_docker_image' },
    );
    const progress: string[] = [];
    try {
      await ensureImage(deps.engine, name, (line) => progress.push(line));
    } catch (err) {
      if (err instanceof ImageUnavailableError) throw new AppError('image_unavailable', err.message);
      throw err;
    }
    res.json({ pulled: name, progress: progress.slice(-20) });
  });

  // Deletes a project: its live runs are stopped first, then its runs, logs, builds, binaries,
  // source copies and build volume go.
  router.delete('/projects/:projectId', async (req, res) => {
    const { projectId } = req.params;
    deps.projects.get(projectId);
    await deps.dev.forget(projectId);
    await deps.runs.removeProject(projectId);
    await deps.builds.removeProject(projectId);
    await deps.projects.remove(projectId);
    res.status(204).end();
  });

  // The project's development loop: watching, building, the run its dev URL serves, swaps.
  router.get('/projects/:projectId/dev', (req, res) => {
    res.json({ dev: deps.dev.status(req.params.projectId) });
  });
  // what a good build starts while watching when no service run is live (`swiftlambda dev` sets its mode and arguments)
  router.put('/projects/:projectId/dev', (req, res) => {
    res.json({ dev: deps.dev.setStart(req.params.projectId, parseStartRunBody(req.body)) });
  });
  router.delete('/projects/:projectId/dev', (req, res) => {
    res.json({ dev: deps.dev.setStart(req.params.projectId, null) });
  });

  // The calls that reached a run through the proxy, newest first, and replaying one.
  router.get('/runs/:runId/requests', (req, res) => {
    const runId = req.params.runId;
    if (!deps.runs.find(runId)) throw new AppError('run_not_found', `no run with id ${runId}`);
    const { limit } = parseBody(
      z.object({
        limit: z
          .string()
          .regex(/^\d{1,4}$/)
          .transform(Number)
          .optional(),
      }),
      req.query,
      {},
      'invalid_query',
    );
    res.json({ requests: deps.requests.list(runId, Math.min(Math.max(limit ?? 100, 1), 500)) });
  });
  router.post('/runs/:runId/requests/:requestId/replay', async (req, res) => {
    if (!deps.runs.find(req.params.runId)) throw new AppError('run_not_found', `no run with id ${req.params.runId}`);
    res.json({ request: await deps.requests.replay(req.params.runId, req.params.requestId) });
  });

  // All runs across projects, for the console's runs page.
  router.get('/runs', (req, res) => {
    const { limit, state } = parseListQuery({ ...req.query, limit: req.query.limit ?? '50' });
    const project = typeof req.query.project === 'string' && req.query.project ? req.query.project : undefined;
    // console fields beside the seed's: the run a hot swap replaced
    const runs = deps.runs.list({ projectId: project, state, limit }).map((r) => toConsoleRun(deps.runs.find(r.uuid)!));
    res.json({ runs });
  });

  // one run with its console fields (crash, peak memory) and its live CPU and memory
  router.use(createRunConsoleRouter(deps.runs));
  router.use(createKeysRouter(deps.keys));
  router.use(createProjectsRouter(deps.projects));
  router.use(createBuildsRouter(deps.builds, deps.logs));
  return router;
}
