// `npm run bench`: every figure of docs/benchmarks.md against its baseline in the same run.
// Options: --quick (fewer samples, a 100k-line log), --only 1,3,8
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createBenchEnv } from './bench-env.js';
import { figureConsole } from './figure-console.js';
import { figureProxyLoad, figureStartup, figureStore } from './figures-http.js';
import { figureLogs, figureOneShot, figureServiceStart, figureSseLatency, type Figure } from './figures-runs.js';
import { machine, printTable, writeChart, writeJson, writeMarkdown } from './report.js';

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
  try {
    if (want(1) || want(7)) add(await figureOneShot(env, quick ? 5 : 15));
    if (want(2)) add(await figureServiceStart(env, quick ? 3 : 10));
    if (want(3)) add(await figureProxyLoad(env, quick ? 3 : 10));
    let bigRun = '';
    if (want(4) || want(5) || want(9)) {
      const logs = await figureLogs(env, lines);
      bigRun = logs.runId;
      add(logs.burst);
      add(logs.pages);
    }
    if (want(6)) add(await figureSseLatency(env, quick ? 100 : 300));
    if (want(7)) add(await figureStore(env, 10_000));
    if (want(8)) add(await figureStartup(quick ? 3 : 7));
    if (want(9) && bigRun) add(await figureConsole(env, bigRun, lines));
  } finally {
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
