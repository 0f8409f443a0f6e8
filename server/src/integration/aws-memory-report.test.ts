// Issue 31, item 5: the REPORT line of a cold start said "Max Memory Used: 0 MB" when the memory
// reading was slower than the few ms between the answer and the REPORT (the engine's stats, used
// where the cgroup files cannot be read, take about a second). The engine here is the real one
// with that reading slowed down.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DockerodeEngine } from '../adapters/docker/dockerode-engine.js';
import type { Project } from '../contract/types.js';
import { killTrackedChildren } from '../testing/children.js';
import { startTestServer, type TestServer } from '../testing/harness.js';

const AWS_ECHO = fileURLToPath(new URL('../../../resources/examples/aws-echo', import.meta.url));
const READING_MS = 400;

class SlowPeakEngine extends DockerodeEngine {
  override async readMemoryPeak(id: string): Promise<number | null> {
    await new Promise((r) => setTimeout(r, READING_MS));
    return super.readMemoryPeak(id);
  }
}

describe('the REPORT of a cold start', { timeout: 600_000 }, () => {
  let t: TestServer;
  let fn: Project;
  let key: string;

  before(async () => {
    t = await startTestServer({ engine: new SlowPeakEngine() });
    fn = await t.api.createProject(AWS_ECHO, 'aws-echo', { runtime: 'awsLambda', memoryLimitMb: 128 });
    const build = await t.api.build(fn.id);
    assert.equal(build.state, 'succeeded', build.errorSummary ?? '');
    key = await t.api.createKey({ name: 'memory' });
  });
  after(async () => {
    await t?.dispose();
    await killTrackedChildren();
  });

  test(
    'waits for the memory reading: the first invocations of new containers never say 0 MB',
    { timeout: 60_000 },
    async () => {
      const tails = await Promise.all(
        [1, 2, 3].map(async (n) => {
          const res = await fetch(`${t.url}/2015-03-31/functions/${fn.id}/invocations`, {
            method: 'POST',
            headers: { 'x-api-key': key, 'x-amz-log-type': 'Tail' },
            body: JSON.stringify({ n }),
          });
          assert.equal(res.status, 200);
          return Buffer.from(res.headers.get('x-amz-log-result') ?? '', 'base64').toString('utf8');
        }),
      );
      for (const tail of tails) {
        const report = /REPORT RequestId: .*/.exec(tail)?.[0] ?? '';
        assert.match(report, /Max Memory Used: [1-9]\d* MB/, report);
      }
    },
  );
});
