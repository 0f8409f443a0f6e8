import assert from 'node:assert/strict';
import { appendFile, mkdtemp, rm, stat, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fillDisk, mountTmpfs, tmpfsUnavailable } from '../../testing/full-disk.js';
import { ClosedLogReader, LogFile } from './log-file.js';

async function readClosedLog(base: string, afterSequence: number, limit: number) {
  const reader = (await ClosedLogReader.open(base))!;
  try {
    return await reader.read(afterSequence, limit);
  } finally {
    await reader.close();
  }
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'logfile-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('sequences start at 0, pages follow afterSequence, and unflushed chunks are readable', () =>
  withDir(async (dir) => {
    const log = await LogFile.openForAppend(join(dir, 'a'));
    for (let i = 0; i < 10; i++) log.append(i % 2 ? 'stderr' : 'stdout', `line ${i}\n`, 1000 + i);
    const early = await log.read(-1, 3);
    assert.deepEqual(
      early.map((c) => c.sequence),
      [0, 1, 2],
    );
    await log.flush();
    for (let i = 10; i < 15; i++) log.append('stdout', `line ${i}\n`, 1000 + i);
    const mixed = await log.read(7, 5); // 8, 9 from the file, 10..12 from memory
    assert.deepEqual(
      mixed.map((c) => c.sequence),
      [8, 9, 10, 11, 12],
    );
    assert.equal(mixed[1]!.stream, 'stderr');
    await log.close();
    const closed = await readClosedLog(join(dir, 'a'), 12, 100);
    assert.deepEqual(
      closed.map((c) => c.data),
      ['line 13\n', 'line 14\n'],
    );
  }));

test('the stored line is exactly JSON.stringify of the chunk', () =>
  withDir(async (dir) => {
    const log = await LogFile.openForAppend(join(dir, 'j'));
    const chunk = log.append('stderr', 'quote " backslash \\ tab \t nul \u0000 emoji 😀 \u2028\n', 1716300300123);
    await log.close();
    const { readFile } = await import('node:fs/promises');
    assert.equal(await readFile(join(dir, 'j.ndjson'), 'utf8'), JSON.stringify(chunk) + '\n');
  }));

test('every kind of line is stored as JSON.stringify gives it, the fast ASCII path included', () =>
  withDir(async (dir) => {
    const log = await LogFile.openForAppend(join(dir, 'k'));
    const lines = [
      Buffer.from('plain ascii line 42\n'),
      Buffer.from('\n'),
      Buffer.from('no newline at the end'),
      Buffer.from('del \x7f and tilde ~\n'),
      Buffer.from('embedded\nnewline\n'),
      Buffer.from('carriage return\r\n'),
      Buffer.from([0x62, 0x61, 0x64, 0x20, 0xff, 0xc3, 0x0a]), // invalid UTF-8
      Buffer.from('ünïcödé ✓\n'),
    ];
    const expected = lines.map((bytes, i) => {
      const timestamp = 1716300300000 + i * 1_000_001;
      log.appendBytes(i % 2 ? 'stderr' : 'stdout', bytes, 0, bytes.length, timestamp);
      return (
        JSON.stringify({ sequence: i, stream: i % 2 ? 'stderr' : 'stdout', data: bytes.toString('utf8'), timestamp }) +
        '\n'
      );
    });
    const unflushed = await log.read(-1, 100);
    assert.deepEqual(
      unflushed.map((c) => JSON.stringify(c) + '\n'),
      expected,
    );
    await log.close();
    const { readFile } = await import('node:fs/promises');
    assert.equal(await readFile(join(dir, 'k.ndjson'), 'utf8'), expected.join(''));
  }));

test('re-opening continues the sequence, and a torn tail from a crash is trimmed', () =>
  withDir(async (dir) => {
    const base = join(dir, 'b');
    const log = await LogFile.openForAppend(base);
    for (let i = 0; i < 5; i++) log.append('stdout', `x${i}\n`, i);
    await log.close();
    // a crash mid-write: half a JSON line in the data file and half an index entry
    await appendFile(`${base}.ndjson`, '{"sequence":5,"stream":"std');
    await appendFile(`${base}.idx`, Buffer.from([1, 2, 3]));
    const again = await LogFile.openForAppend(base);
    assert.equal(again.count, 5);
    again.append('stdout', 'after\n', 9);
    await again.close();
    const all = await readClosedLog(base, -1, 100);
    assert.deepEqual(
      all.map((c) => c.sequence),
      [0, 1, 2, 3, 4, 5],
    );
    assert.equal(all[5]!.data, 'after\n');
    assert.equal((await stat(`${base}.idx`)).size, 6 * 8);
  }));

