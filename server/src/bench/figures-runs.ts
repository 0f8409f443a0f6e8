// Figures 1, 2, 4, 5, 6: what a run costs on top of what Docker itself costs.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import Docker from 'dockerode';
import { readEventStream } from '../emulator/event-stream.js';
import { pollGet } from '../testing/poll-get.js';
import type { BenchEnv } from './bench-env.js';
import { latencyFromOtherProcess } from './autocannon.js';
import { interleaved, sample, summarize, timeIt, type Figure, type Summary } from './stats.js';

const exec = promisify(execFile);
const docker = new Docker();
/**
 * pause before each start sample of figures 1 and 2, so every sample begins on an idle engine (a
 * removed container's network and port proxy are torn down after `remove` returns)
 */
const SETTLE_MS = 300;

async function rawDockerodeRun(image: string, binary: string): Promise<number> {
  return timeIt(async () => {
    const c = await docker.createContainer({
      Image: image,
      Cmd: ['/b/hello'],
      HostConfig: { Binds: [`${binary}:/b/hello:ro`] },
    });
    await c.start();
    await c.wait();
    await c.remove({ force: true });
  });
}

export async function figureOneShot(env: BenchEnv, n: number): Promise<Figure> {
  const binary = await env.binaryOf(env.hello);
  const emulator = async () =>
    timeIt(async () => {
      const run = (await env.api.public('POST', `/lambdas/${env.hello.id}/runs`, env.key, { mode: 'oneShot' })).body
        .run;
      const done = await env.waitTerminal(env.hello, run.uuid, 5);
      if (done.state !== 'succeeded') throw new Error(`run ${done.state}`);
    });
  const dockerRun = async () =>
    timeIt(() => exec('docker', ['run', '--rm', '-v', `${binary}:/b/hello:ro`, env.image, '/b/hello']));
  const raw = () => rawDockerodeRun(env.image, binary);
  await emulator();
  await dockerRun();
  await raw();
  const [se, sd, sr] = (await interleaved(n, SETTLE_MS, [emulator, dockerRun, raw])).map(summarize) as [
    Summary,
    Summary,
    Summary,
  ];
  return {
    id: 1,
    title: 'oneShot hello: POST → succeeded seen by the client',
    measured: { emulator_ms: se, docker_run_rm_ms: sd, raw_dockerode_ms: sr },
    ratios: [
      {
        name: 'emulator / docker run --rm (median)',
        value: se.median / sd.median,
        target: '≤ 1.1',
        met: se.median / sd.median <= 1.1,
      },
      {
        name: 'emulator / raw dockerode (median)',
        value: se.median / sr.median,
        target: '≤ 1.2',
        met: se.median / sr.median <= 1.2,
      },
    ],
  };
}

/**
 * Figure 2. The emulator's client polls the proxy URL (every 2 ms) from the moment its POST
 * returns; a call made while the run is still `queued` waits for the container (a cold start),
 * then 502 until the service listens, then 200. The raw client creates and starts the container,
 * then polls its published port the same way.
 */
export async function figureServiceStart(env: BenchEnv, n: number): Promise<Figure> {
  const binary = await env.binaryOf(env.echo);
  const emulator = async () => {
    let id = '';
    const ms = await timeIt(async () => {
      id = (await env.api.public('POST', `/lambdas/${env.echo.id}/runs`, env.key, { mode: 'service' })).body.run.uuid;
      await env.waitServing(id, 2);
    });
    await env.api.public('POST', `/lambdas/${env.echo.id}/runs/${id}/stop`, env.key, {});
    return ms;
  };
  const raw = async () => {
    let container: Docker.Container | undefined;
    const ms = await timeIt(async () => {
      container = await docker.createContainer({
        Image: env.image,
        Cmd: ['/b/echo-service'],
        Env: ['PORT=8080'],
        ExposedPorts: { '8080/tcp': {} },
        HostConfig: {
          Binds: [`${binary}:/b/echo-service:ro`],
          PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] },
        },
      });
      await container.start();
      const info = await container.inspect();
      const port = info.NetworkSettings.Ports['8080/tcp']![0]!.HostPort;
      for (;;) {
        try {
          if ((await pollGet(`http://127.0.0.1:${port}/hello`)).status === 200) break;
        } catch {
          // not listening yet
        }
        await sleep(2);
      }
    });
    await container?.remove({ force: true });
    return ms;
  };
  await emulator();
  await raw();
  const [se, sr] = (await interleaved(n, SETTLE_MS, [emulator, raw])).map(summarize) as [Summary, Summary];
  return {
    id: 2,
    title: 'service: POST → first proxied 200',
    measured: { emulator_ms: se, raw_container_first_direct_200_ms: sr },
    ratios: [
      {
        name: 'emulator / raw start → direct 200 (median)',
        value: se.median / sr.median,
        target: '≤ 1.1',
        met: se.median / sr.median <= 1.1,
      },
    ],
  };
}

