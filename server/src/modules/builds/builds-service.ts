import { createHash, randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DockerEngine } from '../../adapters/docker/docker-engine.js';
import type { Store } from '../../adapters/store/store.js';
import type { Clock } from '../../clock.js';
import { unixSeconds } from '../../clock.js';
import type { Compilation, Diagnostic, LogChunk } from '../../contract/types.js';
import type { CompilationRecord } from '../../domain/records.js';
import type { SecretMask } from '../../domain/secret-mask.js';
import { AppError, errorMessage } from '../../errors.js';
import { attachContainerOutput, type LogStore, type LogWriter } from '../logs/index.js';
import { localDependencyFolders, type ProjectsService } from '../projects/index.js';
import { DiagnosticsCollector, formatDiagnostic } from './diagnostics.js';
import { copyImportedBinary } from './binary-copy.js';
import { checkElfExecutable } from './elf.js';
import { syncMirror } from './source-mirror.js';
import { ensureImage, ImageUnavailableError } from './ensure-image.js';
import { readResolvedPackages } from './package-resolved.js';

export interface BuildsDeps {
  readonly store: Store;
  readonly engine: DockerEngine;
  readonly logs: LogStore;
  readonly projects: ProjectsService;
  readonly clock: Clock;
  readonly dataDir: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly log: (line: string) => void;
  /** what names a project's build volume (default `project`); see buildVolumeName */
  readonly buildVolumeKey?: BuildVolumeKey;
  /** the project's secrets, masked in build output (none when absent) */
  readonly maskFor?: (projectId: string) => SecretMask;
}

export type BuildVolumeKey = 'project' | 'packagePath';

/**
 * The Docker volume a project builds in (SwiftPM's scratch path): one per project, or one per
 * package folder, which outlives the data dir, so a later emulator on the same package builds
 * incrementally (`swiftlambda exec`, `startEmulator`).
 */
export function buildVolumeName(key: BuildVolumeKey, projectId: string, sourcePath: string): string {
  if (key === 'project') return `swiftlambda-build-${projectId}`;
  return `swiftlambda-build-path-${createHash('sha256').update(sourcePath).digest('hex').slice(0, 16)}`;
}

export function toPublicCompilation(record: CompilationRecord): Compilation {
  const { binaryFile: _binaryFile, ...publicFields } = record;
  // compilations stored before these fields existed
  return {
    ...publicFields,
    configuration: record.configuration ?? 'release',
    diagnostics: record.diagnostics ?? [],
    resolvedPackages: record.resolvedPackages ?? [],
  };
}

/** SwiftPM's shared caches (repositories, artifacts): one volume for every project. */
export const SWIFTPM_CACHE_VOLUME = 'swiftlambda-swiftpm-cache';

// The build script takes the target, the owner for the copied binary, the configuration and the
// package's path as $1 to $4, so nothing the user typed is ever parsed by the shell. Resource
// bundles go beside the binary, where Bundle.module looks at run time.
const BUILD_SCRIPT = [
  'set -e',
  'swift build -c "$3" --product "$1" --package-path "$4" --scratch-path /build --cache-path /swiftpm-cache',
  'cp "/build/$3/$1" "/out/$1"',
  'for bundle in /build/"$3"/*.resources; do if [ -d "$bundle" ]; then cp -R "$bundle" /out/; fi; done',
  'chown -R "$2" /out 2>/dev/null || true',
].join('\n');

/**
 * Compilations: `swift build` in the project's image with the package mounted read-only and a
 * per-project Docker volume as scratch path (incremental rebuilds, the user's .build untouched).
 * One build at a time per project; the newest succeeded compilation is what runs use.
 */
export class BuildsService {
  private readonly chains = new Map<string, Promise<void>>();
  private readonly finishedListeners: Array<(compilation: Compilation) => void> = [];

  constructor(private readonly deps: BuildsDeps) {}

  private now(): number {
    return unixSeconds(this.deps.clock.now());
  }

  list(projectId: string): Compilation[] {
    this.deps.projects.get(projectId);
    return this.deps.store.data.compilations
      .filter((c) => c.project === projectId)
      .sort((a, b) => b.created - a.created || (b.id > a.id ? 1 : -1))
      .map(toPublicCompilation);
  }

