// A service run started through the public API, as a test would start it, and waited for until
// its program accepts connections: then its proxy URL answers without a 502.
import { setTimeout as sleep } from 'node:timers/promises';
import { acceptsConnections } from '../modules/dev/index.js';
import type { LogsResponse, Run, RunResponse, StartRunResponse } from '../contract/types.js';

export interface ServiceRun {
  readonly runId: string;
  /** the proxy URL of the service's root, ending in `/`: `${url}hello` calls GET /hello */
  readonly url: string;
  /** stops the run (a run already over is left as it is) */
  stop(): Promise<void>;
}

export interface ApiAccess {
  readonly url: string;
  readonly apiKey: string;
}

const TERMINAL = new Set(['succeeded', 'failed', 'stopped', 'timedOut']);
const POLL_MS = 100;
async function api<T>(access: ApiAccess, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(access.url + path, {
    method,
    headers: { 'x-api-key': access.apiKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const parsed = (await res.json().catch(() => ({}))) as T & { reason?: string; message?: string };
  if (!res.ok)
    throw new Error(
      `${method} ${path}: ${res.status} ${parsed.reason ?? ''}${parsed.message ? `: ${parsed.message}` : ''}`,
    );
  return parsed;
}

/** Starts a service run of `lambdaId` with `args` and resolves once its port accepts connections. */
export async function startServiceRun(
  access: ApiAccess,
  lambdaId: string,
  args: readonly string[],
  timeoutMs = 60_000,
): Promise<ServiceRun> {
  const runs = `/lambdas/${encodeURIComponent(lambdaId)}/runs`;
  const { run } = await api<StartRunResponse>(access, 'POST', runs, { mode: 'service', arguments: args });
  const stop = async () => {
    await api(access, 'POST', `${runs}/${run.uuid}/stop`, {}).catch((err: unknown) => {
      if (!String(err).includes('not_stoppable')) throw err;
    });
  };
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      const current = (await api<RunResponse>(access, 'GET', `${runs}/${run.uuid}`)).run;
      if (TERMINAL.has(current.state))
        throw new Error(
          `service run ${run.uuid} ended ${current.state} before it listened: ${await lastLines(access, current)}`,
        );
      if (current.state === 'running' && current.hostPort && (await acceptsConnections(current.hostPort))) break;
      if (Date.now() > deadline)
        throw new Error(`service run ${run.uuid} did not accept connections on $PORT within ${timeoutMs / 1000} s`);
      await sleep(POLL_MS);
    }
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
  return { runId: run.uuid, url: `${access.url}/instances/${run.uuid}/api/`, stop };
}

async function lastLines(access: ApiAccess, run: Run): Promise<string> {
  const { logs } = await api<LogsResponse>(
    access,
    'GET',
    `/lambdas/${run.project}/runs/${run.uuid}/logs?afterSequence=-1&limit=500`,
  ).catch(() => ({ logs: [] }));
  const text = logs
    .slice(-10)
    .map((c) => c.data)
    .join('')
    .trim();
  return text || run.errorSummary || `exit code ${String(run.exitCode)}`;
}
