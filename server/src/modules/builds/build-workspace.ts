import type { CommandRun, ContainerSpec, DockerEngine, OutputStream } from '../../adapters/docker/docker-engine.js';
import { statusCodeOf } from '../../adapters/docker/engine-errors.js';
import { errorMessage } from '../../errors.js';
import { WORKSPACE_COMMAND } from './build-container.js';

/** A build container idle this long is removed; the next build starts a new one. */
const IDLE_MS = 15 * 60_000;

interface Workspace {
  /** the spec it was created from: a build with another spec (image, mounts) gets a new one */
  readonly key: string;
  readonly containerId: string;
  idle: NodeJS.Timeout | null;
}

export interface BuildWorkspacesDeps {
  readonly engine: DockerEngine;
  readonly log: (line: string) => void;
  /** for tests: how long an idle build container stays */
  readonly idleMs?: number;
}

/**
 * One long-lived build container per project, started at its first build and used for every
 * later one with `docker exec` (decision 0042): a save waits for no container start, and what
 * the container learnt (the toolchain's probe answers) stays. A build whose image or mounts
 * differ replaces it; it goes when idle, when the project is deleted and when the server stops.
 * Builds of one project never overlap (BuildsService queues them), so no two calls race here.
 */
export class BuildWorkspaces {
  private readonly live = new Map<string, Workspace>();

  constructor(private readonly deps: BuildWorkspacesDeps) {}

  /**
   * Runs `cmd` in the project's build container, created from `spec` when there is none (or the
   * one there is was made from another spec, or is gone).
   */
  async run(
    projectId: string,
    spec: ContainerSpec,
    cmd: readonly string[],
    onData: (stream: OutputStream, data: Buffer) => void,
  ): Promise<CommandRun> {
    const key = JSON.stringify([spec.image, spec.binds, spec.env, spec.hostname, spec.workingDir, spec.extraHosts]);
    for (let attempt = 0; ; attempt++) {
      const workspace = await this.acquire(projectId, key, spec);
      try {
        const run = await this.deps.engine.runCommand(workspace.containerId, { cmd }, onData);
        void run.exitCode.finally(() => this.release(projectId, workspace));
        return run;
      } catch (err) {
        // removed or stopped behind our back (docker rm, an engine restart): once more, in a new one
        const status = statusCodeOf(err);
        if (attempt > 0 || (status !== 404 && status !== 409)) throw err;
        this.deps.log(`the build container of ${projectId} was gone (${errorMessage(err)}); starting a new one`);
        await this.discard(projectId);
      }
    }
  }

  private async acquire(projectId: string, key: string, spec: ContainerSpec): Promise<Workspace> {
    const current = this.live.get(projectId);
    if (current?.key === key) {
      if (current.idle) clearTimeout(current.idle);
      current.idle = null;
      return current;
    }
    if (current) await this.discard(projectId);
    const containerId = await this.deps.engine.createContainer({ ...spec, cmd: [], entrypoint: WORKSPACE_COMMAND });
    try {
      await this.deps.engine.startContainer(containerId);
    } catch (err) {
      await this.deps.engine.removeContainer(containerId).catch(() => undefined);
      throw err;
    }
    const workspace: Workspace = { key, containerId, idle: null };
    this.live.set(projectId, workspace);
    return workspace;
  }

  private release(projectId: string, workspace: Workspace): void {
    if (this.live.get(projectId) !== workspace) return;
    if (workspace.idle) clearTimeout(workspace.idle);
    workspace.idle = setTimeout(() => void this.discard(projectId), this.deps.idleMs ?? IDLE_MS);
    workspace.idle.unref();
  }

  /** Removes the project's build container (a build in it fails); none is not an error. */
  async discard(projectId: string): Promise<void> {
    const workspace = this.live.get(projectId);
    if (!workspace) return;
    this.live.delete(projectId);
    if (workspace.idle) clearTimeout(workspace.idle);
    await this.deps.engine
      .removeContainer(workspace.containerId)
      .catch((err) => this.deps.log(`could not remove a build container: ${errorMessage(err)}`));
  }

  /** Removes every build container (the server stops). */
  async close(): Promise<void> {
    await Promise.all([...this.live.keys()].map((projectId) => this.discard(projectId)));
  }
}