test('reading a page deep in a long log costs the same as near the start', () =>
  withDir(async (dir) => {
    const log = await LogFile.openForAppend(join(dir, 'c'));
    for (let i = 0; i < 50_000; i++) log.append('stdout', `line ${i}\n`, i);
    await log.close();
    const page = await readClosedLog(join(dir, 'c'), 49_989, 200);
    assert.deepEqual(
      page.map((c) => c.sequence),
      [49_990, 49_991, 49_992, 49_993, 49_994, 49_995, 49_996, 49_997, 49_998, 49_999],
    );
  }));

test('a tail a full disk left (NUL bytes, index entries past the data) is cut back to the last whole chunk', () =>
  withDir(async (dir) => {
    const base = join(dir, 'n');
    const log = await LogFile.openForAppend(base);
    for (let i = 0; i < 5; i++) log.append('stdout', `x${i}\n`, i);
    await log.close();
    const size = (await stat(`${base}.ndjson`)).size;
    // the last chunk's line holds NULs (a hole), and two more entries point into and past garbage
    const { open: openFile } = await import('node:fs/promises');
    const fh = await openFile(`${base}.ndjson`, 'r+');
    await fh.write(Buffer.alloc(4), 0, 4, size - 6);
    await fh.close();
    await appendFile(`${base}.ndjson`, Buffer.concat([Buffer.alloc(100), Buffer.from('\n')]));
    const entries = Buffer.alloc(16);
    entries.writeUIntLE(size, 0, 6);
    entries.writeUIntLE(size + 10_000, 8, 6);
    await appendFile(`${base}.idx`, entries);
    const again = await LogFile.openForAppend(base);
    assert.equal(again.count, 4);
    again.append('stdout', 'after\n', 9);
    await again.close();
    const all = await readClosedLog(base, -1, 100);
    assert.deepEqual(
      all.map((c) => c.data),
      ['x0\n', 'x1\n', 'x2\n', 'x3\n', 'after\n'],
    );
  }));

test('a damaged line in the middle is skipped with a system note; the rest of the page is whole', () =>
  withDir(async (dir) => {
    const base = join(dir, 'd');
    const log = await LogFile.openForAppend(base);
    for (let i = 0; i < 5; i++) log.append('stdout', `line ${i}\n`, 100 + i);
    await log.close();
    const { readFile, writeFile } = await import('node:fs/promises');
    const text = await readFile(`${base}.ndjson`, 'utf8');
    await writeFile(`${base}.ndjson`, text.replace('line 2', 'li\u0000e 2'));
    const all = await readClosedLog(base, -1, 100);
    assert.deepEqual(
      all.map((c) => [c.sequence, c.stream]),
      [
        [0, 'stdout'],
        [1, 'stdout'],
        [2, 'system'],
        [3, 'stdout'],
        [4, 'stdout'],
      ],
    );
    assert.match(all[2]!.data, /damaged on disk/);
    assert.equal(all[2]!.timestamp, 101);
    assert.equal(all[3]!.data, 'line 3\n');
  }));

test(
  'on a full disk the chunks that fit are kept whole, the rest waits, and newer lines are counted as lost',
  { skip: tmpfsUnavailable() ?? false },
  async () => {
    const disk = await mountTmpfs(1024 * 1024);
    try {
      const filler = await fillDisk(disk.dir, 64 * 1024);
      const base = join(disk.dir, 'full');
      const log = await LogFile.openForAppend(base);
      const events: string[] = [];
      log.watchFaults({ onLoss: () => events.push('loss'), onRecovered: (n) => events.push(`recovered ${n}`) });
      for (let i = 0; i < 5000; i++) log.append('stdout', `line ${i} ${'x'.repeat(40)}\n`, i);
      await log.flush(); // about 450 KB into 64 KiB: whole chunks only, never a partial one
      const stored = await readClosedLog(base, -1, 5000);
      assert.ok(stored.length > 0 && stored.length < 5000, `${stored.length} on disk`);
      stored.forEach((c, i) => assert.equal(c.sequence, i));
      assert.equal((await stat(`${base}.idx`)).size, stored.length * 8);
      assert.equal(log.append('stdout', 'dropped\n', 1), null);
      assert.equal(log.append('stdout', 'dropped\n', 2), null);
      assert.deepEqual(events, ['loss']);
      await unlink(filler);
      await log.flush(); // what waited goes first, then the owner hears what was lost
      assert.deepEqual(events, ['loss', 'recovered 2']);
      assert.equal(await log.close(), 0);
      const all = await readClosedLog(base, -1, 6000);
      assert.deepEqual(
        all.map((c) => c.data),
        Array.from({ length: 5000 }, (_, i) => `line ${i} ${'x'.repeat(40)}\n`),
      );
    } finally {
      await disk.unmount();
    }
  },
);
