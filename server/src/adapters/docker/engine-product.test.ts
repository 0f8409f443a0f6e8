import assert from 'node:assert/strict';
import { test } from 'node:test';
import { engineProductOf, isMissingInitError } from './engine-product.js';

test('the version answer names the engine', () => {
  // as Docker Engine 20.10 answers here
  assert.equal(
    engineProductOf({ Platform: { Name: '' }, Components: [{ Name: 'Engine' }, { Name: 'containerd' }] }),
    'docker',
  );
  assert.equal(engineProductOf({ Platform: { Name: 'Docker Engine - Community' } }), 'docker');
  assert.equal(
    engineProductOf({ Platform: { Name: 'Docker Desktop 4.25.0 (126437)' }, Components: [{ Name: 'Engine' }] }),
    'docker-desktop',
  );
  // Podman 4.x's compatible API
  assert.equal(
    engineProductOf({ Platform: { Name: 'linux/amd64/debian-12' }, Components: [{ Name: 'Podman Engine' }] }),
    'podman',
  );
  assert.equal(engineProductOf({}), 'docker');
});

test('a missing catatonit is recognised, other errors are not', () => {
  assert.ok(
    isMissingInitError(
      new Error('container-init binary not found on the host: stat /usr/libexec/podman/catatonit: no such file'),
    ),
  );
  assert.ok(!isMissingInitError(new Error('no such image: x')));
  assert.ok(!isMissingInitError(undefined));
});
