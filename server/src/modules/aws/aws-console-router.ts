// Console routes of AWS Lambda mode: a function's invocations (and invoking it again), its warm
// containers and its log. Mounted at /console/api before the console's own router.
import express, { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import { streamLogAsSse } from '../../http/sse.js';
import { parseBody, parseQuery, queryInt } from '../../http/validate.js';
import type { ConsoleAuth } from '../callers/index.js';
import { AwsApiError } from './aws-errors.js';
import type { AwsService } from './aws-service.js';
import { MAX_EVENT_PAYLOAD_BYTES, MAX_SYNC_PAYLOAD_BYTES } from './invoke-router.js';

const invokeBody = z
  .object({
    payload: z.string().optional(),
    type: z.enum(['RequestResponse', 'Event']).optional(),
    clientContext: z.record(z.string(), z.unknown()).optional(),
    cognitoIdentity: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

const limitQuery = z.object({ limit: queryInt('limit').optional() });
const logQuery = z.object({ afterSequence: queryInt('afterSequence').optional(), limit: queryInt('limit').optional() });

export interface AwsConsoleRouterDeps {
  readonly aws: AwsService;
  readonly consoleAuth: ConsoleAuth;
}

export function createAwsConsoleRouter(deps: AwsConsoleRouterDeps): Router {
  const { aws } = deps;
  const router = Router();
  const requireConsole: RequestHandler = (req, _res, next) => {
    if (!deps.consoleAuth.isConsoleRequest(req))
      throw new AppError('console_auth_required', 'console routes need the console token or the console session');
    next();
  };
  const appErrors = async <T>(work: () => Promise<T> | T): Promise<T> => {
    try {
      return await work();
    } catch (err) {
      throw err instanceof AwsApiError ? err.toAppError() : err;
    }
  };
  const base = '/projects/:projectId';
  router.use([`${base}/invocations`, `${base}/function-containers`, `${base}/function-log`], requireConsole);

  router.get(`${base}/invocations`, async (req, res) => {
    const { limit = 50 } = parseQuery(limitQuery, req.query);
    res.json({ invocations: await aws.invocations(req.params.projectId, Math.min(Math.max(limit, 1), 200)) });
  });

  router.get(`${base}/invocations/:requestId`, async (req, res) => {
    const invocation = await aws.invocation(req.params.projectId, req.params.requestId);
    if (!invocation)
      throw new AppError('request_not_found', `no invocation ${req.params.requestId} is kept for this function`);
    res.json({ invocation });
  });

  // Invokes the function (the console's "invoke again"): answers once it ended and its REPORT is written.
  router.post(
    `${base}/invocations`,
    express.json({ type: () => true, limit: MAX_SYNC_PAYLOAD_BYTES * 2 }),
    async (req, res) => {
      const body = parseBody(invokeBody, req.body, { payload: 'invalid_body', type: 'invalid_body' });
      const type = body.type ?? 'RequestResponse';
      const payload = Buffer.from(body.payload?.trim() ? body.payload : '{}');
      const max = type === 'Event' ? MAX_EVENT_PAYLOAD_BYTES : MAX_SYNC_PAYLOAD_BYTES;
      if (payload.length > max) throw new AppError('payload_too_large', `the payload is larger than ${max} bytes`);
      try {
        JSON.parse(payload.toString('utf8'));
      } catch {
        throw new AppError('invalid_json', 'the payload is not JSON');
      }
      const invocation = await appErrors(async () => {
        const project = aws.resolveFunction(req.params.projectId, undefined);
        return aws.invoke(project, {
          type,
          source: 'console',
          payload,
          clientContext: body.clientContext ? JSON.stringify(body.clientContext) : null,
          cognitoIdentity: body.cognitoIdentity ? JSON.stringify(body.cognitoIdentity) : null,
          traceId: null,
        });
      });
      if (type === 'Event') {
        res.status(202).json({ invocation: invocation.record });
        return;
      }
      await invocation.logged.promise;
      res.json({ invocation: invocation.record });
    },
  );

  router.get(`${base}/function-containers`, async (req, res) => {
    res.json({ containers: await aws.containers(req.params.projectId) });
  });

  // The function's log: every container's output and AWS's START/END/REPORT lines; `follow=true` streams it.
  router.get(`${base}/function-log`, async (req, res) => {
    const { projectId } = req.params;
    const { afterSequence = -1, limit = 200 } = parseQuery(logQuery, req.query);
    if (req.query.follow === 'true' || req.query.follow === '1') {
      await aws.openLog(projectId);
      await streamLogAsSse(req, res, afterSequence, {
        read: (after, n) => aws.readLog(projectId, after, n),
        subscribe: (listener) => aws.subscribeLog(projectId, listener),
        endInfo: () => ({ project: projectId }),
      });
      return;
    }
    res.json({
      logs: await aws.readLog(projectId, afterSequence, Math.min(Math.max(limit, 1), 500)),
      logsTruncated: false,
    });
  });

  return router;
}
