import { randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DockerEngine } from '../../adapters/docker/docker-engine.js';
import type { Store } from '../../adapters/store/store.js';
import type { Clock } from '../../clock.js';
import { unixSeconds } from '../../clock.js';
import type { Compilation, LogChunk } from '../../contract/types.js';
import type { CompilationRecord } from '../../domain/records.js';
import type { SecretMask } from '../../domain/secret-mask.js';
import { AppError, errorMessage } from '../../errors.js';
import type { LogStore, LogWriter } from '../logs/index.js';
import type { ProjectsService } from '../projects/index.js';
import { buildCommand, buildContainerSpec, buildVolumeName, type BuildVolumeKey } from './build-container.js';
import { collectDiagnostics, followBuildOutput, summarizeFailure } from './build-log-reading.js';
import { formatDiagnostic } from './diagnostics.js';
import { copyImportedBinary } from './binary-copy.js';
import type { BuildTimes } from './build-log-reading.js';
export type { BuildTimes } from './build-log-reading.js';
import { checkElfExecutable } from './elf.js';
import { mirrorDir, mirrorSources } from './source-mirror.js';
import { ensureImage, ImageUnavailableError } from './ensure-image.js';
import { readResolvedPackages } from './package-resolved.js';
import { BuildWorkspaces } from './build-workspace.js';

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
  /** `/etc/hosts` lines that lead containers to this machine (host.docker.internal), if known */
  readonly hostLines?: () => Promise<readonly string[]>;
  /** the project's secrets, masked in build output (none when absent) */
  readonly maskFor?: (projectId: string) => SecretMask;
}

export function toPublicCompilation(record: CompilationRecord): Compilation {
  const { binaryFile: _binaryFile, ...publicFields } = record;
  // compilations stored before these fields existed
  return {
    ...publicFields,
    configuration: record.configuration ?? 'release',
    diagnostics: record.diagnostics ?? [],
    resolvedPackages: record.resolvedPackages ?? [],
    progress: record.progress ?? null,
  };
}

const INTERRUPTED = 'the emulator stopped while this build was under way; start it again';

/** builds whose times are kept in memory */
const TIMES_KEPT = 50;

/**
 * Compilations: `swift build` in the project's image with the package mounted read-only and a
 * per-project Docker volume as scratch path (incremental rebuilds, the user's .build untouched),
 * run with `docker exec` in the project's long-lived build container (build-workspace.ts).
 * One build at a time per project; the newest succeeded compilation is what runs use.
 */
export class BuildsService {
  private readonly chains = new Map<string, Promise<void>>();
  private readonly finishedListeners: Array<(compilation: Compilation) => void> = [];
  private readonly progressListeners: Array<(compilation: Compilation) => void> = [];
  private readonly times = new Map<string, BuildTimes>();
  private readonly workspaces: BuildWorkspaces;
  private closing = false;

