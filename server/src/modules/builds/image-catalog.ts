import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DockerEngine, ImageSummary } from '../../adapters/docker/docker-engine.js';
import { writeFileDurably } from '../../adapters/store/durable-json-file.js';
import type { LocalImage } from '../../contract/types.js';
import { isStorageFault } from '../../errors.js';

const CACHE_FILE = 'image-swift-versions.json';

/** "Swift version 6.0.3 (swift-6.0.3-RELEASE)" or SWIFT_VERSION=swift-5.10.1-RELEASE → "6.0.3" / "5.10.1". */
export function swiftVersionFrom(text: string): string | null {
  return (
    /Swift version (\d+\.\d+(?:\.\d+)?)/.exec(text)?.[1] ?? /swift-(\d+\.\d+(?:\.\d+)?)-RELEASE/.exec(text)?.[1] ?? null
  );
}

/**
 * The local images for the console's picker, each with the Swift version of its toolchain (null
 * when it has none). Official Swift images say it in SWIFT_VERSION; others are asked once
 * (`swift --version` in a throwaway container) and the answer is kept per image id.
 */
export class ImageCatalog {
  private cache: Record<string, string | null> | null = null;

  constructor(
    private readonly engine: DockerEngine,
    private readonly dataDir: string,
    private readonly labels: Readonly<Record<string, string>>,
  ) {}

  async list(): Promise<LocalImage[]> {
    const images = await this.engine.listImages();
    const cache = await this.loadCache();
    let changed = false;
    const out: LocalImage[] = [];
    for (const image of images) {
      if (!(image.id in cache)) {
        const version = await this.detectSwift(image);
        // a probe that failed (the engine, a full disk) is asked again next time, not kept
        if (version !== undefined) {
          cache[image.id] = version;
          changed = true;
        }
      }
      for (const name of image.names)
        out.push({ name, id: image.id, sizeBytes: image.sizeBytes, swiftVersion: cache[image.id] ?? null });
    }
    // only a cache: a full disk costs the next list a `swift --version` again
    if (changed)
      await writeFileDurably(join(this.dataDir, CACHE_FILE), JSON.stringify(cache)).catch((err: unknown) => {
        if (!isStorageFault(err)) throw err;
      });
    return out.sort(
      (a, b) => Number(b.swiftVersion !== null) - Number(a.swiftVersion !== null) || a.name.localeCompare(b.name),
    );
  }

  private async loadCache(): Promise<Record<string, string | null>> {
    if (this.cache) return this.cache;
    try {
      this.cache = JSON.parse(await readFile(join(this.dataDir, CACHE_FILE), 'utf8')) as Record<string, string | null>;
    } catch {
      this.cache = {};
    }
    return this.cache;
  }

  /** the toolchain's version, null for none, undefined when the probe itself failed */
  private async detectSwift(image: ImageSummary): Promise<string | null | undefined> {
    const fromEnv = image.env.find((e) => e.startsWith('SWIFT_VERSION='));
    if (fromEnv) return swiftVersionFrom(fromEnv);
    let containerId: string | null = null;
    let output = '';
    try {
      containerId = await this.engine.createContainer({
        image: image.id,
        entrypoint: ['/bin/sh', '-c', 'command -v swift >/dev/null 2>&1 && swift --version 2>&1 || true'],
        cmd: [],
        env: {},
        labels: { ...this.labels, 'swiftlambda.kind': 'probe' },
        binds: [],
        hardened: true,
      });
      const follow = await this.engine.attachOutput(containerId, (_stream, data) => (output += data.toString('utf8')));
      await this.engine.startContainer(containerId);
      const exitCode = await this.engine.waitContainer(containerId);
      await Promise.race([follow.done, sleep(5000, undefined, { ref: false })]);
      follow.stop();
      // the script always exits 0: anything else is the probe failing, not the image lacking Swift
      return exitCode === 0 ? swiftVersionFrom(output) : undefined;
    } catch (err) {
      // an image that cannot run a shell has no toolchain we can use; anything else is asked again
      return err instanceof Error && /exec|no such file|not found/i.test(err.message) ? null : undefined;
    } finally {
      if (containerId) await this.engine.removeContainer(containerId).catch(() => undefined);
    }
  }
}
