import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readResolvedPackages } from './package-resolved.js';

test('Package.resolved versions 1 and 2/3 give the same pins; unreadable pins and files give none', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'resolved-'));
  try {
    const file = join(dir, 'Package.resolved');
    await writeFile(
      file,
      JSON.stringify({
        object: {
          pins: [
            {
              package: 'Swift-Log',
              repositoryURL: 'https://x/swift-log',
              state: { version: '1.5.0', revision: 'abc' },
            },
          ],
        },
        version: 1,
      }),
    );
    const v1 = await readResolvedPackages(file);
    assert.deepEqual(v1, [
      { identity: 'swift-log', location: 'https://x/swift-log', version: '1.5.0', revision: 'abc' },
    ]);
    await writeFile(
      file,
      JSON.stringify({
        pins: [
          { identity: 'swift-log', location: 'https://x/swift-log', state: { version: '1.5.0', revision: 'abc' } },
          { identity: 'on-a-branch', location: '/local', state: { branch: 'main', revision: 'def' } },
          { identity: 42 },
          'nonsense',
          { location: 'no identity' },
        ],
        version: 3,
      }),
    );
    assert.deepEqual(await readResolvedPackages(file), [
      ...v1,
      { identity: 'on-a-branch', location: '/local', version: null, revision: 'def' },
    ]);
    await writeFile(file, '{ not json');
    assert.deepEqual(await readResolvedPackages(file), []);
    assert.deepEqual(await readResolvedPackages(join(dir, 'missing')), []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
