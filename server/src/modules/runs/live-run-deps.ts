// What a live run is given by the runs service.
import type { DockerEngine } from '../../adapters/docker/docker-engine.js';
import type { Clock } from '../../clock.js';
import type { EnvironmentProvider } from '../../domain/project-environment.js';
import type { LogStore } from '../logs/index.js';
import type { ContainerReach } from '../networks/index.js';
import type { RunStats } from './run-stats.js';

export interface LiveRunDeps {
  readonly engine: DockerEngine;
  readonly logs: LogStore;
  readonly clock: Clock;
  readonly labels: Readonly<Record<string, string>>;
  readonly stats: RunStats;
  /** the project's configuration, read when the container is made */
  readonly environment: EnvironmentProvider;
  /** persist the record (coalesced) */
  readonly save: () => Promise<void>;
  readonly log: (line: string) => void;
  /** how containers reach this machine and the API (absent: no extra hosts, no API URL) */
  readonly reach?: () => Promise<ContainerReach>;
}
