// What the containers of runs and functions are given to reach this machine, the API and networks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Project } from '../../contract/types.js';
import type { RunRecord } from '../../domain/records.js';
import { HostPolicy } from '../../http/request-guards.js';
import { functionContainerSpec } from '../aws/function-container-spec.js';
import { chooseRuntimeNetwork } from '../aws/runtime-network.js';
import { runContainerSpec } from '../runs/run-container.js';

const record = {
  run: {
    uuid: 'r1',
    project: 'p1',
    mode: 'service',
    dockerImage: 'swift:6.0',
    arguments: [],
    binaryPath: '/binaries/p1/app',
    runTimeoutSeconds: 60,
  },
  binaryFile: '/data/bin/app',
  memoryLimitMb: 256,
  pidsLimit: 64,
  networks: ['shop_default'],
} as unknown as RunRecord;

test('a run gets host.docker.internal, SWIFTLAMBDA_API_URL and its project’s networks', () => {
  const reach = { extraHosts: ['host.docker.internal:host-gateway'], apiUrl: 'http://172.17.0.1:7400' };
  const spec = runContainerSpec(record, {}, reach);
  assert.equal(spec.env.SWIFTLAMBDA_API_URL, 'http://172.17.0.1:7400');
  assert.deepEqual(spec.extraHosts, ['host.docker.internal:host-gateway']);
  assert.deepEqual(spec.networks, ['shop_default']);
  // a run stored before networks existed, with no listener: nothing extra
  const bare = runContainerSpec({ ...record, networks: undefined } as RunRecord, {});
  assert.equal(bare.env.SWIFTLAMBDA_API_URL, undefined);
  assert.equal(bare.networks, undefined);
});

test('a function container gets the same, beside its runtime API', () => {
  const network = {
    ...chooseRuntimeNetwork({ subnets: ['172.17.0.0/16'], gateways: [] }, ['172.17.0.1']),
    apiUrl: 'http://172.17.0.1:7400',
  };
  const spec = functionContainerSpec({
    project: {
      id: 'p1',
      name: 'fn',
      memoryLimitMb: 128,
      pidsLimit: 64,
      dockerImage: 'swift:6.0',
      networks: ['db'],
    } as Project,
    compilation: { id: 'c1', targetName: 'fn', binaryFile: '/data/bin/fn' },
    network,
    runtimeApi: '172.17.0.1:40000',
    logStreamName: 's',
    instanceLabels: {},
    containerKey: 'k',
  });
  assert.equal(spec.env.SWIFTLAMBDA_API_URL, 'http://172.17.0.1:7400');
  assert.equal(spec.env.AWS_LAMBDA_RUNTIME_API, '172.17.0.1:40000');
  assert.deepEqual(spec.extraHosts, ['host.docker.internal:host-gateway']);
  assert.deepEqual(spec.networks, ['db']);
});

test('the Host policy answers to host.docker.internal only once told, and never takes it as an Origin', () => {
  const policy = new HostPolicy('127.0.0.1');
  policy.listeningOn(7400);
  const req = (host: string) => ({ headers: { host } });
  assert.equal(policy.check(req('host.docker.internal:7400')), 'forbidden_host');
  policy.alsoAnswerTo('host.docker.internal:7400');
  assert.equal(policy.check(req('host.docker.internal:7400')), null);
  assert.equal(policy.check(req('host.docker.internal:7401')), 'forbidden_host');
  assert.equal(policy.isOwnOrigin('http://host.docker.internal:7400'), false);
  // the in-network listener's own policy: its address at its port
  const inNetwork = new HostPolicy('172.17.0.1');
  inNetwork.listeningOn(7400);
  assert.equal(inNetwork.check(req('172.17.0.1:7400')), null);
  assert.equal(inNetwork.check(req('evil.example:7400')), 'forbidden_host');
});
