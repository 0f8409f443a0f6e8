import type { IncomingMessage } from 'node:http';
import Docker from 'dockerode';
import {
  ImageMissingError,
  type ContainerSpec,
  type ContainerStatsSample,
  ContainerStatus,
  ContainerSummary,
  type DockerEngine,
  type EngineEvent,
  type ImageSummary,
  type LogFollow,
  type EngineProduct,
  type NetworkSummary,
  type ShellSession,
  type TerminalSize,
  type NetworkInfo,
  type OutputStream,
  type ExecCommand,
  type CommandRun,
} from './docker-engine.js';
import { engineCall, isConnectionError, mapEngineError, statusCodeOf } from './engine-errors.js';
import { toStatsSample, type EngineStats } from './engine-stats.js';
import { createFrameDemuxer, demuxedFollow, onJsonLines, streamEnded } from './engine-streams.js';
import { CgroupPeakReader } from './cgroup-peak.js';
import { joinNetworks, listNetworks } from './engine-networks.js';
import { engineProductOf, isMissingInitError } from './engine-product.js';
import { containerState, engineTime } from './engine-inspect.js';
import { openShell } from './exec-shell.js';
import { runCommand } from './exec-command.js';

function labelFilters(labels: Readonly<Record<string, string>>): string[] {
  return Object.entries(labels).map(([k, v]) => `${k}=${v}`);
}

export class DockerodeEngine implements DockerEngine {
  private readonly docker: Docker;

  /** Honours DOCKER_HOST (and the other DOCKER_* variables) the way the docker CLI does. */
  constructor(options?: Docker.DockerOptions) {
    this.docker = new Docker(options);
  }

  async openShell(id: string, size: TerminalSize): Promise<ShellSession> {
    return openShell(this.docker, id, size).catch(mapEngineError);
  }

  async runCommand(
    id: string,
    command: ExecCommand,
    onData: (stream: OutputStream, data: Buffer) => void,
  ): Promise<CommandRun> {
    return runCommand(this.docker, id, command, onData).catch(mapEngineError);
  }

  /** the last version seen, re-read at most once a minute (a ping says the engine is still there) */
  private knownVersion: { value: string; at: number } | null = null;
  private knownProduct: EngineProduct | null = null;
  /** false once the engine refused `Init: true` (Podman without catatonit) */
  private initAvailable = true;

  async version(): Promise<string> {
    if (this.knownVersion && Date.now() - this.knownVersion.at < 60_000) {
      await this.ping();
      return this.knownVersion.value;
    }
    try {
      const v = await engineCall(() => this.docker.version());
      this.knownVersion = { value: v.Version, at: Date.now() };
      this.knownProduct = engineProductOf(v);
      return v.Version;
    } catch (err) {
      this.knownVersion = null;
      throw err;
    }
  }

  async product(): Promise<EngineProduct> {
    if (!this.knownProduct) await this.version();
    return this.knownProduct ?? 'docker';
  }

  async ping(): Promise<void> {
    try {
      await engineCall(() => this.docker.ping());
    } catch (err) {
      this.knownVersion = null;
      throw err;
    }
  }

  async hasImage(ref: string): Promise<boolean> {
    return engineCall(
      async () => {
        await this.docker.getImage(ref).inspect();
        return true;
      },
      { 404: false },
    );
  }

  async listImages(): Promise<ImageSummary[]> {
    return engineCall(async () => {
      const list = await this.docker.listImages();
      const named = list.filter((i) => (i.RepoTags ?? []).some((t) => t !== '<none>:<none>'));
      return await Promise.all(
        named.map(async (i) => {
          const info = await this.docker
            .getImage(i.Id)
            .inspect()
            .catch(() => null);
          return {
            id: i.Id,
            names: (i.RepoTags ?? []).filter((t) => t !== '<none>:<none>'),
            sizeBytes: i.Size,
            env: info?.Config?.Env ?? [],
            labels: { ...(info?.Config?.Labels ?? {}) },
          };
        }),
      );
    });
  }

  async pullImage(ref: string, onProgress: (line: string) => void): Promise<void> {
    let stream: NodeJS.ReadableStream;
    try {
      stream = (await this.docker.pull(ref)) as NodeJS.ReadableStream;
    } catch (err) {
      const message = (err as { json?: { message?: string } }).json?.message ?? (err as Error).message;
      if (isConnectionError(err)) mapEngineError(err);
      throw new Error(message);
    }
    await new Promise<void>((resolve, reject) => {
      this.docker.modem.followProgress(
        stream,
        (err: Error | null, output: Array<{ error?: string }>) => {
          const failed = output?.find((o) => o.error);
          if (err || failed) reject(new Error(failed?.error ?? err?.message ?? 'pull failed'));
          else resolve();
        },
        (event: { status?: string; progress?: string; id?: string }) => {
          const parts = [event.id, event.status, event.progress].filter(Boolean);
          if (parts.length) onProgress(parts.join(' '));
        },
      );
    });
  }

