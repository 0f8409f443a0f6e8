// Console routes of a project's schedules. Mounted at /console/api beside the console's router.
import express, { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import { parseBody } from '../../http/validate.js';
import type { ConsoleAuth } from '../callers/index.js';
import { runArguments } from '../runs/index.js';
import type { SchedulesService } from './schedules-service.js';

const scheduleBody = z
  .object({
    cron: z.string({ error: 'cron must be a string' }).min(1, 'cron is empty').max(200, 'cron is too long'),
    timezone: z.string({ error: 'timezone must be a string' }).max(100, 'timezone is too long').optional(),
    arguments: runArguments.optional(),
    enabled: z.boolean({ error: 'enabled must be true or false' }).optional(),
  })
  .strict();
const REASONS = {
  cron: 'invalid_cron',
  timezone: 'invalid_timezone',
  arguments: 'invalid_arguments',
  enabled: 'invalid_body',
} as const;

export interface SchedulesRouterDeps {
  readonly schedules: SchedulesService;
  readonly consoleAuth: ConsoleAuth;
}

export function createSchedulesRouter(deps: SchedulesRouterDeps): Router {
  const { schedules } = deps;
  const router = Router();
  const requireConsole: RequestHandler = (req, _res, next) => {
    if (!deps.consoleAuth.isConsoleRequest(req))
      throw new AppError('console_auth_required', 'console routes need the console token or the console session');
    next();
  };
  const base = '/projects/:projectId/schedules';
  router.use(base, requireConsole, express.json({ type: () => true, limit: '64kb' }));

  router.get(base, (req, res) => {
    res.json({ schedules: schedules.list(req.params.projectId) });
  });
  router.post(base, async (req, res) => {
    const input = parseBody(scheduleBody, req.body, REASONS);
    res.status(201).json({ schedule: await schedules.create(req.params.projectId, input) });
  });
  router.get(`${base}/:scheduleId`, (req, res) => {
    res.json({ schedule: schedules.get(req.params.projectId, req.params.scheduleId) });
  });
  router.patch(`${base}/:scheduleId`, async (req, res) => {
    const patch = parseBody(scheduleBody.partial(), req.body, REASONS);
    res.json({ schedule: await schedules.update(req.params.projectId, req.params.scheduleId, patch) });
  });
  router.post(`${base}/:scheduleId/run`, async (req, res) => {
    res.json({ schedule: await schedules.runNow(req.params.projectId, req.params.scheduleId) });
  });
  router.delete(`${base}/:scheduleId`, async (req, res) => {
    await schedules.remove(req.params.projectId, req.params.scheduleId);
    res.status(204).end();
  });
  return router;
}
