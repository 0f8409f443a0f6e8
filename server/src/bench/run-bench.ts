// `npm run bench`: every figure of docs/benchmarks.md against its baseline in the same run.
// Options: --quick (fewer samples, a 100k-line log, a 256 MiB flood), --only 1,3,8 (a partial run
// replaces those figures' rows in docs/benchmarks.md and keeps the others')
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { killTrackedChildren } from '../testing/children.js';
import { createBenchEnv } from './bench-env.js';
import { figureAwsWarmInvoke } from './figure-aws.js';
import { figureConsole } from './figure-console.js';
import { figureDevLoop } from './figure-dev-loop.js';
import { figureManyPackages } from './figure-many-packages.js';
import { figureApiDuringFlood, figureStopAndRevoke } from './figures-control.js';
import { figureProxyLoad, figureStartup, figureStore } from './figures-http.js';
import { figureLogs, figureOneShot, figureServiceStart, figureSseLatency } from './figures-runs.js';
import { machine, printTable, writeChart, writeJson, writeMarkdown } from './report.js';
import type { Figure } from './stats.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const quick = process.argv.includes('--quick');
const onlyArg = process.argv[process.argv.indexOf('--only') + 1];
const only = process.argv.includes('--only') && onlyArg ? new Set(onlyArg.split(',').map(Number)) : null;
const want = (id: number) => !only || only.has(id);
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

async function main(): Promise<void> {
  const lines = quick ? 100_000 : 1_000_000;
  const env = await createBenchEnv(log);
  const figures: Figure[] = [];
  const add = (f: Figure) => {
    figures.push(f);
    log(`figure ${f.id} done: ${f.ratios.map((r) => `${r.name} ${r.value.toFixed(2)}`).join(', ')}`);
  };
  /** a figure that fails is reported as such; the others still run */
  const attempt = async <T>(id: number, title: string, fn: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await fn();
    } catch (err) {
      log(`figure ${id} failed: ${(err as Error).stack ?? (err as Error).message}`);
      figures.push({
        id,
        title,
        measured: {},
        ratios: [{ name: `failed: ${(err as Error).message.slice(0, 120)}`, value: NaN, target: '-', met: false }],
      });
      return undefined;
    }
  };
  try {
    const put = (f: Figure | undefined) => f && add(f);
    if (want(1) || want(7)) put(await attempt(1, 'oneShot hello', () => figureOneShot(env, quick ? 5 : 15)));
    if (want(2)) put(await attempt(2, 'service start', () => figureServiceStart(env, quick ? 3 : 10)));
    if (want(3)) put(await attempt(3, 'proxy load', () => figureProxyLoad(env, quick ? 3 : 10, log)));
    let bigRun = '';
    let complete = false;
    if (want(4) || want(5) || want(9)) {
      const logs = await attempt(4, 'logs burst', () => figureLogs(env, lines));
      if (logs) {
        bigRun = logs.runId;
        complete = logs.burst.ratios.every((r) => r.met || !r.name.startsWith('lines lost'));
        add(logs.burst);
        add(logs.pages);
      }
    }
    if (want(6)) put(await attempt(6, 'SSE latency', () => figureSseLatency(env, quick ? 100 : 300)));
    if (want(7)) put(await attempt(7, 'store', () => figureStore(env, 10_000)));
    if (want(8)) put(await attempt(8, 'start-up', () => figureStartup(quick ? 3 : 7)));
    if (want(10)) put(await attempt(10, 'API during a log flood', () => figureApiDuringFlood(env, quick ? 256 : 1024)));
    if (want(11)) put(await attempt(11, 'stop and revoke', () => figureStopAndRevoke(env, quick ? 3 : 10)));
    if (want(9) && bigRun && complete) put(await attempt(9, 'console', () => figureConsole(env, bigRun, lines)));
    if (want(12))
      put(await attempt(12, 'AWS Lambda mode warm invoke', () => figureAwsWarmInvoke(env, quick ? 200 : 1000)));
    if (want(13)) put(await attempt(13, 'dev loop: save → new answer', () => figureDevLoop(env, quick ? 3 : 5, log)));
    if (want(14))
      put(await attempt(14, 'many-package no-op rebuild', () => figureManyPackages(env, quick ? 3 : 5, log)));
  } finally {
    await killTrackedChildren();
    await env.close();
  }
  const shown = figures.filter((f) => want(f.id)).sort((a, b) => a.id - b.id);
  const dockerVersion = execFileSync('docker', ['version', '--format', '{{.Server.Version}}']).toString().trim();
  const machineLine = machine(dockerVersion);
  const when = new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
  process.stdout.write(`\n${machineLine}\n\n${printTable(shown)}\n\n`);
  const json = await writeJson(`${root}bench-results`, { when, machine: machineLine, quick, figures: shown });
  await writeChart(`${root}docs/benchmarks.png`, shown);
  await writeMarkdown(`${root}docs/benchmarks.md`, shown, machineLine, when);
  process.stdout.write(`wrote ${json}, docs/benchmarks.md and docs/benchmarks.png\n`);
  process.exit(0);
}

void main().catch((err) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
