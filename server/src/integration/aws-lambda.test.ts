// Issue 19 (docs/api.md#aws-lambda-mode): AWS Lambda mode with resources/examples/aws-echo, a function that speaks the
// runtime API itself. Invoked through AWS's Invoke API by fetch and by the real AWS SDK.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { Project } from '../contract/types.js';
import { killTrackedChildren } from '../testing/children.js';
import {
  AWS_ECHO,
  awsEchoCalls,
  startAwsEcho,
  TIMEOUT_SECONDS,
  type AwsEchoFunction,
} from '../testing/aws-echo-function.js';
import { waitFor, type TestServer } from '../testing/harness.js';

/** a JSON answer, untyped: the tests check its fields */
const jsonOf = (res: Response): Promise<any> => res.json();

describe('AWS Lambda mode', { timeout: 900_000 }, () => {
  let aws: AwsEchoFunction;
  let t: TestServer;
  let fn: Project;
  const { invoke, invocations, containers, engineContainers, patch } = awsEchoCalls(() => aws);

  before(async () => {
    aws = await startAwsEcho();
    ({ t, fn } = aws);
  });
  after(async () => {
    await t?.dispose();
    await killTrackedChildren();
  });

  test(
    'a synchronous invoke answers the function response with AWS headers; AWS variables; cold, then warm',
    { timeout: 60_000 },
    async () => {
      const before = Date.now();
      const res = await invoke({ hello: 'world' });
      assert.equal(res.status, 200);
      const body = await jsonOf(res);
      assert.deepEqual(body.event, { hello: 'world' });
      assert.equal(res.headers.get('x-amzn-requestid'), body.requestId);
      assert.equal(res.headers.get('x-amz-executed-version'), '$LATEST');
      assert.equal(res.headers.get('x-amz-function-error'), null);
      assert.equal(body.functionArn, 'arn:aws:lambda:us-east-1:000000000000:function:aws-echo');
      assert.match(body.traceId, /^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$/);
      assert.ok(
        body.deadlineMs > before + TIMEOUT_SECONDS * 1000 - 1000 &&
          body.deadlineMs < Date.now() + TIMEOUT_SECONDS * 1000 + 1000,
        `deadline ${body.deadlineMs}`,
      );
      assert.deepEqual(
        [
          body.env.AWS_LAMBDA_FUNCTION_NAME,
          body.env.AWS_LAMBDA_FUNCTION_VERSION,
          body.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
          body.env.AWS_REGION,
          body.env.AWS_DEFAULT_REGION,
        ],
        ['aws-echo', '$LATEST', '256', 'us-east-1', 'us-east-1'],
      );
      assert.deepEqual(
        [body.env._HANDLER, body.env.LAMBDA_TASK_ROOT, body.env.AWS_LAMBDA_LOG_GROUP_NAME, body.env.TZ],
        ['aws-echo', '/var/task', '/aws/lambda/aws-echo', ':UTC'],
      );
      assert.match(body.env.AWS_LAMBDA_LOG_STREAM_NAME, /^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);

      const second = await jsonOf(await invoke({ n: 2 }));
      const [warm, cold] = await invocations();
      assert.deepEqual([cold!.requestId, cold!.coldStart, cold!.state], [body.requestId, true, 'succeeded']);
      assert.deepEqual([warm!.requestId, warm!.coldStart, warm!.container], [second.requestId, false, cold!.container]);
      assert.ok(cold!.initDurationMs! > 0 && warm!.initDurationMs === null);
      assert.ok(warm!.durationMs! >= 0 && warm!.billedDurationMs! >= Math.ceil(warm!.durationMs!));
      assert.equal(warm!.payload.text, '{"n":2}');
      assert.ok(warm!.response?.text?.includes(second.requestId));
    },
  );

  test(
    'the AWS SDK: InvokeCommand with endpoint set to the API URL (SigV4 with any credentials)',
    { timeout: 60_000 },
    async () => {
      const client = new LambdaClient({
        endpoint: t.url,
        region: 'us-east-1',
        credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
        maxAttempts: 1,
      });
      try {
        const out = await client.send(
          new InvokeCommand({
            FunctionName: 'aws-echo',
            Payload: Buffer.from(JSON.stringify({ via: 'sdk' })),
            LogType: 'Tail',
          }),
        );
        assert.equal(out.StatusCode, 200);
        assert.equal(out.ExecutedVersion, '$LATEST');
        assert.equal(out.FunctionError, undefined);
        const body = JSON.parse(Buffer.from(out.Payload!).toString('utf8'));
        assert.deepEqual(body.event, { via: 'sdk' });
        const tail = Buffer.from(out.LogResult!, 'base64').toString('utf8');
        assert.match(tail, new RegExp(`START RequestId: ${body.requestId} Version: \\$LATEST`));
        assert.match(
          tail,
          new RegExp(
            `REPORT RequestId: ${body.requestId}\\tDuration: [\\d.]+ ms\\tBilled Duration: \\d+ ms\\tMemory Size: 256 MB\\tMax Memory Used: \\d+ MB`,
          ),
        );

        const byArn = await client.send(
          new InvokeCommand({
            FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:aws-echo',
            Payload: Buffer.from('{"action":"fail","message":"sdk"}'),
          }),
        );
        assert.equal(byArn.FunctionError, 'Unhandled');
        assert.deepEqual(JSON.parse(Buffer.from(byArn.Payload!).toString('utf8')).errorMessage, 'sdk');

        assert.equal(
          (
            await client.send(
              new InvokeCommand({ FunctionName: fn.id, InvocationType: 'Event', Payload: Buffer.from('{}') }),
            )
          ).StatusCode,
          202,
        );
        assert.equal(
          (await client.send(new InvokeCommand({ FunctionName: fn.id, InvocationType: 'DryRun' }))).StatusCode,
          204,
        );
        await assert.rejects(
          client.send(new InvokeCommand({ FunctionName: 'no-such-function' })),
          (err: Error & { $metadata?: { httpStatusCode?: number } }) => {
            assert.equal(err.name, 'ResourceNotFoundException');
            assert.equal(err.$metadata?.httpStatusCode, 404);
            assert.match(
              err.message,
              /Function not found: arn:aws:lambda:us-east-1:000000000000:function:no-such-function/,
            );
            return true;
          },
        );
      } finally {
        client.destroy();
      }
    },
  );

  test(
    'auth: an API key or any SigV4 Authorization; nothing is a 401, a key for another project a 403',
    { timeout: 30_000 },
    async () => {
      const sigv4 =
        'AWS4-HMAC-SHA256 Credential=ANY/20261201/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=00';
      const signed = await fetch(`${t.url}/2015-03-31/functions/${fn.id}/invocations`, {
        method: 'POST',
        headers: { authorization: sigv4 },
        body: '{}',
      });
      assert.equal(signed.status, 200);
      const none = await fetch(`${t.url}/2015-03-31/functions/${fn.id}/invocations`, { method: 'POST', body: '{}' });
      assert.equal(none.status, 401);
      assert.equal(none.headers.get('x-amzn-errortype'), 'UnrecognizedClientException');
      assert.equal((await jsonOf(none)).reason, 'missing_api_key');
      const other = await t.api.createProject(AWS_ECHO, 'aws-echo', { name: 'other-fn', runtime: 'awsLambda' });
      const restricted = await t.api.createKey({ name: 'restricted', projects: [other.id] });
      const forbidden = await invoke({}, { 'x-api-key': restricted });
      assert.equal(forbidden.status, 403);
      assert.equal(forbidden.headers.get('x-amzn-errortype'), 'AccessDeniedException');
      // a wrong key is refused even with a signature beside it: the key check is the emulator's own
      assert.equal((await invoke({}, { 'x-api-key': 'sl_wrong', authorization: sigv4 })).status, 401);
    },
  );

  test('Event: 202 at once, runs later; DryRun: 204 and nothing runs', { timeout: 30_000 }, async () => {
    const event = await invoke({ action: 'sleep', seconds: 0.5 }, { 'x-amz-invocation-type': 'Event' });
    assert.equal(event.status, 202);
    const requestId = event.headers.get('x-amzn-requestid')!;
    assert.ok(requestId);
    assert.equal(await event.text(), '');
    const done = await waitFor(
      async () => (await invocations()).find((i) => i.requestId === requestId && i.state === 'succeeded'),
      20_000,
      'the event to run',
    );
    assert.equal(done.type, 'Event');
    const count = (await invocations()).length;
    const dry = await invoke({}, { 'x-amz-invocation-type': 'DryRun' });
    assert.equal(dry.status, 204);
    assert.equal((await invocations()).length, count, 'a dry run runs nothing');
  });

  test(
    'a function error: 200 with X-Amz-Function-Error: Unhandled and the error document',
    { timeout: 30_000 },
    async () => {
      const res = await invoke({ action: 'fail', message: 'boom' });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('x-amz-function-error'), 'Unhandled');
      assert.deepEqual(await jsonOf(res), {
        errorMessage: 'boom',
        errorType: 'EchoFailure',
        stackTrace: ['main.swift'],
      });
      const [record] = await invocations();
      assert.deepEqual([record!.state, record!.errorType, record!.errorMessage], ['failed', 'EchoFailure', 'boom']);
    },
  );

  test('a timeout: "Task timed out after N seconds", and the container is replaced', { timeout: 60_000 }, async () => {
    await invoke({ warm: true });
    const started = Date.now();
    const res = await invoke({ action: 'sleep', seconds: 30 }, { 'x-amz-log-type': 'Tail' });
    const elapsed = Date.now() - started;
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-amz-function-error'), 'Unhandled');
    const body = await jsonOf(res);
    assert.equal(body.errorType, 'Sandbox.Timedout');
    assert.match(body.errorMessage, /^RequestId: [0-9a-f-]{36} Error: Task timed out after 3\.00 seconds$/);
    assert.ok(
      elapsed >= TIMEOUT_SECONDS * 1000 - 50 && elapsed < TIMEOUT_SECONDS * 1000 + 3000,
      `answered after ${elapsed} ms`,
    );
    const tail = Buffer.from(res.headers.get('x-amz-log-result')!, 'base64').toString();
    assert.match(tail, /Z [0-9a-f-]{36} Task timed out after 3\.00 seconds\n/);
    assert.match(tail, /REPORT RequestId: [0-9a-f-]{36}\t.*Status: timeout/);
    const timedOut = (await invocations())[0]!;
    assert.equal(timedOut.state, 'timedOut');
    const old = timedOut.container;
    await waitFor(
      async () => ((await containers()).some((c) => c.id === old) ? undefined : true),
      15_000,
      'the timed-out container to go',
    );
    const next = await invoke({ after: 'timeout' });
    assert.equal(next.status, 200);
    const replaced = (await invocations())[0]!;
    assert.equal(replaced.state, 'succeeded');
    assert.notEqual(replaced.container, old);
  });

  test(
    'a crash mid-invocation: Runtime.ExitError with the signal, and a new container takes the next one',
    { timeout: 60_000 },
    async () => {
      const res = await invoke({ action: 'crash' });
      assert.equal(res.headers.get('x-amz-function-error'), 'Unhandled');
      const body = await jsonOf(res);
      assert.equal(body.errorType, 'Runtime.ExitError');
      assert.match(
        body.errorMessage,
        /Runtime exited with error: signal: (illegal instruction|trace\/breakpoint trap)/,
      );
      const crashed = (await invocations())[0]!;
      const next = await invoke({});
      assert.equal(next.status, 200);
      assert.notEqual((await invocations())[0]!.container, crashed.container);
    },
  );

  test(
    'an unknown function: 404 ResourceNotFoundException in AWS error shape; other qualifiers and process projects too',
    { timeout: 30_000 },
    async () => {
      const res = await invoke({}, {}, 'nope');
      assert.equal(res.status, 404);
      assert.equal(res.headers.get('x-amzn-errortype'), 'ResourceNotFoundException');
      assert.ok(res.headers.get('x-amzn-requestid'));
      const body = await jsonOf(res);
      assert.deepEqual(
        [body.Type, body.message],
        ['User', 'Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope'],
      );
      assert.equal((await invoke({}, {}, `${fn.id}:7`)).status, 404);
      const plainProject = await t.api.createProject(AWS_ECHO, 'aws-echo', { name: 'plain-process' });
      const plain = await invoke({}, {}, plainProject.id);
      assert.equal(plain.status, 404);
      assert.equal((await jsonOf(plain)).reason, 'not_aws_lambda');
    },
  );

  test(
    "X-Amz-Log-Type: Tail: the invocation's START, its lines, END and REPORT, base64, at most 4 KB",
    { timeout: 30_000 },
    async () => {
      const res = await invoke({ action: 'log', lines: 3 }, { 'x-amz-log-type': 'Tail' });
      const { requestId } = await jsonOf(res);
      const tail = Buffer.from(res.headers.get('x-amz-log-result')!, 'base64').toString();
      const lines = tail.trimEnd().split('\n');
      assert.equal(lines[0], `START RequestId: ${requestId} Version: $LATEST`);
      for (let i = 1; i <= 3; i++) assert.ok(lines.includes(`aws-echo: log line ${i} of 3`), tail);
      assert.equal(lines[lines.length - 2], `END RequestId: ${requestId}`);
      assert.match(lines[lines.length - 1]!, new RegExp(`^REPORT RequestId: ${requestId}\\tDuration: `));
      const long = await invoke({ action: 'log', lines: 400 }, { 'x-amz-log-type': 'Tail' });
      const longTail = Buffer.from(long.headers.get('x-amz-log-result')!, 'base64');
      assert.ok(longTail.length <= 4096 && longTail.length > 3500, `${longTail.length} bytes`);
      assert.match(longTail.toString(), /log line 400 of 400\n/);
    },
  );

  test(
    'payload limits as AWS documents them: 6 MB synchronous, 256 KB Event (413 RequestEntityTooLargeException); JSON only',
    { timeout: 60_000 },
    async () => {
      const eventTooLarge = await invoke(JSON.stringify({ pad: 'x'.repeat(256 * 1024) }), {
        'x-amz-invocation-type': 'Event',
      });
      assert.equal(eventTooLarge.status, 413);
      assert.equal(eventTooLarge.headers.get('x-amzn-errortype'), 'RequestEntityTooLargeException');
      const syncTooLarge = await invoke(JSON.stringify({ pad: 'x'.repeat(6 * 1024 * 1024) }));
      assert.equal(syncTooLarge.status, 413);
      assert.equal(syncTooLarge.headers.get('x-amzn-errortype'), 'RequestEntityTooLargeException');
      const near = await invoke(JSON.stringify({ pad: 'x'.repeat(5 * 1024 * 1024) }));
      assert.equal(near.status, 200);
      assert.equal((await jsonOf(near)).event.pad.length, 5 * 1024 * 1024);
      const notJson = await invoke('not json');
      assert.equal(notJson.status, 400);
      assert.equal(notJson.headers.get('x-amzn-errortype'), 'InvalidRequestContentException');
    },
  );

  test(
    'a response over 6 MB: the runtime gets 413, the caller Function.ResponseSizeTooLarge',
    { timeout: 60_000 },
    async () => {
      const res = await invoke({ action: 'big', bytes: 7 * 1024 * 1024 });
      assert.equal(res.headers.get('x-amz-function-error'), 'Unhandled');
      const body = await jsonOf(res);
      assert.equal(body.errorType, 'Function.ResponseSizeTooLarge');
      assert.match(body.errorMessage, /exceeded maximum allowed payload size \(6291556 bytes\)/);
      // the same container goes on
      assert.equal((await invoke({})).status, 200);
    },
  );

  test(
    'concurrency: 10 invokes at once all finish; more containers start, never more than reservedConcurrency',
    { timeout: 120_000 },
    async () => {
      const limit = 4;
      await patch({ reservedConcurrency: limit });
      let most = 0;
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          most = Math.max(most, (await engineContainers()).length);
          await sleep(50);
        }
      })();
      try {
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            invoke({ action: 'sleep', seconds: 1, i }).then(async (r) => ({ status: r.status, body: await jsonOf(r) })),
          ),
        );
        assert.deepEqual(
          results.map((r) => r.status),
          Array(10).fill(200),
        );
        assert.deepEqual(
          results.map((r) => r.body.event.i).sort((a, b) => a - b),
          [...Array(10).keys()],
        );
        const ran = (await invocations()).filter((i) => results.some((r) => r.body.requestId === i.requestId));
        const used = new Set(ran.map((i) => i.container));
        assert.ok(used.size >= 2 && used.size <= limit, `${used.size} containers`);
      } finally {
        sampling = false;
        await sampler;
        await patch({ reservedConcurrency: 10 });
      }
      assert.ok(most <= limit, `at most ${most} containers at once`);
      assert.ok((await containers()).length <= limit);
    },
  );
});
