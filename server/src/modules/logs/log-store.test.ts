import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { systemClock } from '../../clock.js';
import { LogStore } from './log-store.js';

test('tail: the end of one stream, across flushed and unflushed chunks, bounded', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tail-'));
  try {
    const logs = new LogStore({ dir, clock: systemClock, maxBytesPerLog: 1 << 24 });
    await logs.init();
    const writer = await logs.openWriter('runs', 'r1');
    for (let i = 0; i < 1000; i++) writer.pushOutput('stderr', Buffer.from(`err ${i}\n`));
    await sleep(50); // flushed to disk
    for (let i = 0; i < 20; i++) writer.pushOutput('stdout', Buffer.from(`out ${i}\n`));
    writer.pushOutput('stderr', Buffer.from('last words\n'));
    assert.equal(await writer.tail('stderr', 40), 'err 996\nerr 997\nerr 998\nerr 999\nlast words\n');
    assert.equal(await writer.tail('stderr', 4), 'last words\n');
    assert.equal(await writer.tail('stdout', 6), 'out 19\n');
    // a stream drowned by the other: the read stops after 16 × maxBytes of other output
    for (let i = 0; i < 2000; i++) writer.pushOutput('stdout', Buffer.from(`flood ${i}\n`));
    assert.equal(await writer.tail('stderr', 40), '');
    const wider = await writer.tail('stderr', 4096);
    assert.ok(wider.startsWith('err') && wider.endsWith('err 999\nlast words\n'));
    await logs.closeWriter('runs', 'r1');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
