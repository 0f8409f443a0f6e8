import { Router } from 'express';
import { z } from 'zod';
import type { LoggedRequest } from '../../contract/types.js';
import { AppError } from '../../errors.js';
import { parseQuery, queryInt } from '../../http/validate.js';
import type { RunsService } from '../runs/index.js';

/** The proxy's request log and its replay, as the console routes need them. */
export interface RequestLog {
  list(runId: string, limit: number): LoggedRequest[];
  replay(runId: string, id: string): Promise<LoggedRequest>;
}

const listQuery = z.object({ limit: queryInt('limit').optional() });

/** The calls that reached a run through the proxy, newest first, and replaying one. */
export function createRequestLogRouter(runs: RunsService, requests: RequestLog): Router {
  const router = Router();
  const requireRun = (runId: string) => {
    if (!runs.find(runId)) throw new AppError('run_not_found', `no run with id ${runId}`);
  };
  router.get('/runs/:runId/requests', (req, res) => {
    const runId = req.params.runId;
    requireRun(runId);
    const { limit = 100 } = parseQuery(listQuery, req.query);
    res.json({ requests: requests.list(runId, Math.min(Math.max(limit, 1), 500)) });
  });
  router.post('/runs/:runId/requests/:requestId/replay', async (req, res) => {
    requireRun(req.params.runId);
    res.json({ request: await requests.replay(req.params.runId, req.params.requestId) });
  });
  return router;
}