  get(projectId: string, id: string): CompilationRecord {
    this.deps.projects.get(projectId);
    const record = this.deps.store.data.compilations.find((c) => c.id === id && c.project === projectId);
    if (!record) throw new AppError('compilation_not_found', `no compilation ${id} in project ${projectId}`);
    return record;
  }

  /** The binary that runs of `projectId` use now, or undefined before any succeeded build. */
  latestSucceeded(projectId: string): CompilationRecord | undefined {
    let best: CompilationRecord | undefined;
    for (const c of this.deps.store.data.compilations) {
      if (c.project !== projectId || c.state !== 'succeeded' || !c.binaryFile) continue;
      if (!best || (c.finishedAt ?? 0) >= (best.finishedAt ?? 0)) best = c;
    }
    return best;
  }

  async readLogs(projectId: string, id: string, afterSequence: number, limit: number): Promise<LogChunk[]> {
    this.get(projectId, id);
    return this.deps.logs.read('builds', id, afterSequence, limit);
  }

  private newRecord(projectId: string, source: 'build' | 'import'): CompilationRecord {
    const project = this.deps.projects.get(projectId);
    return {
      id: randomUUID(),
      project: project.id,
      state: 'queued',
      targetName: project.targetName,
      source,
      startedAt: null,
      finishedAt: null,
      errorSummary: null,
      created: this.now(),
      configuration: source === 'build' ? project.buildConfiguration : 'release',
      diagnostics: [],
      resolvedPackages: [],
      binaryFile: null,
    };
  }

  /** Stores a new compilation; a failed write stores nothing (507 on a full disk). */
  private async add(record: CompilationRecord): Promise<void> {
    await this.deps.store.transact(() => this.deps.store.data.compilations.push(record));
  }

  /** Saves a build's progress; a failed write is logged and retried with the next one. */
  private async save(): Promise<void> {
    await this.deps.store.commit().catch((err) => this.deps.log(`could not save the builds: ${errorMessage(err)}`));
  }

  private binaryDir(record: CompilationRecord): string {
    return join(this.deps.dataDir, 'binaries', record.project, record.id);
  }

  /** Calls `listener` with every compilation that ends (built or imported, succeeded or failed). */
  onFinished(listener: (compilation: Compilation) => void): void {
    this.finishedListeners.push(listener);
  }

  private announce(record: CompilationRecord): void {
    const compilation = toPublicCompilation(record);
    for (const listener of this.finishedListeners) {
      try {
        listener(compilation);
      } catch (err) {
        this.deps.log(`a compilation listener failed: ${errorMessage(err)}`);
      }
    }
  }

  /** The compilation under way or queued for a project, if any. */
  isBuilding(projectId: string): boolean {
    return this.chains.has(projectId);
  }

  /** Resolves when every build queued for the project so far has ended. */
  async settled(projectId: string): Promise<void> {
    await this.chains.get(projectId);
  }

  /** Queues a build; it runs after any build of the same project that is under way. */
  async startBuild(projectId: string): Promise<Compilation> {
    const record = this.newRecord(projectId, 'build');
    await this.add(record);
    const writer = await this.deps.logs.openWriter('builds', record.id);
    if (this.deps.maskFor) writer.setMask(this.deps.maskFor(projectId));
    writer.system(`build queued for target ${record.targetName}`);
    const previous = this.chains.get(projectId) ?? Promise.resolve();
    const chain = previous
      .then(() => this.runBuild(record, writer))
      .catch((err) => {
        this.deps.log(`build ${record.id} crashed: ${errorMessage(err)}`);
      });
    this.chains.set(projectId, chain);
    void chain.finally(() => {
      if (this.chains.get(projectId) === chain) this.chains.delete(projectId);
    });
    return toPublicCompilation(record);
  }

