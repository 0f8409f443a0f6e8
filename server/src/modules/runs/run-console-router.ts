import { Router, type Response } from 'express';
import type { RunStatsResponse, RunStatsSample } from '../../contract/run-diagnostics.js';
import type { RunRecord } from '../../domain/records.js';
import { AppError } from '../../errors.js';
import { toConsoleRun, type RunsService } from './runs-service.js';

/** The console's routes for one run (mounted under /console/api): the run with its console fields, its live stats. */
export function createRunConsoleRouter(runs: RunsService): Router {
  const router = Router();
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
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  let closed = false;
  const send = (type: string, data: unknown) =>
    !closed && res.write(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
  const finish = () => {
    send('end', { peakMemoryBytes: record.peakMemoryBytes ?? null });
    closed = true;
    res.end();
  };
  for (const sample of backlog) send('sample', sample);
  const unsubscribe = runs.stats.subscribe(record.run.uuid, { onSample: (s) => send('sample', s), onEnd: finish });
  if (!unsubscribe) return finish();
  const heartbeat = setInterval(() => !closed && res.write(': keep-alive\n\n'), 15_000);
  res.on('close', () => {
    closed = true;
    clearInterval(heartbeat);
    unsubscribe();
  });
}
