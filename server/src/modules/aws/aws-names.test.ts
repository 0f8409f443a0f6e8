import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Project } from '../../contract/types.js';
import {
  findFunctionProject,
  functionArn,
  functionNameOf,
  isSigV4Authorization,
  newLogStreamName,
  newTraceId,
  parseFunctionRef,
} from './aws-identity.js';
import { keptBody, MAX_KEPT_BODY_BYTES } from './invocation.js';
import {
  describeRuntimeExit,
  lastBytes,
  reportLine,
  runtimeExitError,
  startLine,
  timeoutError,
  timeoutLogLine,
} from './platform-lines.js';
import { chooseRuntimeNetwork, inSubnet } from './runtime-network.js';

test('function names: AWS alphabet, ARNs, references by name, id, ARN and qualifier', () => {
  assert.equal(functionNameOf({ name: 'my fn/v2' }), 'my-fn-v2');
  assert.equal(functionArn('echo'), 'arn:aws:lambda:us-east-1:000000000000:function:echo');
  assert.deepEqual(parseFunctionRef('echo'), { name: 'echo', qualifier: null });
  assert.deepEqual(parseFunctionRef('echo:$LATEST'), { name: 'echo', qualifier: '$LATEST' });
  assert.deepEqual(parseFunctionRef('arn:aws:lambda:us-east-1:000000000000:function:echo:3'), {
    name: 'echo',
    qualifier: '3',
  });
  assert.deepEqual(parseFunctionRef('123456789012:function:echo'), { name: 'echo', qualifier: null });
  const projects = [
    { id: 'id-1', name: 'Echo Fn' },
    { id: 'id-2', name: 'other' },
  ] as Project[];
  assert.equal(findFunctionProject(projects, 'id-2')?.id, 'id-2');
  assert.equal(findFunctionProject(projects, 'echo-fn')?.id, 'id-1');
  assert.equal(findFunctionProject(projects, 'nope'), undefined);
});

test('SigV4 is recognized by its scheme and Credential; trace ids and log streams have AWS shapes', () => {
  assert.ok(
    isSigV4Authorization(
      'AWS4-HMAC-SHA256 Credential=AK/20261201/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=ab',
    ),
  );
  assert.ok(!isSigV4Authorization('Bearer sl_x'));
  assert.ok(!isSigV4Authorization(undefined));
  assert.match(newTraceId(Date.UTC(2026, 0, 1)), /^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$/);
  assert.match(newLogStreamName(Date.UTC(2026, 11, 1)), /^2026\/12\/01\/\[\$LATEST\][0-9a-f]{32}$/);
});

test('START, REPORT, timeout and exit lines as AWS writes them', () => {
  assert.equal(startLine('r1'), 'START RequestId: r1 Version: $LATEST');
  assert.equal(
    reportLine('r1', { durationMs: 12.345, memorySizeMb: 128, maxMemoryUsedMb: 20, initDurationMs: 150.5 }),
    'REPORT RequestId: r1\tDuration: 12.35 ms\tBilled Duration: 163 ms\tMemory Size: 128 MB\tMax Memory Used: 20 MB\tInit Duration: 150.50 ms\t',
  );
  assert.equal(
    reportLine('r1', {
      durationMs: 3000.2,
      memorySizeMb: 128,
      maxMemoryUsedMb: 20,
      initDurationMs: null,
      status: { kind: 'timeout' },
    }),
    'REPORT RequestId: r1\tDuration: 3000.20 ms\tBilled Duration: 3001 ms\tMemory Size: 128 MB\tMax Memory Used: 20 MB\tStatus: timeout\t',
  );
  assert.equal(
    timeoutLogLine('r1', Date.UTC(2026, 11, 1), 3),
    '2026-12-01T00:00:00.000Z r1 Task timed out after 3.00 seconds',
  );
  assert.deepEqual(timeoutError('r1', 3), {
    errorType: 'Sandbox.Timedout',
    errorMessage: 'RequestId: r1 Error: Task timed out after 3.00 seconds',
  });
  assert.equal(describeRuntimeExit(139), 'signal: segmentation fault');
  assert.equal(describeRuntimeExit(2), 'exit status 2');
  assert.equal(
    runtimeExitError('r1', 0).errorMessage,
    'RequestId: r1 Error: Runtime exited without providing a reason',
  );
  assert.equal(lastBytes('ab€', 3), '€');
});

test('kept bodies: text when UTF-8, base64 otherwise, the first 64 KiB', () => {
  assert.deepEqual(keptBody(Buffer.from('{"a":1}')), { text: '{"a":1}', bytes: 7, truncated: false });
  assert.deepEqual(keptBody(Buffer.from([0xff, 0])), { base64: '/wA=', bytes: 2, truncated: false });
  const big = keptBody(Buffer.alloc(MAX_KEPT_BODY_BYTES + 10, 'a'));
  assert.deepEqual([big.text?.length, big.bytes, big.truncated], [MAX_KEPT_BODY_BYTES, MAX_KEPT_BODY_BYTES + 10, true]);
});

test('the runtime API listens on the bridge gateway when it is local, else on loopback for host.docker.internal', () => {
  assert.ok(inSubnet('172.17.0.1', '172.17.0.0/16'));
  assert.ok(!inSubnet('172.18.0.1', '172.17.0.0/16'));
  const linux = chooseRuntimeNetwork({ subnets: ['172.17.0.0/16'], gateways: [] }, [
    '127.0.0.1',
    '192.0.2.2',
    '172.17.0.1',
  ]);
  assert.deepEqual(linux, {
    kind: 'bridge',
    bindHost: '172.17.0.1',
    advertiseHost: '172.17.0.1',
    extraHosts: ['host.docker.internal:host-gateway'],
    checkPeerAddress: true,
    subnets: ['172.17.0.0/16'],
  });
  const desktop = chooseRuntimeNetwork({ subnets: ['172.17.0.0/16'], gateways: ['172.17.0.1'] }, [
    '127.0.0.1',
    '192.168.1.20',
  ]);
  assert.deepEqual(desktop, {
    kind: 'loopback',
    bindHost: '127.0.0.1',
    advertiseHost: 'host.docker.internal',
    extraHosts: ['host.docker.internal:host-gateway'],
    checkPeerAddress: false,
  });
  assert.notEqual(chooseRuntimeNetwork(null, ['0.0.0.0']).bindHost, '0.0.0.0');
});

test('on Podman, host.docker.internal is the gateway written as an address, never host-gateway', () => {
  const rootful = chooseRuntimeNetwork({ subnets: ['10.88.0.0/16'], gateways: ['10.88.0.1'] }, ['10.88.0.1'], 'podman');
  assert.equal(rootful.kind, 'bridge');
  assert.deepEqual(rootful.extraHosts, ['host.docker.internal:10.88.0.1']);
  // rootless: the network is not on this machine; Podman's own host.containers.internal is the way
  const rootless = chooseRuntimeNetwork(
    { subnets: ['10.88.0.0/16'], gateways: ['10.88.0.1'] },
    ['127.0.0.1'],
    'podman',
  );
  assert.equal(rootless.advertiseHost, 'host.containers.internal');
  assert.deepEqual(rootless.extraHosts, []);
});
