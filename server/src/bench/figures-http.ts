// Figures 3, 7, 8: the proxy under load beside other proxies, a big store, and start-up.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Project } from '../contract/types.js';
import type { DbData, RunRecord } from '../domain/records.js';
import { killChild, trackChild } from '../testing/children.js';
import { makeDataDir, PACKAGES, startTestServer, waitFor } from '../testing/harness.js';
import type { BenchEnv } from './bench-env.js';
import { latencyFromOtherProcess, load, type LoadResult } from './autocannon.js';
import { sample, summarize, timeIt, type Figure } from './stats.js';

/** The Debian package `nginx`, installed (as root) when this machine has no nginx yet. */
function ensureNginx(log: (line: string) => void): boolean {
  if (spawnSync('sh', ['-c', 'command -v nginx']).status === 0) return true;
  log('nginx is not installed: apt-get install nginx');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () =>
    spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'nginx'], { env, stdio: 'ignore' }).status === 0;
  if (!install() && !(spawnSync('apt-get', ['update'], { env, stdio: 'ignore' }).status === 0 && install()))
    return false;
  // the package starts the system's nginx where it can; the bench runs its own
  spawnSync('sh', ['-c', 'test -f /run/nginx.pid && nginx -s quit'], { stdio: 'ignore' });
  return spawnSync('sh', ['-c', 'command -v nginx']).status === 0;
}

interface Baseline {
  readonly port: number;
  stop(): Promise<void>;
}

async function waitAnswering(port: number, what: string): Promise<void> {
  await waitFor(
    async () => {
      try {
        return (await fetch(`http://127.0.0.1:${port}/hello`)).status === 200 ? true : undefined;
      } catch {
        return undefined;
      }
    },
    10_000,
    what,
    100,
  );
}