  private async runBuild(record: CompilationRecord, writer: LogWriter): Promise<void> {
    const project = this.deps.projects.get(record.project);
    const { engine } = this.deps;
    record.state = 'running';
    record.startedAt = this.now();
    await this.save();
    let containerId: string | null = null;
    try {
      await ensureImage(engine, project.dockerImage, (line) => writer.system(line));
      const outDir = this.binaryDir(record);
      await mkdir(outDir, { recursive: true, mode: 0o700 });
      const owner = `${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`;
      const mounts = await this.mirrorSources(project.id, project.sourcePath, writer);
      writer.system(
        `$ swift build -c ${record.configuration} --product ${record.targetName} (image ${project.dockerImage})`,
      );
      containerId = await engine.createContainer({
        image: project.dockerImage,
        entrypoint: ['/bin/sh', '-c', BUILD_SCRIPT, 'swiftlambda-build'],
        cmd: [record.targetName, owner, record.configuration, project.sourcePath],
        env: { HOME: '/tmp' },
        labels: {
          ...this.deps.labels,
          'swiftlambda.kind': 'build',
          'swiftlambda.project': project.id,
          'swiftlambda.compilation': record.id,
        },
        binds: [
          ...mounts,
          `${this.buildVolume(project.id)}:/build`,
          `${SWIFTPM_CACHE_VOLUME}:/swiftpm-cache`,
          `${outDir}:/out`,
        ],
        workingDir: project.sourcePath,
      });
      // attached before start, like `docker run`: every line of the build's output is captured
      const capture = await attachContainerOutput(engine, containerId, writer);
      let exitCode: number;
      try {
        await engine.startContainer(containerId);
        exitCode = await engine.waitContainer(containerId);
        // the engine ends the stream once it has delivered everything the build wrote
        await Promise.race([capture.done, sleep(120_000, undefined, { ref: false })]);
      } finally {
        capture.stop();
      }
      record.diagnostics = await this.collectDiagnostics(record.id, []);
      record.resolvedPackages = await readResolvedPackages(
        join(this.mirrorDir(project.id, project.sourcePath), 'Package.resolved'),
      );
      for (const p of record.resolvedPackages)
        writer.system(`resolved ${p.identity} ${p.version ?? p.revision ?? ''} (${p.location})`);
      if (exitCode === 0) {
        const binaryFile = join(outDir, record.targetName);
        await checkElfExecutable(binaryFile);
        record.binaryFile = binaryFile;
        record.state = 'succeeded';
        writer.system(`build succeeded: ${record.targetName}`);
      } else {
        record.state = 'failed';
        const firstError = record.diagnostics.find((d) => d.severity === 'error');
        record.errorSummary = firstError
          ? formatDiagnostic(firstError).slice(0, 500)
          : await this.summarizeFailure(record.id, exitCode);
        writer.system(`build failed: ${record.errorSummary}`);
      }
    } catch (err) {
      record.state = 'failed';
      record.errorSummary =
        err instanceof ImageUnavailableError || err instanceof AppError
          ? err.message
          : `build could not run: ${errorMessage(err)}`;
      writer.system(record.errorSummary);
    } finally {
      record.finishedAt = this.now();
      if (containerId) await engine.removeContainer(containerId).catch(() => undefined);
      await this.deps.logs.closeWriter('builds', record.id);
      await this.save();
      this.announce(record);
    }
  }

  /** The project's scratch volume: its incremental build state. */
  private buildVolume(projectId: string): string {
    const key = this.deps.buildVolumeKey ?? 'project';
    return buildVolumeName(key, projectId, key === 'packagePath' ? this.deps.projects.get(projectId).sourcePath : '');
  }

  private mirrorDir(projectId: string, folder: string): string {
    return join(
      this.deps.dataDir,
      'mirrors',
      projectId,
      createHash('sha256').update(folder).digest('hex').slice(0, 16),
    );
  }

  /**
   * The package and its local path dependencies, each brought in step with its copy in the data
   * dir and mounted at its own absolute path (the package writable, so SwiftPM can write
   * Package.resolved there; dependencies read-only). Diagnostics then name the user's own files.
   */
  private async mirrorSources(projectId: string, sourcePath: string, writer: LogWriter): Promise<string[]> {
    const dependencies = await localDependencyFolders(sourcePath);
    const binds: string[] = [];
    for (const [i, folder] of [sourcePath, ...dependencies].entries()) {
      const mirror = this.mirrorDir(projectId, folder);
      const { copied, removed } = await syncMirror(folder, mirror);
      if (copied || removed) writer.system(`synced ${folder}: ${copied} file(s) copied, ${removed} removed`);
      binds.push(i === 0 ? `${mirror}:${folder}` : `${mirror}:${folder}:ro`);
    }
    return binds;
  }

