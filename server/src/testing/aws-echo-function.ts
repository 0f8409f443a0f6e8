// The AWS Lambda mode tests' function: resources/examples/aws-echo built on a server of its own, and
// the calls the tests make to it (the Invoke API, the console's invocation and container lists, the
// function log, the engine's containers).
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import type { AwsContainer, AwsInvocation } from '../contract/aws.js';
import type { Project } from '../contract/types.js';
import { startTestServer, type TestServer } from './harness.js';

export const AWS_ECHO = fileURLToPath(new URL('../../../resources/examples/aws-echo', import.meta.url));
export const IDLE_SECONDS = 20;
export const TIMEOUT_SECONDS = 3;

export interface AwsEchoFunction {
  readonly t: TestServer;
  readonly fn: Project;
  readonly key: string;
}

/** A server (idle containers stop after IDLE_SECONDS) with aws-echo built and an API key. */
export async function startAwsEcho(): Promise<AwsEchoFunction> {
  const t = await startTestServer({ env: { SWIFTLAMBDA_AWS_IDLE_SECONDS: String(IDLE_SECONDS) } });
  const fn = await t.api.createProject(AWS_ECHO, 'aws-echo', {
    runtime: 'awsLambda',
    runTimeoutSeconds: TIMEOUT_SECONDS,
    memoryLimitMb: 256,
  });
  const build = await t.api.build(fn.id);
  assert.equal(build.state, 'succeeded', build.errorSummary ?? '');
  return { t, fn, key: await t.api.createKey({ name: 'aws' }) };
}

/** The calls of the tests, against whatever function `current()` answers at the time. */
export function awsEchoCalls(current: () => AwsEchoFunction) {
  const docker = new Docker();
  return {
    docker,
    invoke: (payload: unknown, headers: Record<string, string> = {}, target?: string) => {
      const { t, fn, key } = current();
      return fetch(`${t.url}/2015-03-31/functions/${encodeURIComponent(target ?? fn.id)}/invocations`, {
        method: 'POST',
        headers: { 'x-api-key': key, ...headers },
        body: typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload),
      });
    },
    invocations: async (): Promise<AwsInvocation[]> => {
      const { t, fn } = current();
      return (await t.api.console('GET', `/projects/${fn.id}/invocations?limit=200`)).body.invocations;
    },
    containers: async (): Promise<AwsContainer[]> => {
      const { t, fn } = current();
      return (await t.api.console('GET', `/projects/${fn.id}/function-containers`)).body.containers;
    },
    engineContainers: () =>
      docker.listContainers({
        all: true,
        filters: { label: [`swiftlambda.project=${current().fn.id}`, 'swiftlambda.kind=aws'] },
      }),
    functionLog: async (): Promise<string> => {
      const { t, fn } = current();
      let text = '';
      for (let after = -1; ;) {
        const { logs } = (
          await t.api.console('GET', `/projects/${fn.id}/function-log?afterSequence=${after}&limit=500`)
        ).body as { logs: Array<{ sequence: number; data: string }> };
        text += logs.map((c) => c.data).join('');
        if (logs.length < 500) return text;
        after = logs[logs.length - 1]!.sequence;
      }
    },
    patch: async (body: Record<string, unknown>) => {
      const { t, fn } = current();
      assert.equal((await t.api.console('PATCH', `/projects/${fn.id}`, body)).status, 200);
    },
  };
}
