import express, { Router, type Request, type RequestHandler } from 'express';
import type { RunMode, RunState } from '../../contract/types.js';
import { AppError } from '../../errors.js';
import { authorizePublicCaller, type PublicCaller } from '../../http/public-auth.js';
import { streamLogAsSse } from '../../http/sse.js';
import { intQuery } from '../../http/validate.js';
import type { ConsoleAuth } from '../console/index.js';
import type { KeysService } from '../keys/index.js';
import { RUN_STATES, type RunsService, type StartRunInput } from './runs-service.js';

const MAX_ARGUMENTS = 256;
const MAX_ARGUMENT_BYTES = 4096;

/** The seed's run body: `mode` must be oneShot or service; `arguments` at most 256 strings under 4 KiB, no NUL. */
export function parseStartRunBody(body: unknown): StartRunInput {
  const value = (body ?? {}) as Record<string, unknown>;
  if (typeof value !== 'object' || Array.isArray(value)) throw new AppError('invalid_mode', 'the body must be a JSON object with a mode');
  const mode = value.mode;
  if (mode !== 'oneShot' && mode !== 'service') throw new AppError('invalid_mode', 'mode must be "oneShot" or "service"');
  const args = value.arguments;
  if (args === undefined || args === null) return { mode, arguments: [] };
  if (!Array.isArray(args)) throw new AppError('invalid_arguments', 'arguments must be an array of strings');
  if (args.length > MAX_ARGUMENTS) throw new AppError('invalid_arguments', `at most ${MAX_ARGUMENTS} arguments`);
  for (const [i, a] of args.entries()) {
    if (typeof a !== 'string') throw new AppError('invalid_arguments', `arguments[${i}] is not a string`);
    if (Buffer.byteLength(a) >= MAX_ARGUMENT_BYTES) throw new AppError('invalid_arguments', `arguments[${i}] is 4 KiB or longer`);
    if (a.includes('\u0000')) throw new AppError('invalid_arguments', `arguments[${i}] contains a NUL character`);
  }
  return { mode, arguments: args as string[] };
}

function parseState(value: unknown): RunState | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !(RUN_STATES as readonly string[]).includes(value)) {
    throw new AppError('invalid_state', `state must be one of ${RUN_STATES.join(', ')}`);
  }
  return value as RunState;
}

export function parseListQuery(query: Request['query']): { limit: number; state: RunState | undefined } {
  const limit = intQuery(query.limit, 20, 'invalid_query', 'limit');
  if (limit < 1) throw new AppError('invalid_query', 'limit must be at least 1');
  return { limit: Math.min(limit, 50), state: parseState(query.state) };
}

export interface PublicRouterDeps {
  readonly runs: RunsService;
  readonly keys: KeysService;
  readonly consoleAuth: ConsoleAuth;
  /** refuses state-changing requests from foreign origins */
  readonly originGuard: RequestHandler;
}

/** The seed's public routes under /lambdas, plus the stop-all and SSE extensions. */
export function createPublicRouter(deps: PublicRouterDeps): Router {
  const { runs, keys, consoleAuth } = deps;
  const router = Router();
  router.use('/lambdas', deps.originGuard);
  router.use('/lambdas', express.json({ type: () => true, limit: '1mb' }));
  const authorize = (req: Request<{ lambdaId: string }>): PublicCaller => authorizePublicCaller(req, req.params.lambdaId, keys, consoleAuth);

  router.post('/lambdas/:lambdaId/runs', async (req, res) => {
    authorize(req);
    const input = parseStartRunBody(req.body);
    res.status(201).json(await runs.start(req.params.lambdaId, input));
  });

  router.get('/lambdas/:lambdaId/runs', (req, res) => {
    authorize(req);
    const { limit, state } = parseListQuery(req.query);
    res.json({ runs: runs.list({ projectId: req.params.lambdaId, state, limit }) });
  });

  // Emulator extension (after swamp's cancel endpoint): stop every live run of a project.
  router.post('/lambdas/:lambdaId/runs/stop', async (req, res) => {
    authorize(req);
    const mode = (req.body as { mode?: unknown } | undefined)?.mode;
    if (mode !== undefined && mode !== 'oneShot' && mode !== 'service') throw new AppError('invalid_mode', 'mode must be "oneShot" or "service"');
    res.json(await runs.stopAll(req.params.lambdaId, mode as RunMode | undefined));
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
    const afterSequence = intQuery(req.query.afterSequence, -1, 'invalid_query', 'afterSequence');
    if (afterSequence < -1) throw new AppError('invalid_query', 'afterSequence must be -1 or more');
    const limit = intQuery(req.query.limit, 200, 'invalid_query', 'limit');
    if (limit < 1) throw new AppError('invalid_query', 'limit must be at least 1');
    const record = runs.get(lambdaId, runId);
    if (req.query.follow === 'true' || req.query.follow === '1') {
      const end = await streamLogAsSse(req, res, afterSequence, {
        read: (after, n) => runs.readLogs(lambdaId, runId, after, n).then((r) => r.logs),
        subscribe: (listener) => runs.subscribeLogs(runId, listener),
        endInfo: () => ({ state: record.run.state, exitCode: record.run.exitCode, logsTruncated: record.run.logsTruncated }),
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