/** Figures 4 and 5: a 1M-line burst, then page reads at its end and at its start. */
export async function figureLogs(
  env: BenchEnv,
  lines: number,
): Promise<{ burst: Figure; pages: Figure; runId: string }> {
  const binary = await env.binaryOf(env.hostile);
  // baseline: the same binary's output read straight from the engine the fastest way there is,
  // attached before start as `docker run` does (2-3x faster than following the stored log)
  const engineMs = await timeIt(async () => {
    const c = await docker.createContainer({
      Image: env.image,
      Cmd: ['/b/hostile', `burst:${lines}`],
      HostConfig: { Binds: [`${binary}:/b/hostile:ro`] },
    });
    const stream = await c.attach({ stream: true, stdout: true, stderr: true });
    await c.start();
    let count = 0;
    await new Promise<void>((resolve) => {
      stream.on('data', (chunk: Buffer) => {
        for (let i = 0; i < chunk.length; i++) if (chunk[i] === 10) count++;
      });
      stream.on('end', resolve);
    });
    await c.remove({ force: true });
    if (count < lines) throw new Error(`engine gave ${count} lines`);
  });
  let runId = '';
  let captured = 0;
  const emulatorMs = await timeIt(async () => {
    runId = (
      await env.api.public('POST', `/lambdas/${env.hostile.id}/runs`, env.key, {
        mode: 'oneShot',
        arguments: [`burst:${lines}`],
      })
    ).body.run.uuid;
    const done = await env.waitTerminal(env.hostile, runId, 20);
    if (done.state !== 'succeeded') throw new Error(`burst run ${done.state}`);
  });
  const last = (
    await env.api.public(
      'GET',
      `/lambdas/${env.hostile.id}/runs/${runId}/logs?afterSequence=${lines - 2}&limit=5`,
      env.key,
    )
  ).body.logs;
  captured = last.length && last[0].data === `burst line ${lines - 1}\n` ? lines : 0;
  const engineRate = lines / (engineMs / 1000);
  const emulatorRate = captured / (emulatorMs / 1000);
  const burst: Figure = {
    id: 4,
    title: `logs: a ${lines.toLocaleString()}-line burst from one run`,
    measured: {
      emulator_lines_per_s: Math.round(emulatorRate),
      engine_lines_per_s: Math.round(engineRate),
      lines_captured: captured,
    },
    ratios: [
      {
        name: 'emulator / engine lines per second',
        value: emulatorRate / engineRate,
        target: '≥ 0.8',
        met: emulatorRate / engineRate >= 0.8,
      },
      { name: 'lines lost', value: lines - captured, target: '= 0', met: captured === lines },
    ],
  };
  const pageUrl = (after: number) =>
    `${env.t.url}/lambdas/${env.hostile.id}/runs/${runId}/logs?afterSequence=${after}&limit=200`;
  const page = (after: number) =>
    timeIt(() => fetch(pageUrl(after), { headers: { 'x-api-key': env.key } }).then((r) => r.arrayBuffer()));
  const atStart = summarize(await sample(300, () => page(-1)));
  const atEnd = summarize(await sample(300, () => page(lines - 201)));
  const endExternal = await latencyFromOtherProcess(pageUrl(lines - 201), { 'x-api-key': env.key }, 2000);
  const startExternal = await latencyFromOtherProcess(pageUrl(-1), { 'x-api-key': env.key }, 2000);
  const pages: Figure = {
    id: 5,
    title: `log page (200 chunks) at the end of a ${lines.toLocaleString()}-line log`,
    measured: {
      end_page_in_process_ms: atEnd,
      start_page_in_process_ms: atStart,
      end_page_p99_ms_other_process: endExternal.p99,
      start_page_p99_ms_other_process: startExternal.p99,
    },
    ratios: [
      {
        name: 'end page p99 (ms), client in its own process',
        value: endExternal.p99,
        target: '≤ 5',
        met: endExternal.p99 <= 5,
      },
      {
        name: 'end / start page (median)',
        value: atEnd.median / atStart.median,
        target: '≤ 1.5',
        met: atEnd.median / atStart.median <= 1.5,
      },
    ],
  };
  return { burst, pages, runId };
}

/**
 * Figure 6: a line printed (the program's own clock) → received, by a client following the log
 * (SSE) and by one reading pages every 20 ms, both on the same run.
 */
export async function figureSseLatency(env: BenchEnv, ticks: number): Promise<Figure> {
  const run = (
    await env.api.public('POST', `/lambdas/${env.hostile.id}/runs`, env.key, {
      mode: 'oneShot',
      arguments: [`tick:${ticks}:20`],
    })
  ).body.run;
  const res = await fetch(`${env.t.url}/lambdas/${env.hostile.id}/runs/${run.uuid}/logs?follow=true`, {
    headers: { 'x-api-key': env.key },
  });
  const latencies: number[] = [];
  let following = true;
  const paged = pollPages(env, run.uuid, () => following);
  for await (const event of readEventStream(res.body!)) {
    const m = event.type === 'log' ? /^tick (\d+)\n$/.exec((JSON.parse(event.data) as { data: string }).data) : null;
    if (m) latencies.push(Date.now() - Number(m[1]));
  }
  following = false;
  const s = summarize(latencies);
  const p = summarize(await paged);
  return {
    id: 6,
    title: 'log: line printed → line received, following (SSE) and reading pages every 20 ms',
    measured: { sse_latency_ms: s, page_latency_ms: p },
    ratios: [
      { name: 'SSE p99 (ms)', value: s.p99, target: '≤ 100', met: s.p99 <= 100 },
      { name: 'pages every 20 ms: p99 (ms)', value: p.p99, target: '≤ 1000', met: p.p99 <= 1000 },
    ],
  };
}

/** Reads `runId`'s log a page at a time every 20 ms while `going()`; each tick's delay when first seen. */
async function pollPages(env: BenchEnv, runId: string, going: () => boolean): Promise<number[]> {
  const latencies: number[] = [];
  let after = -1;
  while (going()) {
    const res = await pollGet(
      `${env.t.url}/lambdas/${env.hostile.id}/runs/${runId}/logs?afterSequence=${after}&limit=500`,
      { 'x-api-key': env.key },
    );
    const now = Date.now();
    const logs = JSON.parse(res.body).logs as Array<{ sequence: number; data: string }>;
    for (const chunk of logs) {
      const m = /^tick (\d+)\n$/.exec(chunk.data);
      if (m) latencies.push(now - Number(m[1]));
      after = chunk.sequence;
    }
    await sleep(20);
  }
  return latencies;
}
