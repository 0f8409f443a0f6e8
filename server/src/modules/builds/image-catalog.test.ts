import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { DockerEngine, OutputStream } from '../../adapters/docker/docker-engine.js';
import { ImageCatalog } from './image-catalog.js';

/** An engine with one image and no SWIFT_VERSION: the catalog asks a container; `fail` makes that fail. */
function engine(state: { fail: boolean; probes: number }): DockerEngine {
  let onData: ((s: OutputStream, d: Buffer) => void) | null = null;
  return {
    listImages: async () => [{ id: 'sha256:1', names: ['localhost/swift:6.0'], sizeBytes: 1, env: [], labels: {} }],
    createContainer: async () => {
      state.probes++;
      if (state.fail) throw new Error('the engine went away');
      return 'c1';
    },
    attachOutput: async (_id: string, cb: (s: OutputStream, d: Buffer) => void) => {
      onData = cb;
      return { done: Promise.resolve(), stop: () => undefined };
    },
    startContainer: async () => onData?.('stdout', Buffer.from('Swift version 6.0.3 (swift-6.0.3-RELEASE)\n')),
    waitContainer: async () => 0,
    removeContainer: async () => undefined,
  } as unknown as DockerEngine;
}

test('a probe that failed is asked again next time; an answer is kept', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'image-catalog-'));
  try {
    const state = { fail: true, probes: 0 };
    const catalog = new ImageCatalog(engine(state), dir, {});
    assert.equal((await catalog.list())[0]!.swiftVersion, null);
    state.fail = false;
    assert.equal((await catalog.list())[0]!.swiftVersion, '6.0.3');
    assert.equal((await catalog.list())[0]!.swiftVersion, '6.0.3');
    assert.equal(state.probes, 2, 'asked once more after the failure, then kept');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
