import { Router } from 'express';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import { streamLogAsSse } from '../../http/sse.js';
import { parseBody, parseQuery, queryInt } from '../../http/validate.js';
import type { LogStore } from '../logs/index.js';
import { toPublicCompilation, type BuildsService } from './builds-service.js';

const compileSchema = z.object({ binaryPath: z.string().min(1).max(4096).optional() }).strict();
const logsQuery = z.object({
  afterSequence: queryInt('afterSequence', -1).optional(),
  limit: queryInt('limit').optional(),
});

/** Console routes for compilations (builds and imported binaries) and their logs. */
export function createBuildsRouter(builds: BuildsService, logs: LogStore): Router {
  const router = Router();
  router.post('/projects/:projectId/compilations', async (req, res) => {
    const body = parseBody(compileSchema, req.body, { binaryPath: 'invalid_binary_path' });
    if (body.binaryPath !== undefined && !body.binaryPath.startsWith('/')) {
      throw new AppError('invalid_binary_path', 'binaryPath must be an absolute path');
    }
    const compilation =
      body.binaryPath !== undefined
        ? await builds.importBinary(req.params.projectId, body.binaryPath)
        : await builds.startBuild(req.params.projectId);
    res.status(202).json({ compilation });
  });
  router.get('/projects/:projectId/compilations', (req, res) => {
    res.json({ compilations: builds.list(req.params.projectId) });
  });
  router.get('/projects/:projectId/compilations/:compilationId', (req, res) => {
    res.json({ compilation: toPublicCompilation(builds.get(req.params.projectId, req.params.compilationId)) });
  });
  router.get('/projects/:projectId/compilations/:compilationId/logs', async (req, res) => {
    const { projectId, compilationId } = req.params;
    const record = builds.get(projectId, compilationId);
    const { afterSequence = -1, limit = 500 } = parseQuery(logsQuery, req.query);
    if (req.query.follow === 'true' || req.query.follow === '1') {
      await streamLogAsSse(req, res, afterSequence, {
        read: (after, n) => logs.read('builds', compilationId, after, n),
        subscribe: (listener) => logs.liveWriter('builds', compilationId)?.subscribe(listener) ?? null,
        endInfo: () => ({ state: record.state, errorSummary: record.errorSummary }),
      });
      return;
    }
    res.json({
      logs: await builds.readLogs(projectId, compilationId, afterSequence, Math.min(Math.max(limit, 1), 5000)),
    });
  });
  return router;
}
