import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { DockerEngine, LogFollow, OutputStream } from '../../adapters/docker/docker-engine.js';
import { systemClock } from '../../clock.js';
import { followContainerOutput } from './container-output.js';
import { LogStore } from './log-store.js';

type Frames = Array<[OutputStream, string]>;

/**
 * The engine's stored log as seen by a re-attached follower: the follow stream delivers `followed`
 * (a prefix of the stored frames, as when the engine ends it early) and a later plain read
 * delivers all of `stored`.
 */
function engineWithStoredLog(stored: Frames, followed: Frames): Pick<DockerEngine, 'readLogs'> {
  return {
    async readLogs(
      _id: string,
      follow: boolean,
      onData: (stream: OutputStream, data: Buffer) => void,
    ): Promise<LogFollow> {
      for (const [stream, text] of follow ? followed : stored) onData(stream, Buffer.from(text));
      return { done: Promise.resolve(), stop: () => undefined };
    },
  };
}

/**
 * A run's log written before a restart (`before`), then re-attached to the engine's replay of the
 * program's output; what the log holds at the end.
 */
async function reattach(options: {
  before: Frames;
  stored: Frames;
  followed: Frames;
}): Promise<Array<[string, string]>> {
  const dir = await mkdtemp(join(tmpdir(), 'capture-'));
  try {
    const logs = new LogStore({ dir, clock: systemClock, maxBytesPerLog: 1 << 20 });
    await logs.init();
    const first = await logs.openWriter('runs', 'r1');
    for (const [stream, text] of options.before) first.pushOutput(stream, Buffer.from(text));
    await logs.closeWriter('runs', 'r1');
    const engine = engineWithStoredLog(options.stored, options.followed) as DockerEngine;
    const writer = await logs.openWriter('runs', 'r1');
    const capture = await followContainerOutput(engine, 'c1', writer, writer.storedAtOpen);
    await capture.done;
    await capture.complete();
    await logs.closeWriter('runs', 'r1');
    const all = await logs.read('runs', 'r1', -1, 100);
    await logs.closeAll();
    return all.map((c) => [c.stream, c.data]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('a re-attached follower skips what was stored, and complete() adds what the follower missed, once', async () => {
  const stored: Frames = [
    ['stdout', 'one\n'],
    ['stdout', 'two\n'],
    ['stderr', 'warn 1\n'],
    ['stdout', 'three\nfo'],
    ['stdout', 'ur\n'],
    ['stderr', 'warn 2\n'],
  ];
  const before: Frames = [
    ['stdout', 'one\ntwo\n'],
    ['stderr', 'warn 1\n'],
  ];
  assert.deepEqual(await reattach({ before, stored, followed: stored.slice(0, 4) }), [
    ['stdout', 'one\n'],
    ['stdout', 'two\n'],
    ['stderr', 'warn 1\n'],
    ['stdout', 'three\n'],
    ['stdout', 'four\n'],
    ['stderr', 'warn 2\n'],
  ]);
});
