import { Router, type Response } from 'express';
import type { RunStatsResponse, RunStatsSample } from '../../contract/run-diagnostics.js';
import type { RunRecord } from '../../domain/records.js';
import { AppError } from '../../errors.js';
import { openEventStream } from '../../http/sse.js';
import { parseListQuery } from './runs-router.js';
import { toConsoleRun, type RunsService } from './runs-service.js';

/**
 * The console's routes for runs (mounted under /console/api): all runs across projects, one run
 * with its console fields, its live stats.
 */
export function createRunConsoleRouter(runs: RunsService): Router {
  const router = Router();

  // All runs across projects, for the console's runs page.
  router.get('/runs', (req, res) => {
    const { limit, state } = parseListQuery({ ...req.query, limit: req.query.limit ?? '50' });
    const project = typeof req.query.project === 'string' && req.query.project ? req.query.project : undefined;
    // console fields beside the public ones: the run a hot swap replaced
    res.json({ runs: runs.list({ projectId: project, state, limit }).map((r) => toConsoleRun(runs.find(r.uuid)!)) });
  });

  const recordOf = (runId: string): RunRecord => {
    const record = runs.find(runId);
    if (!record) throw new AppError('run_not_found', `no run with id ${runId}`);
    return record;
  };

  router.get('/runs/:runId', (req, res) => {
    res.json({ run: toConsoleRun(recordOf(req.params.runId)) });
  });

  // the last samples; with ?follow=true, Server-Sent Events until the run's container stops
  router.get('/runs/:runId/stats', (req, res) => {
    const record = recordOf(req.params.runId);
    const { samples, live } = runs.stats.read(record.run.uuid);
    if (req.query.follow !== 'true') {
      const body: RunStatsResponse = { samples, peakMemoryBytes: record.peakMemoryBytes ?? null, live };
      res.json(body);
      return;
    }
    streamStats(res, record, samples, runs);
  });

  return router;
}

function streamStats(res: Response, record: RunRecord, backlog: RunStatsSample[], runs: RunsService): void {
  const stream = openEventStream(res);
  const finish = () => {
    stream.send('end', { peakMemoryBytes: record.peakMemoryBytes ?? null });
    stream.end();
  };
  for (const sample of backlog) stream.send('sample', sample);
  const unsubscribe = runs.stats.subscribe(record.run.uuid, {
    onSample: (s) => stream.send('sample', s),
    onEnd: finish,
  });
  if (!unsubscribe) return finish();
  stream.onClose(unsubscribe);
}
