import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { systemClock } from '../../clock.js';
import { createSecretMask } from '../../domain/secret-mask.js';
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
    await logs.closeAll();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a secret split across two deliveries is masked once the line is whole', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mask-'));
  try {
    const logs = new LogStore({ dir, clock: systemClock, maxBytesPerLog: 1 << 20 });
    await logs.init();
    const writer = await logs.openWriter('runs', 'r1');
    writer.setMask(createSecretMask(['p4ssw0rd-xyz']));
    writer.pushOutput('stdout', Buffer.from('token: p4ss'));
    writer.pushOutput('stdout', Buffer.from('w0rd-xyz and more\nclean\n'));
    writer.pushOutput('stderr', Buffer.from('unterminated p4ssw0rd-xyz'));
    writer.system('[swiftlambda] p4ssw0rd-xyz');
    await logs.closeWriter('runs', 'r1');
    const chunks = await logs.read('runs', 'r1', -1, 100);
    const text = chunks.map((c) => c.data).join('');
    assert.ok(!text.includes('p4ssw0rd-xyz'), text);
    assert.deepEqual(
      chunks.map((c) => c.data),
      ['token: *** and more\n', 'clean\n', '[swiftlambda] ***\n', 'unterminated ***'],
    );
    await logs.closeAll(); // its readers' file handles: one closed by the garbage collector fails the run
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a secret where a long line is cut (16 KiB pieces) is masked all the same', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mask-cut-'));
  try {
    const logs = new LogStore({ dir, clock: systemClock, maxBytesPerLog: 1 << 20 });
    await logs.init();
    const writer = await logs.openWriter('runs', 'r1');
    const secret = 'sk-live-0123456789abcdef';
    writer.setMask(createSecretMask([secret]));
    // the secret straddles the 16,384th byte, and again the next cut, in one line without a newline
    const line = `${'a'.repeat(16_384 - 10)}${secret}${'b'.repeat(16_384 - 40)}${secret}tail\n`;
    writer.pushOutput('stdout', Buffer.from(line));
    await logs.closeWriter('runs', 'r1');
    const chunks = await logs.read('runs', 'r1', -1, 100);
    const text = chunks.map((c) => c.data).join('');
    assert.ok(chunks.length >= 2, 'the line was cut');
    assert.ok(!text.includes(secret.slice(0, 8)) && !text.includes(secret.slice(-8)), 'no part of it is stored');
    assert.equal(text, line.replaceAll(secret, '***'));
    await logs.closeAll();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
