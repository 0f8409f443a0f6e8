// Figures 10 and 11: the control plane while a run floods its log, and how soon a stop or a key
// revocation takes effect. These were timed assertions in the integration tests; the tests now
// check the behaviour, these figures the time.
import Docker from 'dockerode';
import { pollRunFromOtherProcess } from '../testing/run-poller.js';
import type { BenchEnv } from './bench-env.js';
import { interleaved, sample, summarize, timeIt, type Figure, type Summary } from './stats.js';

const docker = new Docker();
const terminal = (r: { state: string }) => !['queued', 'running'].includes(r.state);

/**
 * Figure 10: `GET …/runs/{id}` polled every 20 ms from a process of its own while a run writes
 * `floodMiB` of output, against the same client polling a run that only sleeps.
 */
export async function figureApiDuringFlood(env: BenchEnv, floodMiB: number): Promise<Figure> {
  const pollRun = async (project: typeof env.hello, args: string[]) => {
    const run = (
      await env.api.public('POST', `/lambdas/${project.id}/runs`, env.key, { mode: 'oneShot', arguments: args })
    ).body.run;
    const { answers, run: done } = await pollRunFromOtherProcess(
      `${env.t.url}/lambdas/${project.id}/runs/${run.uuid}`,
      env.key,
    );
    if (!done || done.state !== 'succeeded')
      throw new Error(`run ${args.join(' ')} ended ${done?.state ?? 'past the deadline'}`);
    const failed = answers.filter((a) => a.status !== 200).length;
    return { latency: summarize(answers.map((a) => a.ms)), failed };
  };
  const idle = await pollRun(env.hello, ['sleep:8']);
  const flood = await pollRun(env.hostile, [`flood:${floodMiB}`]);
  const ratio = flood.latency.p99 / idle.latency.p99;
  return {
    id: 10,
    title: `API during a ${floodMiB} MiB log flood: GET …/runs/{id} every 20 ms, client in its own process`,
    measured: { flood_ms: flood.latency, idle_ms: idle.latency, failed_answers: flood.failed + idle.failed },
    ratios: [
      { name: 'p99 during the flood (ms)', value: flood.latency.p99, target: '≤ 50', met: flood.latency.p99 <= 50 },
      { name: 'p99 flood / p99 idle', value: ratio, target: 'info', met: true },
      {
        name: 'answers other than 200',
        value: flood.failed + idle.failed,
        target: '= 0',
        met: flood.failed + idle.failed === 0,
      },
    ],
  };
}

/**
 * Figure 11: POST …/stop of a running oneShot until its answer, against the same container
 * stopped and removed through the engine; and a key revocation until the log stream it holds ends.
 */
export async function figureStopAndRevoke(env: BenchEnv, n: number): Promise<Figure> {
  const binary = await env.binaryOf(env.hello);
  const emulatorStop = async () => {
    const run = (
      await env.api.public('POST', `/lambdas/${env.hello.id}/runs`, env.key, {
        mode: 'oneShot',
        arguments: ['sleep:60'],
      })
    ).body.run;
    await env.api.waitForRun(env.hello.id, run.uuid, env.key, (r) => r.state === 'running');
    const ms = await timeIt(() =>
      env.api.public('POST', `/lambdas/${env.hello.id}/runs/${run.uuid}/stop`, env.key, {}),
    );
    const after = (await env.api.public('GET', `/lambdas/${env.hello.id}/runs/${run.uuid}`, env.key)).body.run;
    if (!terminal(after)) throw new Error(`a stopped run is ${after.state}`);
    return ms;
  };
  // as the emulator runs it: init as PID 1 forwards SIGTERM, the program ends at once
  const rawStop = async () => {
    const c = await docker.createContainer({
      Image: env.image,
      Cmd: ['/b/hello', 'sleep:60'],
      HostConfig: { Init: true, Binds: [`${binary}:/b/hello:ro`] },
    });
    await c.start();
    return timeIt(async () => {
      await c.stop({ t: 10 });
      await c.remove({ force: true });
    });
  };
  await emulatorStop();
  await rawStop();
  const [emulator, raw] = (await interleaved(n, 300, [emulatorStop, rawStop])).map(summarize) as [Summary, Summary];
  const revoke = summarize(await sample(n, () => revokeUntilStreamEnds(env)));
  return {
    id: 11,
    title: 'stop: POST …/stop → answered; revoke a key → its open log stream ends',
    measured: { emulator_stop_ms: emulator, raw_stop_and_remove_ms: raw, revoke_to_stream_end_ms: revoke },
    ratios: [
      {
        name: 'emulator stop / engine stop + remove (median)',
        value: emulator.median / raw.median,
        target: '≤ 1.2',
        met: emulator.median / raw.median <= 1.2,
      },
      { name: 'revoke → stream ended, p99 (ms)', value: revoke.p99, target: '≤ 5000', met: revoke.p99 <= 5000 },
    ],
  };
}

/** One key, one run whose log it follows; ms from the revoke's request to the stream's end. */
async function revokeUntilStreamEnds(env: BenchEnv): Promise<number> {
  const created = (await env.api.console('POST', '/keys', { name: 'bench-revoke' })).body as {
    secret: string;
    key: { id: string };
  };
  const run = (
    await env.api.public('POST', `/lambdas/${env.hello.id}/runs`, env.key, { mode: 'oneShot', arguments: ['sleep:60'] })
  ).body.run;
  const res = await fetch(`${env.t.url}/lambdas/${env.hello.id}/runs/${run.uuid}/logs?follow=true`, {
    headers: { 'x-api-key': created.secret },
  });
  const reader = res.body!.getReader();
  await reader.read();
  const began = performance.now();
  await env.api.console('POST', `/keys/${created.key.id}/revoke`);
  while (!(await reader.read()).done);
  const ms = performance.now() - began;
  await env.api.public('POST', `/lambdas/${env.hello.id}/runs/${run.uuid}/stop`, env.key, {});
  return ms;
}