  constructor(private readonly deps: BuildsDeps) {
    this.workspaces = new BuildWorkspaces({ engine: deps.engine, log: deps.log });
  }

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
      progress: null,
      binaryFile: null,
    };
  }

  /**
   * Stores a new compilation whose log is already there: the change feed announces the record on
   * commit, and a console that follows its log at once must find the live log, not an empty stored
   * one ("This log is empty" for a build that writes lines a moment later). A failed write stores
   * nothing, removes the log and answers 507 on a full disk.
   */
  private async add(record: CompilationRecord): Promise<void> {
    try {
      await this.deps.store.transact(() => this.deps.store.data.compilations.push(record));
    } catch (err) {
      await this.deps.logs.remove('builds', record.id).catch(() => undefined);
      throw err;
    }
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

  /** Calls `listener` as a running build's `progress` moves (a few times a second at most). */
  onProgress(listener: (compilation: Compilation) => void): void {
    this.progressListeners.push(listener);
  }

  /** When the steps of a recent build happened; undefined for an old one or an import. */
  timesOf(compilationId: string): BuildTimes | undefined {
    const t = this.times.get(compilationId);
    return t && { ...t };
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
    const requestedAt = this.deps.clock.now();
    const record = this.newRecord(projectId, 'build');
    const writer = await this.deps.logs.openWriter('builds', record.id);
    if (this.deps.maskFor) writer.setMask(this.deps.maskFor(projectId));
    await this.add(record);
    const times = { requestedAt, startedAt: null, swiftBuildMs: null, swiftCompleteAt: null, endedAt: null };
    this.times.set(record.id, times);
    for (const old of [...this.times.keys()].slice(0, Math.max(0, this.times.size - TIMES_KEPT)))
      this.times.delete(old);
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
    record.state = 'running';
    record.startedAt = this.now();
    await this.save();
    const times = this.times.get(record.id);
    const stopFollowing = times
      ? followBuildOutput(writer, times, (progress) => {
          record.progress = progress;
          const compilation = toPublicCompilation(record);
          for (const listener of this.progressListeners) listener(compilation);
        })
      : () => undefined;
    try {
      await ensureImage(this.deps.engine, project.dockerImage, (line) => writer.system(line));
      const outDir = this.binaryDir(record);
      await mkdir(outDir, { recursive: true, mode: 0o700 });
      const owner = `${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`;
      const mounts = await mirrorSources(
        this.deps.dataDir,
        project.id,
        project.sourcePath,
        project.dockerImage,
        (line) => writer.system(line),
      );
      writer.system(
        `$ swift build -c ${record.configuration} --product ${record.targetName} (image ${project.dockerImage})`,
      );
      const spec = buildContainerSpec({
        image: project.dockerImage,
        labels: { ...this.deps.labels, 'swiftlambda.kind': 'build', 'swiftlambda.project': project.id },
        // a package registry or git server on this machine, as runs reach it
        extraHosts: await (this.deps.hostLines?.() ?? Promise.resolve([])).catch(() => []),
        mounts: [...mounts, `${this.buildVolume(project.id)}:/build`, `${dirname(outDir)}:/out`],
        packagePath: project.sourcePath,
      });
      const command = buildCommand(record.targetName, owner, record.configuration, project.sourcePath, record.id);
      const run = await this.workspaces.run(project.id, spec, command, (stream, data) =>
        writer.pushOutput(stream, data),
      );
      if (times) times.startedAt = this.deps.clock.now();
      const exitCode = await run.exitCode;
      stopFollowing(); // the last progress it held back goes out while the build is still running
      if (exitCode === null) throw new Error('its container went away (removed, or the engine stopped)');
      record.diagnostics = await collectDiagnostics(this.deps.logs, record.id, []);
      record.resolvedPackages = await readResolvedPackages(
        join(mirrorDir(this.deps.dataDir, project.id, project.sourcePath), 'Package.resolved'),
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
          : await summarizeFailure(this.deps.logs, record.id, exitCode);
        writer.system(`build failed: ${record.errorSummary}`);
      }
    } catch (err) {
      record.state = 'failed';
      record.errorSummary =
        err instanceof ImageUnavailableError || err instanceof AppError
          ? err.message
          : this.closing
            ? INTERRUPTED
            : `build could not run: ${errorMessage(err)}`;
      writer.system(record.errorSummary);
    } finally {
      stopFollowing(); // (when the build ended early) the last held-back progress, before the end
      // SwiftPM's last step line is often one short of its total: a succeeded build is complete
      if (record.state === 'succeeded' && record.progress)
        record.progress = { done: record.progress.total, total: record.progress.total };
      record.finishedAt = this.now();
      await this.deps.logs.closeWriter('builds', record.id);
      await this.save();
      if (times) times.endedAt = this.deps.clock.now();
      this.announce(record);
    }
  }

  /** The project's scratch volume: its incremental build state. */
  private buildVolume(projectId: string): string {
    const key = this.deps.buildVolumeKey ?? 'project';
    return buildVolumeName(key, projectId, key === 'packagePath' ? this.deps.projects.get(projectId).sourcePath : '');
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
    // the log is written before the record is stored (see add)
    const writer = await this.deps.logs.openWriter('builds', record.id);
    writer.system(record.errorSummary ?? `imported ${binaryPath}`);
    await this.deps.logs.closeWriter('builds', record.id);
    try {
      await this.add(record);
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
    this.announce(record);
    return toPublicCompilation(record);
  }

  /**
   * Deletes a project's compilations, their logs and binaries, its source copies and its build
   * volume (project delete), once any build under way has ended.
   */
  async removeProject(projectId: string): Promise<void> {
    await this.settled(projectId);
    await this.workspaces.discard(projectId);
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

  /** The server stops: the build containers go (a build under way fails), then its ending is saved. */
  async close(): Promise<void> {
    this.closing = true;
    await this.workspaces.close();
    await Promise.race([Promise.all(this.chains.values()), sleep(10_000, undefined, { ref: false })]);
  }

  /** After a restart: builds that were under way cannot be resumed; their containers go. */
  async reconcileInterruptedBuilds(): Promise<void> {
    let changed = false;
    for (const c of this.deps.store.data.compilations) {
      if (c.state === 'queued' || c.state === 'running') {
        c.state = 'failed';
        c.errorSummary = INTERRUPTED;
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
