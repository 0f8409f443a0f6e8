import express, { Router, type Request, type RequestHandler } from 'express';
import { z } from 'zod';
import type { RunState } from '../../contract/types.js';
import { AppError } from '../../errors.js';
import { streamLogAsSse } from '../../http/sse.js';
import { parseBody, parseQuery, queryInt } from '../../http/validate.js';
import { authorizePublicCaller, type ConsoleAuth, type PublicCaller } from '../callers/index.js';
import type { KeysService } from '../keys/index.js';
import { RUN_STATES } from '../../domain/run-states.js';
import { idempotencyKeyOf, requestFingerprint, type IdempotencyKeys } from './idempotency.js';
import type { RunsService, StartRunInput } from './runs-service.js';

const MAX_ARGUMENTS = 256;
const MAX_ARGUMENT_BYTES = 4096;
const MODE_MESSAGE = 'mode must be "oneShot" or "service"';

const argument = z
  .string({ error: 'each argument must be a string' })
  .refine((a) => Buffer.byteLength(a) < MAX_ARGUMENT_BYTES, 'an argument is 4 KiB or longer')
  .refine((a) => !a.includes('\u0000'), 'an argument contains a NUL character');

/** A run's arguments: at most 256 strings under 4 KiB, no NUL (schedules take the same). */
export const runArguments = z
  .array(argument, { error: 'arguments must be an array of strings' })
  .max(MAX_ARGUMENTS, `at most ${MAX_ARGUMENTS} arguments`);

/** The public run body (docs/api.md#public-api): `mode` oneShot or service, and the run's arguments. */
const startRunBody = z.object({
  mode: z.enum(['oneShot', 'service'], { error: MODE_MESSAGE }),
  arguments: runArguments.nullish(),
});
const stopAllBody = z.object({ mode: z.enum(['oneShot', 'service'], { error: MODE_MESSAGE }).optional() });
const RUN_BODY_REASONS = { mode: 'invalid_mode', arguments: 'invalid_arguments' } as const;

export function parseStartRunBody(body: unknown): StartRunInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new AppError('invalid_mode', 'the body must be a JSON object with a mode');
  const parsed = parseBody(startRunBody, body, RUN_BODY_REASONS, 'invalid_arguments');
  return { mode: parsed.mode, arguments: parsed.arguments ?? [] };
}

const listQuery = z.object({
  limit: queryInt('limit', 1).optional(),
  state: z.enum(RUN_STATES, { error: `state must be one of ${RUN_STATES.join(', ')}` }).optional(),
});

const logsQuery = z.object({
  afterSequence: queryInt('afterSequence', -1).optional(),
  limit: queryInt('limit', 1).optional(),
});

export function parseListQuery(query: Request['query']): { limit: number; state: RunState | undefined } {
  const parsed = parseQuery(listQuery, query, { state: 'invalid_state' });
  return { limit: Math.min(parsed.limit ?? 20, 50), state: parsed.state };
}

export interface PublicRouterDeps {
  readonly runs: RunsService;
  readonly keys: KeysService;
  readonly consoleAuth: ConsoleAuth;
  readonly idempotency: IdempotencyKeys;
  /** refuses state-changing requests from foreign origins */
  readonly originGuard: RequestHandler;
}

/** The public routes under /lambdas (docs/api.md#public-api), plus the stop-all and SSE extensions. */
export function createPublicRouter(deps: PublicRouterDeps): Router {
  const { runs, keys, consoleAuth } = deps;
  const router = Router();
  router.use('/lambdas', deps.originGuard);
  const authorize = (req: Request<{ lambdaId: string }>): PublicCaller =>
    authorizePublicCaller(req, req.params.lambdaId, keys, consoleAuth);
  // the caller is checked before a body is read: nothing unauthenticated is buffered
  router.use('/lambdas/:lambdaId', (req, _res, next) => {
    authorize(req);
    next();
  });
  router.use('/lambdas', express.json({ type: () => true, limit: '1mb' }));

  router.post('/lambdas/:lambdaId/runs', async (req, res) => {
    const caller = authorize(req);
    const idempotencyKey = idempotencyKeyOf(req.headers['idempotency-key']);
    const input = parseStartRunBody(req.body);
    const { lambdaId } = req.params;
    const start = async () => ({ status: 201, body: await runs.start(lambdaId, input, { startedBy: caller.kind }) });
    if (idempotencyKey === undefined) {
      const { status, body } = await start();
      res.status(status).json(body);
      return;
    }
    const owner = caller.kind === 'key' ? `key:${caller.key.id}` : 'console';
    const fingerprint = requestFingerprint([lambdaId, input.mode, input.arguments]);
    const answer = await deps.idempotency.answer(owner, idempotencyKey, fingerprint, start);
    if (answer.replayed) res.setHeader('idempotent-replayed', 'true');
    res.status(answer.status).json(answer.body);
  });

  router.get('/lambdas/:lambdaId/runs', (req, res) => {
    authorize(req);
    const { limit, state } = parseListQuery(req.query);
    res.json({ runs: runs.list({ projectId: req.params.lambdaId, state, limit }) });
  });

  // Emulator extension (after swamp's cancel endpoint): stop every live run of a project.
  router.post('/lambdas/:lambdaId/runs/stop', async (req, res) => {
    authorize(req);
    const { mode } = parseBody(stopAllBody, req.body ?? {}, RUN_BODY_REASONS, 'invalid_mode');
    res.json(await runs.stopAll(req.params.lambdaId, mode));
  });

  router.get('/lambdas/:lambdaId/runs/:runId', (req, res) => {
    authorize(req);
    res.json({ run: { ...runs.get(req.params.lambdaId, req.params.runId).run } });
  });

  router.post('/lambdas/:lambdaId/runs/:runId/stop', async (req, res) => {
    authorize(req);
    res.json({ run: await runs.stop(req.params.lambdaId, req.params.runId) });
  });

  router.get('/lambdas/:lambdaId/runs/:runId/logs', async (req, res) => {
    const caller = authorize(req);
    const { lambdaId, runId } = req.params;
    const { afterSequence = -1, limit = 200 } = parseQuery(logsQuery, req.query);
    const record = runs.get(lambdaId, runId);
    if (req.query.follow === 'true' || req.query.follow === '1') {
      const end = await streamLogAsSse(req, res, afterSequence, {
        read: (after, n) => runs.readLogs(lambdaId, runId, after, n).then((r) => r.logs),
        subscribe: (listener) => runs.subscribeLogs(runId, listener),
        endInfo: () => ({
          state: record.run.state,
          exitCode: record.run.exitCode,
          logsTruncated: record.run.logsTruncated,
        }),
      });
      if (caller.kind === 'key') {
        // a revoked key's open streams close too
        const onRevoked = (keyId: string) => keyId === caller.key.id && end();
        keys.on('revoked', onRevoked);
        res.on('close', () => keys.off('revoked', onRevoked));
      }
      return;
    }
    res.json(await runs.readLogs(lambdaId, runId, afterSequence, Math.min(limit, 500)));
  });

  return router;
}
