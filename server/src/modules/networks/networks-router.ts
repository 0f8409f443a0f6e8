// GET /console/api/networks: the engine's networks, for the project settings' picker.
import { Router, type RequestHandler } from 'express';
import type { DockerEngine } from '../../adapters/docker/docker-engine.js';
import type { NetworksResponse } from '../../contract/networks.js';
import { AppError } from '../../errors.js';
import type { ConsoleAuth } from '../callers/index.js';

export function createNetworksRouter(deps: {
  readonly engine: DockerEngine;
  readonly consoleAuth: ConsoleAuth;
}): Router {
  const router = Router();
  const requireConsole: RequestHandler = (req, _res, next) => {
    if (!deps.consoleAuth.isConsoleRequest(req))
      throw new AppError('console_auth_required', 'console routes need the console token or the console session');
    next();
  };
  router.get('/networks', requireConsole, async (_req, res) => {
    const networks = await deps.engine.listNetworks();
    const body: NetworksResponse = {
      networks: networks.map((n) => ({ name: n.name, driver: n.driver, containers: n.containers })),
    };
    res.json(body);
  });
  return router;
}
