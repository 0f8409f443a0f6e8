import { readFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import Docker from 'dockerode';
import { AppError } from '../../errors.js';
import {
  ImageMissingError,
  type ContainerSpec,
  type ContainerState,
  type ContainerStatsSample,
  ContainerStatus,
  ContainerSummary,
  type DockerEngine,
  type EngineEvent,
  type ImageSummary,
  type LogFollow,
  type NetworkInfo,
  type OutputStream,
} from './docker-engine.js';
import { toStatsSample, type EngineStats } from './engine-stats.js';

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ENOENT',
  'EACCES',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
]);

function statusCodeOf(err: unknown): number | undefined {
  return (err as { statusCode?: number }).statusCode;
}

/** Engine unreachable → AppError('docker_unavailable'); anything else passes through. */
function mapEngineError(err: unknown): never {
  const code = (err as NodeJS.ErrnoException).code;
  if (code && CONNECTION_CODES.has(code)) {
    throw new AppError(
      'docker_unavailable',
      `the Docker engine is not reachable (${code}); start Docker and try again`,
    );
  }
  throw err;
}

function labelFilters(labels: Readonly<Record<string, string>>): string[] {
  return Object.entries(labels).map(([k, v]) => `${k}=${v}`);
}

/**
 * Docker's multiplexed stream (8-byte header: stream type, 3 zero bytes, payload size, then the
 * payload) → (stream, bytes) callbacks. Payload bytes are handed on as they arrive, a frame
 * possibly in several pieces: only a header split across reads is buffered (8 bytes), never a
 * frame, so a 1 GB flood is not copied once more on its way in.
 */
export function createFrameDemuxer(onData: (stream: OutputStream, data: Buffer) => void): (chunk: Buffer) => void {
  const header = Buffer.alloc(8);
  let headerFill = 0;
  let stream: OutputStream = 'stdout';
  let remaining = 0;
  return (chunk: Buffer) => {
    let offset = 0;
    while (offset < chunk.length) {
      if (remaining > 0) {
        const n = Math.min(remaining, chunk.length - offset);
        onData(stream, n === chunk.length ? chunk : chunk.subarray(offset, offset + n));
        remaining -= n;
        offset += n;
        continue;
      }
      if (headerFill === 0 && chunk.length - offset >= 8) {
        stream = chunk[offset] === 2 ? 'stderr' : 'stdout';
        remaining = chunk.readUInt32BE(offset + 4);
        offset += 8;
        continue;
      }
      const n = Math.min(8 - headerFill, chunk.length - offset);
      chunk.copy(header, headerFill, offset, offset + n);
      headerFill += n;
      offset += n;
      if (headerFill === 8) {
        stream = header[0] === 2 ? 'stderr' : 'stdout';
        remaining = header.readUInt32BE(4);
        headerFill = 0;
      }
    }
  };
}

/** Demultiplexes an engine output stream; `done` resolves when it ends, however it ends. */
function demuxedFollow(stream: IncomingMessage, onData: (stream: OutputStream, data: Buffer) => void): LogFollow {
  const demux = createFrameDemuxer(onData);
  const done = new Promise<void>((resolve) => {
    stream.on('data', (chunk: Buffer) => demux(chunk));
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', () => resolve());
  });
  return { done, stop: () => stream.destroy() };
}

const CONTAINER_STATES: ReadonlySet<string> = new Set<ContainerState>([
  'created',
  'running',
  'paused',
  'restarting',
  'removing',
  'exited',
  'dead',
]);

/** The inspect answer's state; engines older than API 1.21 have no `Status`, only the flags. */
function containerState(state: Docker.ContainerInspectInfo['State']): ContainerState {
  if (CONTAINER_STATES.has(state.Status)) return state.Status as ContainerState;
  if (state.Running) return 'running';
  return engineTime(state.StartedAt) === null ? 'created' : 'exited';
}

/** An inspect timestamp in unix ms; the engine writes year 1 for "never". */
function engineTime(value: string | undefined): number | null {
  const ms = value ? Date.parse(value) : NaN;
  return Number.isFinite(ms) && ms > 0 ? ms : null;
}

export class DockerodeEngine implements DockerEngine {
  private readonly docker: Docker;

  /** Honours DOCKER_HOST (and the other DOCKER_* variables) the way the docker CLI does. */
  constructor(options?: Docker.DockerOptions) {
    this.docker = new Docker(options);
  }

  /** the last version seen, re-read at most once a minute (a ping says the engine is still there) */
  private knownVersion: { value: string; at: number } | null = null;

  async version(): Promise<string> {
    if (this.knownVersion && Date.now() - this.knownVersion.at < 60_000) {
      await this.ping();
      return this.knownVersion.value;
    }
    try {
      const v = await this.docker.version();
      this.knownVersion = { value: v.Version, at: Date.now() };
      return v.Version;
    } catch (err) {
      this.knownVersion = null;
      return mapEngineError(err);
    }
  }