  async createContainer(spec: ContainerSpec): Promise<string> {
    const exposed: Record<string, object> = {};
    const portBindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
    for (const port of [spec.publishTcpPort, ...(spec.extraTcpPorts ?? [])]) {
      if (port === undefined) continue;
      exposed[`${port}/tcp`] = {};
      portBindings[`${port}/tcp`] = [{ HostIp: '127.0.0.1', HostPort: '' }];
    }
    const wantsInit = (spec.init ?? false) && this.initAvailable;
    const id = await engineCall(async () => {
      try {
        const container = await this.docker.createContainer({
          Image: spec.image,
          Cmd: [...spec.cmd],
          Entrypoint: spec.entrypoint ? [...spec.entrypoint] : undefined,
          Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
          Labels: { ...spec.labels },
          WorkingDir: spec.workingDir,
          Hostname: spec.hostname,
          ExposedPorts: exposed,
          AttachStdout: false,
          AttachStderr: false,
          Tty: false,
          HostConfig: {
            Binds: [...spec.binds],
            PortBindings: portBindings,
            Memory: spec.memoryBytes,
            MemorySwap: spec.memoryBytes,
            PidsLimit: spec.pidsLimit,
            Init: wantsInit,
            CapDrop: spec.hardened ? ['ALL'] : undefined,
            CapAdd: spec.capAdd?.length ? [...spec.capAdd] : undefined,
            SecurityOpt: spec.hardened ? ['no-new-privileges'] : undefined,
            ExtraHosts: spec.extraHosts ? [...spec.extraHosts] : undefined,
            AutoRemove: false,
            LogConfig: { Type: 'json-file', Config: { 'max-size': '100m', 'max-file': '3' } },
          },
        });
        return container.id;
      } catch (err) {
        if (statusCodeOf(err) === 404 && /no such image/i.test((err as Error).message))
          throw new ImageMissingError(spec.image);
        if (wantsInit && isMissingInitError(err)) return null;
        throw err;
      }
    });
    if (id === null) {
      this.initAvailable = false;
      return this.createContainer(spec);
    }
    await joinNetworks(this.docker, id, spec.networks ?? [], (c) => this.removeContainer(c));
    return id;
  }

  async startContainer(id: string): Promise<void> {
    await engineCall(() => this.docker.getContainer(id).start(), { 304: undefined });
  }

  async inspectContainer(id: string): Promise<ContainerStatus | null> {
    return engineCall(
      async () => {
        const info = await this.docker.getContainer(id).inspect();
        const ports = info.NetworkSettings?.Ports ?? {};
        let hostPort: number | null = null;
        const hostPorts: Record<number, number> = {};
        for (const [key, bindings] of Object.entries(ports)) {
          const first = (bindings as Array<{ HostPort?: string }> | null)?.[0];
          if (!first?.HostPort) continue;
          hostPort ??= Number(first.HostPort);
          hostPorts[Number.parseInt(key, 10)] = Number(first.HostPort);
        }
        const state = containerState(info.State);
        return {
          id: info.Id,
          state,
          running: info.State.Running || info.State.Restarting,
          exitCode: state === 'exited' || state === 'dead' ? info.State.ExitCode : null,
          oomKilled: info.State.OOMKilled,
          hostPort,
          hostPorts,
          startedAtMs: engineTime(info.State.StartedAt),
          finishedAtMs: engineTime(info.State.FinishedAt),
          labels: info.Config.Labels ?? {},
          ipAddress:
            info.NetworkSettings?.Networks?.bridge?.IPAddress ||
            Object.values(info.NetworkSettings?.Networks ?? {}).find((n) => n.IPAddress)?.IPAddress ||
            null,
        };
      },
      { 404: null },
    );
  }

  async waitContainer(id: string): Promise<number> {
    const result = (await engineCall(() => this.docker.getContainer(id).wait())) as { StatusCode: number };
    return result.StatusCode;
  }

  async attachOutput(id: string, onData: (stream: OutputStream, data: Buffer) => void): Promise<LogFollow> {
    const stream = await engineCall(() =>
      this.docker.getContainer(id).attach({ stream: true, stdout: true, stderr: true }),
    );
    return demuxedFollow(stream as unknown as IncomingMessage, onData);
  }

  async readLogs(
    id: string,
    follow: boolean,
    onData: (stream: OutputStream, data: Buffer) => void,
  ): Promise<LogFollow> {
    const container = this.docker.getContainer(id);
    return engineCall(async () => {
      if (follow) {
        const stream = await container.logs({ follow: true, stdout: true, stderr: true });
        return demuxedFollow(stream as unknown as IncomingMessage, onData);
      }
      // what is stored so far, in one body (bounded: only read for output under the log cap)
      const body = await container.logs({ follow: false, stdout: true, stderr: true });
      createFrameDemuxer(onData)(body);
      return { done: Promise.resolve(), stop: () => undefined };
    });
  }

