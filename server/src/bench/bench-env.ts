// What every figure needs: a real server on a temp data dir, the examples built, a key.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Project } from '../contract/types.js';
import { ApiClient, makeDataDir, PACKAGES, startTestServer, waitFor, type TestServer } from '../testing/harness.js';
import { pollGet } from '../testing/poll-get.js';

export interface BenchEnv {
  readonly t: TestServer;
  readonly api: ApiClient;
  readonly key: string;
  readonly hello: Project;
  readonly echo: Project;
  readonly hostile: Project;
  readonly image: string;
  binaryOf(project: Project): Promise<string>;
  /** polls a run every `pollMs` until it is terminal; returns the run */
  waitTerminal(project: Project, runId: string, pollMs?: number): Promise<any>;
  /** polls the proxy until the service answers 200 */
  waitServing(runId: string, pollMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function createBenchEnv(log: (line: string) => void): Promise<BenchEnv> {
  const dataDir = await makeDataDir();
  const t = await startTestServer({ dataDir, env: { SWIFTLAMBDA_RUN_RETENTION: '100000' } });
  const api = t.api;
  log(`server ${t.url}, data dir ${dataDir}, image ${t.config.defaultImage}`);
  const hello = await api.createProject(PACKAGES.hello, 'hello', { runTimeoutSeconds: 600 });
  const echo = await api.createProject(PACKAGES.echo, 'echo-service', { runTimeoutSeconds: 3600 });
  const hostile = await api.createProject(PACKAGES.hostile, 'hostile', { runTimeoutSeconds: 600, memoryLimitMb: 2048 });
  for (const p of [hello, echo, hostile]) {
    const c = await api.build(p.id);
    if (c.state !== 'succeeded') throw new Error(`build of ${p.name} failed: ${c.errorSummary}`);
    log(`built ${p.name}`);
  }
  const key = await api.createKey({ name: 'bench' });
  const terminal = (r: { state: string }) => !['queued', 'running'].includes(r.state);
  return {
    t,
    api,
    key,
    hello,
    echo,
    hostile,
    image: t.config.defaultImage,
    async binaryOf(project) {
      const comps = (await api.console('GET', `/projects/${project.id}/compilations`)).body.compilations as Array<{
        id: string;
        state: string;
      }>;
      const c = comps.find((x) => x.state === 'succeeded')!;
      return join(dataDir, 'binaries', project.id, c.id, project.targetName);
    },
    async waitTerminal(project, runId, pollMs = 5) {
      for (;;) {
        const res = await pollGet(`${t.url}/lambdas/${project.id}/runs/${runId}`, { 'x-api-key': key });
        const run = JSON.parse(res.body).run;
        if (terminal(run)) return run;
        await sleep(pollMs);
      }
    },
    async waitServing(runId, pollMs = 5) {
      await waitFor(
        async () =>
          (await pollGet(`${t.url}/instances/${runId}/api/hello`, { 'x-api-key': key })).status === 200
            ? true
            : undefined,
        30_000,
        'service',
        pollMs,
      );
    },
    async close() {
      await t.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
