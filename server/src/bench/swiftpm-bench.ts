// What the build figures (13, 14) share: SwiftPM's own time from its output, a compilation's log,
// entries of SwiftPM's manifest cache, and deleting the bench's project afterwards.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LogChunk, Project } from '../contract/types.js';
import { SWIFTPM_CACHE_VOLUME } from '../modules/builds/build-container.js';
import { execTracked } from '../testing/children.js';
import type { BenchEnv } from './bench-env.js';

/** SwiftPM's own figure for the build ("Build of product 'x' complete! (1.23s)"), in ms. */
export const reportedBuildMs = (output: string) => {
  const m = /complete! \((\d+(?:\.\d+)?)s\)/.exec(output);
  return m ? Number(m[1]) * 1000 : NaN;
};

/** A compilation's whole output as the console API gives it. */
export async function compilationOutput(env: BenchEnv, projectId: string, compilationId: string): Promise<string> {
  const logs = (
    await env.api.console('GET', `/projects/${projectId}/compilations/${compilationId}/logs?afterSequence=-1&limit=500`)
  ).body.logs as LogChunk[];
  return logs.map((c) => c.data).join('\n');
}

/**
 * How many entries of SwiftPM's shared manifest cache (the cache volume's manifests/manifest.db)
 * hold `needle`: one per manifest when every build after the first hits the cache. NaN when this
 * Node has no `node:sqlite` or the database cannot be read.
 */
export async function manifestCacheEntries(image: string, needle: string): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-manifest-db-'));
  try {
    const { DatabaseSync } = await import('node:sqlite');
    const read = await execTracked(
      'docker',
      [
        'run',
        '--rm',
        '-v',
        `${SWIFTPM_CACHE_VOLUME}:/c:ro`,
        '--entrypoint',
        'base64',
        image,
        '/c/manifests/manifest.db',
      ],
      120_000,
    );
    if (read.code !== 0) return NaN;
    const file = join(dir, 'manifest.db');
    await writeFile(file, Buffer.from(read.stdout, 'base64'));
    const db = new DatabaseSync(file, { readOnly: true });
    try {
      const rows = db.prepare('SELECT value FROM MANIFEST_CACHE').all() as Array<{ value: Uint8Array }>;
      return rows.filter((r) => Buffer.from(r.value).includes(needle)).length;
    } finally {
      db.close();
    }
  } catch {
    return NaN;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Deletes a bench project (its runs, builds and build volume), saying so when it cannot. */
export async function deleteBenchProject(
  env: BenchEnv,
  project: Project,
  figure: number,
  log: (line: string) => void,
): Promise<void> {
  const deleted = await env.api
    .console('DELETE', `/projects/${project.id}`)
    .catch((err: Error) => ({ status: 0, body: err.message }));
  if (deleted.status !== 204)
    log(
      `figure ${figure}: could not delete project ${project.id} (its build volume stays): ` +
        `${deleted.status} ${JSON.stringify(deleted.body)}`,
    );
}
