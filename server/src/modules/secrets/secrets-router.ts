// Console routes of a project's secrets: set, remove and list by name. No answer holds a value.
// Mounted at /console/api beside the console's own router.
import express, { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { SecretsResponse } from '../../contract/types.js';
import { AppError } from '../../errors.js';
import { parseBody } from '../../http/validate.js';
import type { ConsoleAuth } from '../callers/index.js';
import type { ProjectsService } from '../projects/index.js';
import type { SecretsService } from './secrets-service.js';

export interface SecretsRouterDeps {
  readonly secrets: SecretsService;
  readonly projects: ProjectsService;
  readonly consoleAuth: ConsoleAuth;
}

const setBody = z.object({ value: z.string() }).strict();

export function createSecretsRouter(deps: SecretsRouterDeps): Router {
  const { secrets, projects } = deps;
  const router = Router();
  const base = '/projects/:projectId/secrets';
  const requireConsole: RequestHandler = (req, _res, next) => {
    if (!deps.consoleAuth.isConsoleRequest(req))
      throw new AppError('console_auth_required', 'console routes need the console token or the console session');
    projects.get(String(req.params.projectId));
    next();
  };
  router.get(base, requireConsole, (req, res) => {
    const body: SecretsResponse = { secrets: secrets.list(String(req.params.projectId)) };
    res.json(body);
  });
  router.put(`${base}/:name`, requireConsole, express.json({ type: () => true, limit: '256kb' }), async (req, res) => {
    const { value } = parseBody(setBody, req.body, { value: 'invalid_secret' });
    await secrets.set(String(req.params.projectId), String(req.params.name), value);
    res.status(204).end();
  });
  router.delete(`${base}/:name`, requireConsole, async (req, res) => {
    await secrets.remove(String(req.params.projectId), String(req.params.name));
    res.status(204).end();
  });
  return router;
}
