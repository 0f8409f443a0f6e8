// What a function's pool is given, and what makes one of its warm containers reusable.
import type { DockerEngine } from '../../adapters/docker/docker-engine.js';
import type { Clock } from '../../clock.js';
import type { AwsInvocation } from '../../contract/aws.js';
import type { Project } from '../../contract/types.js';
import type { EnvironmentProvider } from '../../domain/project-environment.js';
import type { CompilationRecord } from '../../domain/records.js';
import type { LogStore } from '../logs/index.js';
import type { RuntimeNetwork } from './runtime-network.js';

/** Invocations that may wait for a container before the function answers TooManyRequests. */
export const MAX_QUEUED = 1000;

export class ThrottledError extends Error {}

export interface FunctionPoolDeps {
  readonly engine: DockerEngine;
  readonly logs: LogStore;
  readonly clock: Clock;
  readonly labels: Readonly<Record<string, string>>;
  readonly log: (line: string) => void;
  readonly network: () => Promise<RuntimeNetwork>;
  readonly idleMs: number;
  /** the project as it is now; undefined once it is deleted */
  readonly project: () => Project | undefined;
  readonly latestBuild: () => CompilationRecord | undefined;
  /** an invocation was queued, started or ended */
  readonly changed: (record: AwsInvocation) => void;
  /** the project's env file, environment and secrets */
  readonly environment: EnvironmentProvider;
}

/** The settings a container was started with: one that differs takes no more invocations. */
export function fingerprintOf(project: Project, build: CompilationRecord, configVersion: number): string {
  return JSON.stringify([
    build.id,
    project.name,
    project.dockerImage,
    project.memoryLimitMb,
    project.pidsLimit,
    project.environment,
    project.envFile,
    configVersion,
    project.networks,
  ]);
}
