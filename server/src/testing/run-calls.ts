// A project's runs through the public API with a key: what the dev-loop and graceful-stop tests do.
import assert from 'node:assert/strict';
import type { LogChunk } from '../contract/types.js';
import type { ApiClient } from './harness.js';

export function runCalls(current: () => { readonly api: ApiClient; readonly key: string }) {
  return {
    runOf: async (projectId: string, runId: string) => {
      const { api, key } = current();
      return (await api.public('GET', `/lambdas/${projectId}/runs/${runId}`, key)).body.run;
    },
    logText: async (projectId: string, runId: string) => {
      const { api, key } = current();
      return (await api.allLogs(projectId, runId, key)).map((c: LogChunk) => c.data).join('\n');
    },
    startRun: async (projectId: string, mode: 'oneShot' | 'service', args: string[] = []) => {
      const { api, key } = current();
      const res = await api.public('POST', `/lambdas/${projectId}/runs`, key, { mode, arguments: args });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body.run.uuid as string;
    },
    stopRun: async (projectId: string, runId: string) => {
      const { api, key } = current();
      const res = await api.public('POST', `/lambdas/${projectId}/runs/${runId}/stop`, key, {});
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.run;
    },
  };
}
