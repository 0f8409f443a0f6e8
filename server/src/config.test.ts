import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, resolveConfig } from './config.js';

test("defaults: 127.0.0.1:7400 and the hosted platform's image", () => {
  const c = resolveConfig([], {});
  assert.equal(c.host, '127.0.0.1');
  assert.equal(c.port, 7400);
  assert.equal(c.defaultImage, 'swift:5.10-jammy');
});

test('flags win over the environment, which wins over defaults', () => {
  const env = {
    SWIFTLAMBDA_PORT: '7500',
    SWIFTLAMBDA_HOST: '::1',
    SWIFTLAMBDA_DATA_DIR: '/tmp/a',
    SWIFTLAMBDA_DEFAULT_IMAGE: 'img:1',
  };
  const fromEnv = resolveConfig([], env);
  assert.deepEqual(
    [fromEnv.port, fromEnv.host, fromEnv.dataDir, fromEnv.defaultImage],
    [7500, '::1', '/tmp/a', 'img:1'],
  );
  const fromFlags = resolveConfig(['--port', '0', '--host', '127.0.0.1', '--data-dir', '/tmp/b'], env);
  assert.deepEqual([fromFlags.port, fromFlags.host, fromFlags.dataDir], [0, '127.0.0.1', '/tmp/b']);
});

test('a bad port or an unknown flag is a clear error', () => {
  assert.throws(() => resolveConfig(['--port', 'abc'], {}), ConfigError);
  assert.throws(() => resolveConfig(['--port', '70000'], {}), ConfigError);
  assert.throws(() => resolveConfig(['--nope'], {}));
});