  /** The compiler's diagnostics in the build's output. */
  private async collectDiagnostics(
    id: string,
    mounts: ReadonlyArray<readonly [string, string]>,
  ): Promise<Diagnostic[]> {
    const collector = new DiagnosticsCollector(mounts);
    let after = -1;
    for (;;) {
      const page = await this.deps.logs.read('builds', id, after, 500);
      for (const c of page) if (c.stream !== 'system') collector.add(c.data);
      if (page.length < 500) return collector.diagnostics;
      after = page[page.length - 1]!.sequence;
    }
  }

  /** The compiler's first error line, or the exit code. */
  private async summarizeFailure(id: string, exitCode: number): Promise<string> {
    let after = -1;
    for (;;) {
      const page = await this.deps.logs.read('builds', id, after, 500);
      const hit = page.find((c) => c.stream !== 'system' && /\berror:/.test(c.data));
      if (hit) return hit.data.trim().slice(0, 500);
      if (page.length < 500) break;
      after = page[page.length - 1]!.sequence;
    }
    return `swift build exited with code ${exitCode}`;
  }

  /** Registers a prebuilt Linux executable as a succeeded compilation. */
  async importBinary(projectId: string, binaryPath: string): Promise<Compilation> {
    this.deps.projects.get(projectId);
    await checkElfExecutable(binaryPath);
    const record = this.newRecord(projectId, 'import');
    record.startedAt = this.now();
    const dir = this.binaryDir(record);
    try {
      record.binaryFile = await copyImportedBinary(binaryPath, dir, record.targetName, this.deps.dataDir);
      record.state = 'succeeded';
    } catch (err) {
      if (err instanceof AppError) throw err; // a full disk: nothing is stored
      record.state = 'failed';
      record.errorSummary = `import failed: ${errorMessage(err)}`;
    }
    record.finishedAt = this.now();
    try {
      await this.add(record);
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
    const writer = await this.deps.logs.openWriter('builds', record.id);
    writer.system(record.errorSummary ?? `imported ${binaryPath}`);
    await this.deps.logs.closeWriter('builds', record.id);
    this.announce(record);
    return toPublicCompilation(record);
  }

  /**
   * Deletes a project's compilations, their logs and binaries, its source copies and its build
   * volume (project delete), once any build under way has ended.
   */
  async removeProject(projectId: string): Promise<void> {
    await this.settled(projectId);
    const { store } = this.deps;
    const doomed = store.data.compilations.filter((c) => c.project === projectId);
    await store.transact(
      () => (store.data.compilations = store.data.compilations.filter((c) => c.project !== projectId)),
    );
    await Promise.all(doomed.map((c) => this.deps.logs.remove('builds', c.id).catch(() => undefined)));
    await rm(join(this.deps.dataDir, 'binaries', projectId), { recursive: true, force: true });
    await rm(join(this.deps.dataDir, 'mirrors', projectId), { recursive: true, force: true });
    // a volume keyed by the package's path is a cache other emulators share: it stays
    if (this.deps.buildVolumeKey === 'packagePath') return;
    await this.deps.engine
      .removeVolume(this.buildVolume(projectId))
      .catch((err) => this.deps.log(`could not remove the build volume of ${projectId}: ${errorMessage(err)}`));
  }

  /** After a restart: builds that were under way cannot be resumed; their containers go. */
  async reconcileInterruptedBuilds(): Promise<void> {
    let changed = false;
    for (const c of this.deps.store.data.compilations) {
      if (c.state === 'queued' || c.state === 'running') {
        c.state = 'failed';
        c.errorSummary = 'the emulator stopped while this build was under way; start it again';
        c.finishedAt = this.now();
        changed = true;
      }
    }
    if (changed) await this.save();
    try {
      const leftovers = await this.deps.engine.listContainers({ ...this.deps.labels, 'swiftlambda.kind': 'build' });
      await Promise.all(leftovers.map((c) => this.deps.engine.removeContainer(c.id)));
    } catch (err) {
      this.deps.log(`could not clean up build containers: ${errorMessage(err)}`);
    }
  }
}