  async followStats(id: string, onSample: (sample: ContainerStatsSample) => void): Promise<LogFollow> {
    const stream = (await engineCall(() =>
      this.docker.getContainer(id).stats({ stream: true }),
    )) as unknown as IncomingMessage;
    // one JSON object per line, one line a second
    onJsonLines(stream, (value) => {
      let sample: ContainerStatsSample | null = null;
      try {
        sample = toStatsSample(value as EngineStats);
      } catch {
        // a malformed sample is skipped
      }
      if (sample) onSample(sample);
    });
    return { done: streamEnded(stream), stop: () => stream.destroy() };
  }

  async killContainer(id: string): Promise<void> {
    await engineCall(() => this.docker.getContainer(id).kill(), { 404: undefined, 409: undefined, 304: undefined });
  }

  async stopContainer(id: string, graceSeconds: number): Promise<void> {
    await engineCall(() => this.docker.getContainer(id).stop({ t: graceSeconds }), {
      404: undefined,
      409: undefined,
      304: undefined,
    });
  }

  async removeVolume(name: string): Promise<void> {
    await engineCall(() => this.docker.getVolume(name).remove(), { 404: undefined });
  }

  async removeContainer(id: string): Promise<void> {
    await engineCall(() => this.docker.getContainer(id).remove({ force: true, v: true }), {
      404: undefined,
      409: undefined,
    });
  }

  async listContainers(labels: Readonly<Record<string, string>>): Promise<ContainerSummary[]> {
    const list = await engineCall(() =>
      this.docker.listContainers({ all: true, filters: { label: labelFilters(labels) } }),
    );
    return list.map((c) => ({
      id: c.Id,
      running: c.State === 'running',
      labels: c.Labels ?? {},
      ipAddresses: Object.values(c.NetworkSettings?.Networks ?? {}).flatMap((n) => (n.IPAddress ? [n.IPAddress] : [])),
    }));
  }

  listNetworks(): Promise<NetworkSummary[]> {
    return listNetworks(this.docker);
  }

  async inspectNetwork(name: string): Promise<NetworkInfo | null> {
    return engineCall(
      async () => {
        const info = (await this.docker.getNetwork(name).inspect()) as {
          IPAM?: { Config?: Array<{ Subnet?: string; Gateway?: string }> };
        };
        const config = (info.IPAM?.Config ?? []).filter((c) => c.Subnet && !c.Subnet.includes(':'));
        return {
          subnets: config.map((c) => c.Subnet!),
          gateways: config.flatMap((c) => (c.Gateway ? [c.Gateway] : [])),
        };
      },
      { 404: null },
    );
  }

  private readonly peaks = new CgroupPeakReader();

  async readMemoryPeak(id: string): Promise<number | null> {
    const fromCgroup = await this.peaks.read(id);
    if (fromCgroup !== null) return fromCgroup;
    return engineCall(
      async () => {
        const stats = (await this.docker.getContainer(id).stats({ stream: false })) as {
          memory_stats?: { usage?: number; max_usage?: number; stats?: Record<string, number> };
        };
        const m = stats.memory_stats;
        if (!m || typeof m.usage !== 'number') return null;
        return m.max_usage ?? m.usage - (m.stats?.inactive_file ?? 0);
      },
      { 404: null, 409: null },
    );
  }

  async watchEvents(
    labels: Readonly<Record<string, string>>,
    onEvent: (event: EngineEvent) => void,
    onClosed: (err: Error | null) => void,
  ): Promise<() => void> {
    const stream = (await engineCall(() =>
      this.docker.getEvents({ filters: { type: ['container'], label: labelFilters(labels) } }),
    )) as NodeJS.ReadableStream & { destroy?: () => void };
    let closed = false;
    const close = (err: Error | null) => {
      if (closed) return;
      closed = true;
      onClosed(err);
    };
    onJsonLines(stream, (value) => {
      const e = value as {
        id?: string;
        Action?: string;
        Actor?: { ID?: string; Attributes?: Record<string, string> };
      } | null;
      if (typeof e !== 'object' || e === null) return;
      onEvent({ containerId: e.Actor?.ID ?? e.id ?? '', action: e.Action ?? '', labels: e.Actor?.Attributes ?? {} });
    });
    stream.on('end', () => close(null));
    stream.on('error', (err: Error) => close(err));
    // an engine that goes away closes the socket without ending the response
    stream.on('aborted', () => close(new Error('engine event stream aborted')));
    stream.on('close', () => close(null));
    return () => {
      closed = true;
      stream.destroy?.();
    };
  }
}