  async ping(): Promise<void> {
    try {
      await this.docker.ping();
    } catch (err) {
      this.knownVersion = null;
      mapEngineError(err);
    }
  }

  async hasImage(ref: string): Promise<boolean> {
    try {
      await this.docker.getImage(ref).inspect();
      return true;
    } catch (err) {
      if (statusCodeOf(err) === 404) return false;
      return mapEngineError(err);
    }
  }

  async listImages(): Promise<ImageSummary[]> {
    try {
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
    } catch (err) {
      return mapEngineError(err);
    }
  }

  async pullImage(ref: string, onProgress: (line: string) => void): Promise<void> {
    let stream: NodeJS.ReadableStream;
    try {
      stream = (await this.docker.pull(ref)) as NodeJS.ReadableStream;
    } catch (err) {
      const message = (err as { json?: { message?: string } }).json?.message ?? (err as Error).message;
      if ((err as NodeJS.ErrnoException).code && CONNECTION_CODES.has((err as NodeJS.ErrnoException).code!))
        mapEngineError(err);
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
    if (spec.publishTcpPort !== undefined) {
      const key = `${spec.publishTcpPort}/tcp`;
      exposed[key] = {};
      portBindings[key] = [{ HostIp: '127.0.0.1', HostPort: '' }];
    }
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
          Init: spec.init ?? false,
          CapDrop: spec.hardened ? ['ALL'] : undefined,
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
      return mapEngineError(err);
    }
  }

