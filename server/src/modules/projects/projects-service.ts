import { randomUUID } from 'node:crypto';
import type { Store } from '../../adapters/store/store.js';
import type { Clock } from '../../clock.js';
import { unixSeconds } from '../../clock.js';
import type { BuildConfiguration, FunctionRuntime, Project } from '../../contract/types.js';
import { checkEnvironment } from '../../domain/env-names.js';
import { AppError } from '../../errors.js';
import { checkPackage } from './package-manifest.js';

export interface ProjectDefaults {
  readonly dockerImage: string;
  readonly runTimeoutSeconds: number;
  readonly memoryLimitMb: number;
  readonly pidsLimit: number;
}

export const DEFAULT_PROJECT_SETTINGS = { runTimeoutSeconds: 60, memoryLimitMb: 1024, pidsLimit: 512 } as const;
/** Settings added after the first release: projects stored before them get these. */
const LATER_SETTINGS = {
  watch: false,
  buildConfiguration: 'release',
  stopGraceSeconds: 10,
  devRunTimeoutSeconds: 3600,
  restartOnFailure: true,
  runtime: 'process',
  reservedConcurrency: 10,
  networks: [] as readonly string[],
} as const;

export interface CreateProjectInput {
  readonly name: string;
  readonly sourcePath: string;
  readonly targetName: string;
  readonly dockerImage?: string | undefined;
  readonly runTimeoutSeconds?: number | undefined;
  readonly publicInstances?: boolean | undefined;
  readonly memoryLimitMb?: number | undefined;
  readonly pidsLimit?: number | undefined;
  readonly watch?: boolean | undefined;
  readonly buildConfiguration?: BuildConfiguration | undefined;
  readonly stopGraceSeconds?: number | undefined;
  readonly devRunTimeoutSeconds?: number | undefined;
  readonly restartOnFailure?: boolean | undefined;
  readonly runtime?: FunctionRuntime | undefined;
  readonly reservedConcurrency?: number | undefined;
  readonly environment?: Record<string, string> | undefined;
  readonly envFile?: string | null | undefined;
  readonly networks?: readonly string[] | undefined;
}

export type UpdateProjectInput = Partial<Omit<CreateProjectInput, 'sourcePath'>>;

export class ProjectsService {
  private readonly changeListeners: Array<(projectId: string) => void> = [];

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly defaults: ProjectDefaults,
  ) {
    for (const project of store.data.projects) {
      for (const [field, value] of Object.entries(LATER_SETTINGS)) {
        if ((project as unknown as Record<string, unknown>)[field] === undefined)
          (project as unknown as Record<string, unknown>)[field] = Array.isArray(value) ? [...value] : value;
      }
      project.environment ??= {};
      project.envFile ??= null;
    }
  }

  /** Calls `listener` after a project is created or its settings change. */
  onChanged(listener: (projectId: string) => void): void {
    this.changeListeners.push(listener);
  }

  private announce(projectId: string): void {
    for (const listener of this.changeListeners) listener(projectId);
  }

  list(): Project[] {
    return [...this.store.data.projects].sort((a, b) => b.created - a.created);
  }

  exists(id: string): boolean {
    return this.store.data.projects.some((p) => p.id === id);
  }

  get(id: string): Project {
    const project = this.store.data.projects.find((p) => p.id === id);
    if (!project) throw new AppError('project_not_found', `no project with id ${id}`);
    return project;
  }

  private checkNameFree(name: string, except?: string): void {
    const taken = this.store.data.projects.some((p) => p.id !== except && p.name.toLowerCase() === name.toLowerCase());
    if (taken) throw new AppError('name_taken', `a project named "${name}" exists already`);
  }

  async create(input: CreateProjectInput): Promise<Project> {
    this.checkNameFree(input.name);
    if (input.environment) checkEnvironment(input.environment);
    await checkPackage(input.sourcePath, input.targetName);
    const now = unixSeconds(this.clock.now());
    const project: Project = {
      id: randomUUID(),
      name: input.name,
      sourcePath: input.sourcePath,
      targetName: input.targetName,
      dockerImage: input.dockerImage ?? this.defaults.dockerImage,
      runTimeoutSeconds: input.runTimeoutSeconds ?? this.defaults.runTimeoutSeconds,
      publicInstances: input.publicInstances ?? false,
      memoryLimitMb: input.memoryLimitMb ?? this.defaults.memoryLimitMb,
      pidsLimit: input.pidsLimit ?? this.defaults.pidsLimit,
      watch: input.watch ?? LATER_SETTINGS.watch,
      buildConfiguration: input.buildConfiguration ?? LATER_SETTINGS.buildConfiguration,
      stopGraceSeconds: input.stopGraceSeconds ?? LATER_SETTINGS.stopGraceSeconds,
      devRunTimeoutSeconds: input.devRunTimeoutSeconds ?? LATER_SETTINGS.devRunTimeoutSeconds,
      restartOnFailure: input.restartOnFailure ?? LATER_SETTINGS.restartOnFailure,
      runtime: input.runtime ?? LATER_SETTINGS.runtime,
      reservedConcurrency: input.reservedConcurrency ?? LATER_SETTINGS.reservedConcurrency,
      environment: { ...input.environment },
      envFile: input.envFile ?? null,
      networks: [...(input.networks ?? LATER_SETTINGS.networks)],
      created: now,
      updated: now,
    };
    await this.store.transact(() => {
      // checked again: another create may have taken the name while the package was checked
      this.checkNameFree(input.name);
      this.store.data.projects.push(project);
    });
    this.announce(project.id);
    return project;
  }

  /** Forgets the project itself; its runs and builds are removed first by their services. */
  async remove(id: string): Promise<void> {
    this.get(id);
    await this.store.transact(() => (this.store.data.projects = this.store.data.projects.filter((p) => p.id !== id)));
    this.announce(id);
  }

  async update(id: string, patch: UpdateProjectInput): Promise<Project> {
    const project = this.get(id);
    if (patch.name !== undefined) this.checkNameFree(patch.name, id);
    if (patch.environment !== undefined) checkEnvironment(patch.environment);
    if (patch.targetName !== undefined && patch.targetName !== project.targetName) {
      await checkPackage(project.sourcePath, patch.targetName);
    }
    const next: Project = { ...project };
    for (const [field, value] of Object.entries(patch)) {
      if (value !== undefined) (next as unknown as Record<string, unknown>)[field] = value;
    }
    next.updated = unixSeconds(this.clock.now());
    await this.store.transact(() => Object.assign(project, next), [project]);
    this.announce(project.id);
    return project;
  }
}