async function startNginx(upstreamPort: number): Promise<Baseline> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-nginx-'));
  const port = 20000 + Math.floor(Math.random() * 20000);
  await writeFile(
    join(dir, 'nginx.conf'),
    `worker_processes 1; daemon off; pid ${dir}/nginx.pid; error_log ${dir}/error.log;
events { worker_connections 4096; }
http { access_log off; client_body_temp_path ${dir}; proxy_temp_path ${dir};
  upstream up { server 127.0.0.1:${upstreamPort}; keepalive 64; }
  server { listen 127.0.0.1:${port}; location / { proxy_pass http://up; proxy_http_version 1.1; proxy_set_header Connection ""; } } }
`,
  );
  const child = trackChild(spawn('nginx', ['-c', join(dir, 'nginx.conf'), '-p', dir], { stdio: 'ignore' }));
  await waitAnswering(port, 'nginx');
  return {
    port,
    stop: async () => {
      await killChild(child, 'SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function startHttpProxy3(upstreamPort: number): Promise<Baseline> {
  const script = fileURLToPath(new URL('./http-proxy-3-server.js', import.meta.url));
  const child = trackChild(
    spawn(process.execPath, [script, String(upstreamPort)], { stdio: ['ignore', 'pipe', 'inherit'] }),
  );
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  const port = await waitFor(
    async () => (/^(\d+)\n/.exec(out) ? Number(/^(\d+)\n/.exec(out)![1]) : undefined),
    10_000,
    'http-proxy-3 to listen',
    20,
  );
  await waitAnswering(port, 'http-proxy-3');
  return { port, stop: () => killChild(child, 'SIGTERM') };
}

interface UpstreamLoad {
  direct: LoadResult;
  proxied: LoadResult;
  viaHttpProxy3: LoadResult;
  viaNginx: LoadResult | null;
}

/** One service run as the upstream: direct, through the emulator, through http-proxy-3 and nginx. */
async function loadUpstream(
  env: BenchEnv,
  project: Project,
  args: string[],
  seconds: number,
  nginx: boolean,
): Promise<UpstreamLoad> {
  const run = (
    await env.api.public('POST', `/lambdas/${project.id}/runs`, env.key, { mode: 'service', arguments: args })
  ).body.run;
  await env.waitServing(run.uuid);
  const hostPort = (await env.api.public('GET', `/lambdas/${project.id}/runs/${run.uuid}`, env.key)).body.run
    .hostPort as number;
  const through = async (start: (port: number) => Promise<Baseline>) => {
    const proxy = await start(hostPort);
    try {
      return await load(`http://127.0.0.1:${proxy.port}/hello`, {}, seconds);
    } finally {
      await proxy.stop();
    }
  };
  try {
    const direct = await load(`http://127.0.0.1:${hostPort}/hello`, {}, seconds);
    const proxied = await load(`${env.t.url}/instances/${run.uuid}/api/hello`, { 'x-api-key': env.key }, seconds);
    const viaHttpProxy3 = await through(startHttpProxy3);
    const viaNginx = nginx ? await through(startNginx) : null;
    return { direct, proxied, viaHttpProxy3, viaNginx };
  } finally {
    await env.api.public('POST', `/lambdas/${project.id}/runs/${run.uuid}/stop`, env.key, {});
  }
}

/**
 * A Node upstream without a Node image: this machine's own `node` (linked only against glibc and
 * libstdc++, which the Swift image has) imported as a project's prebuilt binary, and run with
 * `-e` and a minimal HTTP server as its arguments.
 */
const NODE_UPSTREAM =
  "require('http').createServer((q,s)=>{s.writeHead(200,{'content-type':'text/plain'});s.end('hello')}).listen(+process.env.PORT,'0.0.0.0')";

async function nodeUpstreamProject(env: BenchEnv): Promise<Project | null> {
  const project = await env.api.createProject(PACKAGES.echo, 'echo-service', {
    name: 'node-upstream',
    runTimeoutSeconds: 3600,
  });
  const res = await env.api.console('POST', `/projects/${project.id}/compilations`, { binaryPath: process.execPath });
  return res.status < 300 && res.body.compilation?.state === 'succeeded' ? project : null;
}

/** The ratio rows of one upstream: each proxy's req/s over direct calls', and the emulator's against http-proxy-3's. */
function proxyRatios(label: string, u: UpstreamLoad, targets: boolean) {
  const ratio = u.proxied.reqPerSec / u.direct.reqPerSec;
  const httpProxy3Ratio = u.viaHttpProxy3.reqPerSec / u.direct.reqPerSec;
  const row = (name: string, value: number, target: string, met: boolean) =>
    targets ? { name, value, target, met } : { name, value, target: 'info', met: true };
  return [
    row(`emulator / direct req/s (${label})`, ratio, '≥ 0.4', ratio >= 0.4),
    row(
      `emulator ratio / http-proxy-3 ratio (${label})`,
      ratio / httpProxy3Ratio,
      '≥ 1.3',
      ratio / httpProxy3Ratio >= 1.3,
    ),
    { name: `http-proxy-3 / direct req/s (${label})`, value: httpProxy3Ratio, target: 'info', met: true },
    ...(u.viaNginx
      ? [
          {
            name: `nginx / direct req/s (${label})`,
            value: u.viaNginx.reqPerSec / u.direct.reqPerSec,
            target: 'info',
            met: true,
          },
        ]
      : []),
  ];
}

export async function figureProxyLoad(env: BenchEnv, seconds: number, log: (line: string) => void): Promise<Figure> {
  const nginx = ensureNginx(log);
  const swift = await loadUpstream(env, env.echo, [], seconds, nginx);
  const nodeProject = await nodeUpstreamProject(env);
  const node = nodeProject ? await loadUpstream(env, nodeProject, ['-e', NODE_UPSTREAM], seconds, nginx) : null;
  // the API on the same server, idle, from a client in its own process
  const api = await latencyFromOtherProcess(
    `${env.t.url}/lambdas/${env.hello.id}/runs`,
    { 'x-api-key': env.key },
    2000,
  );
  const errors = swift.proxied.errors + (node?.proxied.errors ?? 0);
  const measured = (prefix: string, u: UpstreamLoad) => ({
    [`${prefix}direct_req_per_s`]: Math.round(u.direct.reqPerSec),
    [`${prefix}direct_p99_ms`]: u.direct.p99,
    [`${prefix}emulator_req_per_s`]: Math.round(u.proxied.reqPerSec),
    [`${prefix}emulator_p99_ms`]: u.proxied.p99,
    [`${prefix}emulator_errors`]: u.proxied.errors,
    [`${prefix}http_proxy_3_req_per_s`]: Math.round(u.viaHttpProxy3.reqPerSec),
    [`${prefix}http_proxy_3_p99_ms`]: u.viaHttpProxy3.p99,
    ...(u.viaNginx
      ? { [`${prefix}nginx_req_per_s`]: Math.round(u.viaNginx.reqPerSec), [`${prefix}nginx_p99_ms`]: u.viaNginx.p99 }
      : {}),
  });
  return {
    id: 3,
    title: 'proxy: req/s and p99 at 50 keep-alive connections, Swift and Node upstreams; the API beside it',
    measured: {
      ...measured('', swift),
      ...(node ? measured('node_', node) : {}),
      api_get_runs_p50_ms: api.median,
      api_get_runs_p99_ms: api.p99,
    },
    ratios: [
      ...proxyRatios('Swift', swift, true),
      ...(node ? proxyRatios('Node', node, false) : []),
      { name: 'API GET …/runs p99 (ms), client in its own process', value: api.p99, target: '≤ 3', met: api.p99 <= 3 },
      { name: 'proxy errors', value: errors, target: '= 0', met: errors === 0 },
    ],
    notes: [
      'http-proxy-3: in a process of its own, keep-alive agent to the upstream (at most 64 sockets).',
      nginx
        ? 'nginx: one worker, keep-alive upstream pool of 64.'
        : 'nginx: could not be installed (apt-get install nginx): not measured.',
      node
        ? "Node upstream: this machine's node binary imported as a prebuilt binary and run with -e, inside the " +
          'Swift image, as a service run; its rows are for information.'
        : "Node upstream not measured: importing this machine's node binary as a prebuilt binary failed.",
    ],
  };
}

function syntheticRuns(template: RunRecord, count: number): RunRecord[] {
  return Array.from({ length: count }, (_, i) => ({
    ...template,
    run: {
      ...template.run,
      uuid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      created: template.run.created - count + i,
    },
  }));
}

/** Figure 7: GET …/runs p99 with 10,000 runs stored, and 200 state changes a second. */
export async function figureStore(env: BenchEnv, runs: number): Promise<Figure> {
  const measure = async (count: number) => {
    const dataDir = await makeDataDir();
    const seed = await startTestServer({ dataDir });
    const project = await seed.api.createProject(PACKAGES.hello, 'hello');
    const key = await seed.api.createKey();
    await seed.stop();
    const db = JSON.parse(await readFile(join(dataDir, 'db.json'), 'utf8')) as DbData;
    const template = env.t.server.services.store.data.runs.find((r) => r.run.state === 'succeeded')!;
    db.runs = syntheticRuns({ ...template, run: { ...template.run, project: project.id } }, count);
    await writeFile(join(dataDir, 'db.json'), JSON.stringify(db));
    const t = await startTestServer({ dataDir, env: { SWIFTLAMBDA_RUN_RETENTION: '100000' } });
    const get = summarize(
      await sample(500, () => timeIt(() => t.api.public('GET', `/lambdas/${project.id}/runs`, key))),
    );
    const external = await latencyFromOtherProcess(`${t.url}/lambdas/${project.id}/runs`, { 'x-api-key': key }, 2000);
    const histogram = monitorEventLoopDelay({ resolution: 1 });
    histogram.enable();
    const store = t.server.services.store;
    const records = store.data.runs;
    const began = Date.now();
    let changes = 0;
    while (Date.now() - began < 5000) {
      const r = records[changes % Math.max(1, records.length)];
      if (r) r.run.updated = Math.floor(Date.now() / 1000);
      void store.commit();
      changes++;
      await sleep(5);
    }
    await store.flush();
    histogram.disable();
    const loopP99 = histogram.percentile(99) / 1e6;
    const rate = changes / 5;
    await t.dispose();
    return { get, external, loopP99, rate, fileBytes: JSON.stringify(db).length };
  };
  const empty = await measure(0);
  const big = await measure(runs);
  return {
    id: 7,
    title: `store with ${runs.toLocaleString()} runs: GET …/runs and 200 state changes a second`,
    measured: {
      big_get_in_process_ms: big.get,
      empty_get_in_process_ms: empty.get,
      big_get_p99_ms_other_process: big.external.p99,
      empty_get_p99_ms_other_process: empty.external.p99,
      big_event_loop_p99_ms: big.loopP99,
      empty_event_loop_p99_ms: empty.loopP99,
      state_changes_per_s: Math.round(big.rate),
      big_db_json_bytes: big.fileBytes,
    },
    ratios: [
      {
        name: 'GET …/runs p99 (ms), 10k runs, client in its own process',
        value: big.external.p99,
        target: '≤ 5',
        met: big.external.p99 <= 5,
      },
      { name: '10k / empty GET (median)', value: big.get.median / empty.get.median, target: 'info', met: true },
      {
        name: 'event-loop delay p99 (ms) at ~200 changes/s',
        value: big.loopP99,
        target: '≤ 20',
        met: big.loopP99 <= 20,
      },
    ],
  };
}

/** Figure 8: `npm start` → ready, and idle memory. */
export async function figureStartup(runs: number): Promise<Figure> {
  const main = fileURLToPath(new URL('../main.js', import.meta.url));
  const rss: number[] = [];
  const times = await sample(runs, async () => {
    const dataDir = await makeDataDir();
    const began = performance.now();
    const child = spawn(process.execPath, [main, '--port', '0', '--data-dir', dataDir], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    await waitFor(async () => (out.includes('Console:') ? true : undefined), 15_000, 'ready', 2);
    const ms = performance.now() - began;
    await sleep(1500);
    const status = await readFile(`/proc/${child.pid}/status`, 'utf8').catch(() => '');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
    rss.push(kb / 1024);
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await rm(dataDir, { recursive: true, force: true });
    return ms;
  });
  const s = summarize(times);
  const r = summarize(rss);
  return {
    id: 8,
    title: 'start → ready (node dist/server/main.js, what npm start runs); idle RSS',
    measured: { ready_ms: s, idle_rss_mb: r },
    ratios: [
      { name: 'ready (median, ms)', value: s.median, target: '≤ 1000', met: s.median <= 1000 },
      { name: 'idle RSS (median, MB)', value: r.median, target: '≤ 120', met: r.median <= 120 },
    ],
    notes: ["`npm start` adds npm's own start-up (about 0.3 s) and the build check of scripts/ensure-built.mjs."],
  };
}