  async startContainer(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).start();
    } catch (err) {
      if (statusCodeOf(err) === 304) return;
      mapEngineError(err);
    }
  }

  async inspectContainer(id: string): Promise<ContainerStatus | null> {
    try {
      const info = await this.docker.getContainer(id).inspect();
      const ports = info.NetworkSettings?.Ports ?? {};
      let hostPort: number | null = null;
      for (const bindings of Object.values(ports)) {
        const first = (bindings as Array<{ HostPort?: string }> | null)?.[0];
        if (first?.HostPort) {
          hostPort = Number(first.HostPort);
          break;
        }
      }
      const state = containerState(info.State);
      return {
        id: info.Id,
        state,
        running: info.State.Running || info.State.Restarting,
        exitCode: state === 'exited' || state === 'dead' ? info.State.ExitCode : null,
        oomKilled: info.State.OOMKilled,
        hostPort,
        startedAtMs: engineTime(info.State.StartedAt),
        finishedAtMs: engineTime(info.State.FinishedAt),
        labels: info.Config.Labels ?? {},
        ipAddress: Object.values(info.NetworkSettings?.Networks ?? {}).find((n) => n.IPAddress)?.IPAddress || null,
      };
    } catch (err) {
      if (statusCodeOf(err) === 404) return null;
      return mapEngineError(err);
    }
  }

  async waitContainer(id: string): Promise<number> {
    try {
      const result = (await this.docker.getContainer(id).wait()) as { StatusCode: number };
      return result.StatusCode;
    } catch (err) {
      return mapEngineError(err);
    }
  }

  async attachOutput(id: string, onData: (stream: OutputStream, data: Buffer) => void): Promise<LogFollow> {
    let stream: NodeJS.ReadableStream;
    try {
      stream = await this.docker.getContainer(id).attach({ stream: true, stdout: true, stderr: true });
    } catch (err) {
      return mapEngineError(err);
    }
    return demuxedFollow(stream as IncomingMessage, onData);
  }

  async readLogs(
    id: string,
    follow: boolean,
    onData: (stream: OutputStream, data: Buffer) => void,
  ): Promise<LogFollow> {
    const container = this.docker.getContainer(id);
    try {
      if (follow) {
        const stream = await container.logs({ follow: true, stdout: true, stderr: true });
        return demuxedFollow(stream as unknown as IncomingMessage, onData);
      }
      // what is stored so far, in one body (bounded: only read for output under the log cap)
      const body = await container.logs({ follow: false, stdout: true, stderr: true });
      createFrameDemuxer(onData)(body);
      return { done: Promise.resolve(), stop: () => undefined };
    } catch (err) {
      return mapEngineError(err);
    }
  }

  async followStats(id: string, onSample: (sample: ContainerStatsSample) => void): Promise<LogFollow> {
    let stream: IncomingMessage;
    try {
      stream = (await this.docker.getContainer(id).stats({ stream: true })) as unknown as IncomingMessage;
    } catch (err) {
      return mapEngineError(err);
    }
    // one JSON object per line, one line a second
    let buffered = '';
    stream.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (!line.trim()) continue;
        let sample: ContainerStatsSample | null = null;
        try {
          sample = toStatsSample(JSON.parse(line) as EngineStats);
        } catch {
          // a malformed line is skipped
        }
        if (sample) onSample(sample);
      }
    });
    const done = new Promise<void>((resolve) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', () => resolve());
    });
    return { done, stop: () => stream.destroy() };
  }

  async killContainer(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).kill();
    } catch (err) {
      const status = statusCodeOf(err);
      if (status === 404 || status === 409 || status === 304) return;
      mapEngineError(err);
    }
  }

  async stopContainer(id: string, graceSeconds: number): Promise<void> {
    try {
      await this.docker.getContainer(id).stop({ t: graceSeconds });
    } catch (err) {
      const status = statusCodeOf(err);
      if (status === 404 || status === 409 || status === 304) return;
      mapEngineError(err);
    }
  }

  async removeVolume(name: string): Promise<void> {
    try {
      await this.docker.getVolume(name).remove();
    } catch (err) {
      if (statusCodeOf(err) === 404) return;
      mapEngineError(err);
    }
  }

  async removeContainer(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).remove({ force: true, v: true });
    } catch (err) {
      const status = statusCodeOf(err);
      if (status === 404 || status === 409) return;
      mapEngineError(err);
    }
  }

  async listContainers(labels: Readonly<Record<string, string>>): Promise<ContainerSummary[]> {
    try {
      const list = await this.docker.listContainers({ all: true, filters: { label: labelFilters(labels) } });
      return list.map((c) => ({ id: c.Id, running: c.State === 'running', labels: c.Labels ?? {} }));
    } catch (err) {
      return mapEngineError(err);
    }
  }

  async inspectNetwork(name: string): Promise<NetworkInfo | null> {
    try {
      const info = (await this.docker.getNetwork(name).inspect()) as {
        IPAM?: { Config?: Array<{ Subnet?: string; Gateway?: string }> };
      };
      const config = (info.IPAM?.Config ?? []).filter((c) => c.Subnet && !c.Subnet.includes(':'));
      return { subnets: config.map((c) => c.Subnet!), gateways: config.flatMap((c) => (c.Gateway ? [c.Gateway] : [])) };
    } catch (err) {
      if (statusCodeOf(err) === 404) return null;
      return mapEngineError(err);
    }
  }

  /** the cgroup file that held a container's peak last time (v1 cgroupfs and systemd, v2 systemd and cgroupfs) */
  private peakFileIndex = 0;

  async readMemoryPeak(id: string): Promise<number | null> {
    if (/^[0-9a-f]{64}$/.test(id)) {
      const files = [
        `/sys/fs/cgroup/memory/docker/${id}/memory.max_usage_in_bytes`,
        `/sys/fs/cgroup/memory/system.slice/docker-${id}.scope/memory.max_usage_in_bytes`,
        `/sys/fs/cgroup/system.slice/docker-${id}.scope/memory.peak`,
        `/sys/fs/cgroup/docker/${id}/memory.peak`,
      ];
      for (let i = 0; i < files.length; i++) {
        const index = (this.peakFileIndex + i) % files.length;
        const text = await readFile(files[index]!, 'utf8').catch(() => null);
        if (text !== null && /^\d+\s*$/.test(text)) {
          this.peakFileIndex = index;
          return Number(text);
        }
      }
    }
    try {
      const stats = (await this.docker.getContainer(id).stats({ stream: false })) as {
        memory_stats?: { usage?: number; max_usage?: number; stats?: Record<string, number> };
      };
      const m = stats.memory_stats;
      if (!m || typeof m.usage !== 'number') return null;
      return m.max_usage ?? m.usage - (m.stats?.inactive_file ?? 0);
    } catch (err) {
      const status = statusCodeOf(err);
      if (status === 404 || status === 409) return null;
      return mapEngineError(err);
    }
  }

  async watchEvents(
    labels: Readonly<Record<string, string>>,
    onEvent: (event: EngineEvent) => void,
    onClosed: (err: Error | null) => void,
  ): Promise<() => void> {
    let stream: NodeJS.ReadableStream & { destroy?: () => void };
    try {
      stream = (await this.docker.getEvents({
        filters: { type: ['container'], label: labelFilters(labels) },
      })) as NodeJS.ReadableStream & { destroy?: () => void };
    } catch (err) {
      return mapEngineError(err);
    }
    let buffered = '';
    let closed = false;
    const close = (err: Error | null) => {
      if (closed) return;
      closed = true;
      onClosed(err);
    };
    stream.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (!line) continue;
        try {
          const e = JSON.parse(line) as {
            id?: string;
            Action?: string;
            Actor?: { ID?: string; Attributes?: Record<string, string> };
          };
          onEvent({
            containerId: e.Actor?.ID ?? e.id ?? '',
            action: e.Action ?? '',
            labels: e.Actor?.Attributes ?? {},
          });
        } catch {
          // a malformed event line is skipped
        }
      }
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
