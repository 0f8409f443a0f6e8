import { Router } from 'express';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import { parseBody } from '../../http/validate.js';
import { parseStartRunBody, type RunsService } from '../runs/index.js';
import { DebugService } from './debug-service.js';

const debugOnly = z.object({ runTimeoutSeconds: z.number().int().min(1).max(86_400).optional() });

/**
 * `POST /projects/{id}/debug` (mounted under /console/api): a run of the newest succeeded build
 * under lldb-server, waiting for a debugger. The body is a run's (`mode`, `arguments`) and may set
 * a longer `runTimeoutSeconds` than the project's for this run.
 */
export function createDebugRouter(deps: { runs: RunsService; log?: (line: string) => void }): Router {
  const service = new DebugService({ runs: deps.runs, log: deps.log ?? (() => undefined) });
  // a server restarted under live debug runs gives them their debugger port back
  void service.resume().catch(() => undefined);
  deps.runs.onDetachAll(() => service.close());
  const router = Router();
  router.post('/projects/:projectId/debug', async (req, res) => {
    const { runTimeoutSeconds, ...runBody } = (req.body ?? {}) as Record<string, unknown>;
    const extra = parseBody(debugOnly, { runTimeoutSeconds }, { runTimeoutSeconds: 'invalid_run_timeout' });
    const input = parseStartRunBody(runBody);
    res.status(201).json(await service.start(req.params.projectId, { ...input, ...extra }));
  });
  // the same answer for a debug run started earlier (the run page's lldb command and launch.json)
  router.get('/runs/:runId/debug', (req, res) => {
    const record = deps.runs.find(req.params.runId);
    if (!record?.debug) throw new AppError('run_not_found', `no debug run with id ${req.params.runId}`);
    res.json(service.describe(record));
  });
  return router;
}
