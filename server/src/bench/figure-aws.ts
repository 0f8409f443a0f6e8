// Figure 12: a warm AWS Lambda mode invoke, against handing the same event straight to the same
// function's runtime loop (a bare runtime API in this process, no Invoke API, no queue).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { DockerodeEngine } from '../adapters/docker/dockerode-engine.js';
import { detectRuntimeNetwork } from '../modules/aws/runtime-network.js';
import type { BenchEnv } from './bench-env.js';
import { interleaved, summarize, timeIt, type Figure, type Summary } from './stats.js';

const AWS_ECHO = fileURLToPath(new URL('../../../resources/examples/aws-echo', import.meta.url));
const PAYLOAD = '{"bench":true}';

/** The smallest runtime API: one waiting `next` at a time, an invocation resolves on its response. */
async function bareRuntimeApi(host: string) {
  let waiting: http.ServerResponse | null = null;
  let onReady: (() => void) | null = null;
  let answered: ((body: string) => void) | null = null;
  let counter = 0;
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/2018-06-01/runtime/invocation/next') {
      waiting = res;
      onReady?.();
      return;
    }
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => {
      res.writeHead(202, { 'content-type': 'application/json', 'content-length': 15 });
      res.end('{"status":"OK"}');
      answered?.(body);
    });
  });
  server.keepAliveTimeout = 600_000;
  await new Promise<void>((r) => server.listen(0, host, r));
  const ready = () => (waiting ? Promise.resolve() : new Promise<void>((r) => (onReady = r)));
  return {
    port: (server.address() as AddressInfo).port,
    ready,
    async invoke(payload: string): Promise<string> {
      await ready();
      const res = waiting!;
      waiting = null;
      const answer = new Promise<string>((r) => (answered = r));
      res.writeHead(200, {
        'lambda-runtime-aws-request-id': `bench-${++counter}`,
        'lambda-runtime-deadline-ms': String(Date.now() + 60_000),
        'lambda-runtime-invoked-function-arn': 'arn:aws:lambda:us-east-1:000000000000:function:aws-echo',
        'lambda-runtime-trace-id': 'Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0',
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(payload),
      });
      res.end(payload);
      return answer;
    },
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

export async function figureAwsWarmInvoke(env: BenchEnv, n: number): Promise<Figure> {
  const project = await env.api.createProject(AWS_ECHO, 'aws-echo', { runtime: 'awsLambda', runTimeoutSeconds: 60 });
  const build = await env.api.build(project.id);
  if (build.state !== 'succeeded') throw new Error(`build of aws-echo failed: ${build.errorSummary}`);
  const url = `${env.t.url}/2015-03-31/functions/${project.id}/invocations`;
  const viaEmulator = () =>
    timeIt(async () => {
      const res = await fetch(url, { method: 'POST', headers: { 'x-api-key': env.key }, body: PAYLOAD });
      await res.arrayBuffer();
      if (res.status !== 200 || res.headers.get('x-amz-function-error'))
        throw new Error(`invoke answered ${res.status}`);
    });

  const network = await detectRuntimeNetwork(new DockerodeEngine());
  const bare = await bareRuntimeApi(network.bindHost);
  const docker = new Docker();
  const container = await docker.createContainer({
    Image: env.image,
    Entrypoint: ['/var/task/aws-echo'],
    Env: [`AWS_LAMBDA_RUNTIME_API=${network.advertiseHost}:${bare.port}`, 'AWS_LAMBDA_FUNCTION_NAME=aws-echo'],
    Labels: { 'swiftlambda.instance': env.t.server.services.store.data.instanceId, 'swiftlambda.kind': 'bench' },
    HostConfig: {
      Binds: [`${dirname(await env.binaryOf(project))}:/var/task:ro`],
      Init: true,
      ExtraHosts: [...network.extraHosts],
    },
  });
  try {
    await container.start();
    await bare.ready();
    const direct = () => timeIt(() => bare.invoke(PAYLOAD));
    for (let i = 0; i < 50; i++) {
      await viaEmulator();
      await direct();
    }
    const [se, sd] = (await interleaved(n, 0, [viaEmulator, direct])).map(summarize) as [Summary, Summary];
    const added = se.median - sd.median;
    return {
      id: 12,
      title:
        'AWS Lambda mode: a warm invoke (Invoke API → runtime API → response) against handing the event to the runtime loop directly',
      measured: { emulator_invoke_ms: se, direct_runtime_loop_ms: sd },
      ratios: [
        { name: 'warm invoke: ms added at p50', value: added, target: '≤ 1.5', met: added <= 1.5 },
        { name: 'warm invoke: ms added at p99', value: se.p99 - sd.p99, target: '-', met: true },
      ],
      notes: [
        `${n} invokes of each, alternating, from the benchmark's own process (the emulator runs in it too) ` +
          `with a 14-byte payload to resources/examples/aws-echo.`,
      ],
    };
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
    await bare.close();
  }
}
