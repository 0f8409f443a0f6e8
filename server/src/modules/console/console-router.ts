import express, { Router, type RequestHandler } from 'express';
import type { DockerEngine } from '../../adapters/docker/docker-engine.js';
import { AppError } from '../../errors.js';
import { createBuildsRouter, type BuildsService, type ImageCatalog } from '../builds/index.js';
import type { ConsoleAuth } from '../callers/index.js';
import { createDebugRouter } from '../debug/index.js';
import type { DevLoop } from '../dev/index.js';
import { createKeysRouter, type KeysService } from '../keys/index.js';
import type { LogStore } from '../logs/index.js';
import { createProjectsRouter, type ProjectsService } from '../projects/index.js';
import { createRunConsoleRouter, type RunsService } from '../runs/index.js';
import type { ChangeFeed } from './change-feed.js';
import { createEventsRouter } from './events-routes.js';
import { createImagesRouter } from './images-routes.js';
import { createProjectRoutesRouter } from './project-routes.js';
import { createRequestLogRouter, type RequestLog } from './request-log-routes.js';
import { createStatusRouter, type ConsoleStatus } from './status-routes.js';

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
  readonly requests: RequestLog;
  readonly status: () => ConsoleStatus;
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

  router.use(createStatusRouter(deps.engine, deps.status));
  router.use(createEventsRouter(deps.feed));
  router.use(createImagesRouter(deps.engine, deps.images));
  router.use(createProjectRoutesRouter(deps));
  router.use(createRequestLogRouter(deps.runs, deps.requests));
  // all runs, one run with its console fields (crash, peak memory) and its live CPU and memory
  router.use(createRunConsoleRouter(deps.runs));
  router.use(createKeysRouter(deps.keys));
  router.use(createProjectsRouter(deps.projects));
  router.use(createBuildsRouter(deps.builds, deps.logs));
  router.use(createDebugRouter({ runs: deps.runs }));
  return router;
}
