import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Project } from '../../contract/types.js';
import { RESERVED_ENV_NAMES } from '../../domain/env-names.js';
import { functionEnvironment } from './function-container-spec.js';

const input = {
  project: { id: 'p1', name: 'fn', memoryLimitMb: 128 } as Project,
  compilation: { id: 'c1', targetName: 'fn', binaryFile: '/x/fn' },
  network: { bindHost: '127.0.0.1', advertiseHost: 'host', extraHosts: [], checkPeerAddress: false },
  runtimeApi: 'host:1',
  logStreamName: 's',
  instanceLabels: {},
  containerKey: 'k',
};

test("every variable the emulator sets in a function is reserved, but TZ and LANG, which the project's win", () => {
  const own = functionEnvironment(input as never);
  for (const name of Object.keys(own)) {
    if (name === 'TZ' || name === 'LANG') continue;
    assert.ok(RESERVED_ENV_NAMES.has(name), `${name} is not reserved`);
  }
  const env = functionEnvironment({
    ...input,
    projectEnv: { TZ: 'Europe/Paris', LOG_LEVEL: 'debug', _HANDLER: 'x' },
  } as never);
  assert.equal(env.TZ, 'Europe/Paris');
  assert.equal(env.LOG_LEVEL, 'debug');
  assert.equal(env._HANDLER, 'fn');
});
