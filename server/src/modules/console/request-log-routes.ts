import { Router } from 'express';
import { z } from 'zod';
import type { LoggedRequest } from '../../contract/types.js';
import { AppError } from '../../errors.js';
import { parseBody, parseQuery, queryInt } from '../../http/validate.js';
import { BODY_BYTES_KEPT, PROXY_METHODS, type ReplayEdit } from '../proxy/index.js';
import type { RunsService } from '../runs/index.js';

/** The proxy's request log and its replay, as the console routes need them. */
export interface RequestLog {
  list(runId: string, limit: number): LoggedRequest[];
  replay(runId: string, id: string, edit?: ReplayEdit): Promise<LoggedRequest>;
}

const listQuery = z.object({ limit: queryInt('limit').optional() });

/** A header name is an HTTP token; a value has no line break or NUL (it could not be sent). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_VALUE = /^[^\r\n\0]*$/;
/** A path after the run's `/api`: from `/`, no spaces, controls or fragment, every `%` an escape. */
const REPLAY_PATH = /^\/(?:[^\s#%]|%[0-9A-Fa-f]{2})*$/;
const hasControl = (text: string) => [...text].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);

/** "Edit and replay": what to change of the logged call; the body is UTF-8 text, at most what the log keeps. */
const replayEdit = z
  .object({
    method: z.string().refine((m) => PROXY_METHODS.has(m), `one of ${[...PROXY_METHODS].join(', ')}`),
    path: z
      .string()
      .max(8192)
      .refine((p) => REPLAY_PATH.test(p) && !hasControl(p), 'a path from / without spaces, controls or a fragment'),
    headers: z
      .array(z.tuple([z.string().regex(HEADER_NAME, 'a header name'), z.string().max(8192).regex(HEADER_VALUE)]))
      .max(100),
    body: z.string().refine((b) => Buffer.byteLength(b) <= BODY_BYTES_KEPT, 'at most 64 KiB'),
  })
  .partial()
  .strict()
  .refine((e) => !(e.method === 'HEAD' && e.body), { message: 'a HEAD request has no body', path: ['body'] });
const EDIT_REASONS = {
  method: 'invalid_method',
  path: 'invalid_path',
  headers: 'invalid_headers',
  body: 'invalid_body',
} as const;

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
    const edit = parseBody(replayEdit, req.body, EDIT_REASONS);
    res.json({ request: await requests.replay(req.params.runId, req.params.requestId, edit) });
  });
  return router;
}
