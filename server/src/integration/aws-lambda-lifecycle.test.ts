// AWS Lambda mode's runtime API, init errors, the console's routes and the containers' life (idle stop,
// shutdown, leftovers), with resources/examples/aws-echo on a server of its own (aws-lambda.test.ts has the rest).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AwsInvocation } from '../contract/aws.js';
import type { Project } from '../contract/types.js';
import { execTracked, killTrackedChildren } from '../testing/children.js';
import { awsEchoCalls, IDLE_SECONDS, startAwsEcho, type AwsEchoFunction } from '../testing/aws-echo-function.js';
import { startTestServer, TEST_IMAGE, waitFor, type TestServer } from '../testing/harness.js';

/** a JSON answer, untyped: the tests check its fields */
const jsonOf = (res: Response): Promise<any> => res.json();

describe("AWS Lambda mode: the runtime API and the containers' life", { timeout: 900_000 }, () => {
  let aws: AwsEchoFunction;
  let t: TestServer;
  let fn: Project;
  let restarted: TestServer | undefined;
  const { docker, invoke, invocations, containers, engineContainers, functionLog, patch } = awsEchoCalls(() => aws);

  before(async () => {
    aws = await startAwsEcho();
    ({ t, fn } = aws);
  });
  after(async () => {
    await restarted?.stop();
    await t?.dispose();
    await killTrackedChildren();
  });

  test(
    "the runtime API: 400 for another invocation's id, 403 out of turn, 404 elsewhere; only its container reaches it",
    { timeout: 60_000 },
    async () => {
      // one container sleeps in an invocation while another probes with that invocation's id
      const sleeping = invoke({ action: 'sleep', seconds: 2 });
      const other = await waitFor(
        async () => (await invocations()).find((i) => i.state === 'running'),
        20_000,
        'a running invocation',
      );
      const probe = await jsonOf(await invoke({ action: 'probe', otherId: other.requestId }));
      assert.deepEqual(probe.probe, {
        wrongId: 400,
        otherError: 400,
        nextWhileBusy: 403,
        initErrorAfterInit: 403,
        unknownPath: 404,
      });
      assert.equal((await sleeping).status, 200, 'the other invocation was not disturbed');

      const [summary] = await engineContainers();
      assert.ok(summary);
      const info = await docker.getContainer(summary.Id).inspect();
      const api = info.Config.Env.find((e) => e.startsWith('AWS_LAMBDA_RUNTIME_API='))!.split('=')[1]!;
      const [host, port] = api.split(':');
      assert.notEqual(host, '0.0.0.0');
      assert.deepEqual(info.HostConfig.PortBindings ?? {}, {}, 'nothing is published');
      // this machine is not the container: the listener hangs up
      await assert.rejects(
        fetch(`http://${api}/2018-06-01/runtime/invocation/next`, { signal: AbortSignal.timeout(5000) }),
      );
      // nor is another container on the same bridge
      const fromOther = await execTracked(
        'docker',
        [
          'run',
          '--rm',
          TEST_IMAGE,
          'bash',
          '-c',
          `exec 3<>/dev/tcp/${host}/${port} && printf 'GET /2018-06-01/runtime/invocation/next ` +
            `HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n' >&3 && timeout 3 cat <&3; echo "[exit $?]"`,
        ],
        60_000,
      );
      assert.doesNotMatch(fromOther.stdout, /HTTP\/1\.1/, fromOther.stdout + fromOther.stderr);
    },
  );

  test(
    'init/error: the invocation fails with the init error, the container is discarded',
    { timeout: 60_000 },
    async () => {
      await patch({ name: 'aws-echo-init-error' });
      try {
        const res = await invoke({});
        assert.equal(res.status, 200);
        assert.equal(res.headers.get('x-amz-function-error'), 'Unhandled');
        assert.deepEqual(await jsonOf(res), {
          errorMessage: 'init failed on purpose',
          errorType: 'EchoInitFailure',
          stackTrace: [],
        });
        assert.match(
          await functionLog(),
          /INIT_REPORT Init Duration: [\d.]+ ms\tPhase: init\tStatus: error\tError Type: EchoInitFailure/,
        );
      } finally {
        await patch({ name: 'aws-echo' });
      }
      assert.equal((await invoke({})).status, 200);
    },
  );

  test(
    'the console: invocations, invoke again, the function log with START/END/REPORT, containers',
    { timeout: 30_000 },
    async () => {
      const again = await t.api.console('POST', `/projects/${fn.id}/invocations`, {
        payload: '{"from":"console"}',
        clientContext: { app: 'console' },
      });
      assert.equal(again.status, 200);
      const record = again.body.invocation as AwsInvocation;
      assert.deepEqual([record.state, record.source, record.type], ['succeeded', 'console', 'RequestResponse']);
      const response = JSON.parse(record.response!.text!);
      assert.deepEqual([response.event, response.clientContext], [{ from: 'console' }, { app: 'console' }]);
      assert.match(record.logTail, /REPORT RequestId/);
      const one = await t.api.console('GET', `/projects/${fn.id}/invocations/${record.requestId}`);
      assert.equal(one.body.invocation.requestId, record.requestId);
      const event = await t.api.console('POST', `/projects/${fn.id}/invocations`, { type: 'Event' });
      assert.equal(event.status, 202);
      assert.equal((await t.api.console('POST', `/projects/${fn.id}/invocations`, { payload: 'nope' })).status, 400);
      assert.equal((await t.api.console('GET', `/projects/${fn.id}/function-log`)).body.logsTruncated, false);
      const text = await functionLog();
      assert.ok(text.includes(`START RequestId: ${record.requestId} Version: $LATEST\n`));
      assert.ok(text.includes(`END RequestId: ${record.requestId}\n`));
      assert.match(text, /Init Duration: [\d.]+ ms\t\n/);
      const live = await containers();
      // a container an earlier test retired may still be tearing down ('stopping')
      assert.ok(
        live.some((c) => c.state === 'idle' || c.state === 'busy' || c.state === 'starting'),
        JSON.stringify(live),
      );
      assert.ok(
        live.every((c) => ['idle', 'busy', 'starting', 'stopping'].includes(c.state)),
        JSON.stringify(live),
      );
      assert.equal((await t.api.request('GET', `/console/api/projects/${fn.id}/invocations`)).status, 401);
    },
  );

  test(
    `idle containers stop after SWIFTLAMBDA_AWS_IDLE_SECONDS (${IDLE_SECONDS} s here)`,
    { timeout: 120_000 },
    async () => {
      await invoke({});
      const startedIdle = Date.now();
      await waitFor(
        async () => ((await containers()).length === 0 && (await engineContainers()).length === 0) || undefined,
        (IDLE_SECONDS + 30) * 1000,
        'idle containers to stop',
        500,
      );
      assert.ok(Date.now() - startedIdle >= (IDLE_SECONDS - 1) * 1000);
      // and the next invocation is a cold start again
      assert.equal((await invoke({})).status, 200);
      assert.equal((await invocations())[0]!.coldStart, true);
    },
  );

  test('shutdown removes every warm container', { timeout: 60_000 }, async () => {
    assert.ok((await engineContainers()).length >= 1);
    await t.stop();
    assert.equal((await engineContainers()).length, 0);
  });

  test('a function container left by a killed emulator is removed at the next start', { timeout: 60_000 }, async () => {
    const instance = t.server.services.store.data.instanceId;
    const left = await docker.createContainer({
      Image: TEST_IMAGE,
      Cmd: ['sleep', '600'],
      Labels: { 'swiftlambda.instance': instance, 'swiftlambda.kind': 'aws', 'swiftlambda.project': fn.id },
    });
    await left.start();
    restarted = await startTestServer({ dataDir: t.dataDir });
    await waitFor(
      async () => ((await engineContainers()).length === 0 ? true : undefined),
      30_000,
      'the leftover to go',
    );
  });
});
