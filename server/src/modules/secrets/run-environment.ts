import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'dotenv';
import type { EnvironmentProvider, ProjectEnvironment } from '../../domain/project-environment.js';
import { stackEnvironment } from '../../domain/project-environment.js';
import type { SecretMask } from '../../domain/secret-mask.js';
import type { ProjectsService } from '../projects/index.js';
import type { SecretsService } from './secrets-service.js';

/** An env file bigger than this is refused: it is configuration, not data. */
const MAX_ENV_FILE_BYTES = 1024 * 1024;

/** The project's env file could not be read: the message names it (it becomes the run's errorSummary). */
export class EnvFileError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'EnvFileError';
  }
}

/** Reads `envFile` (relative to the package folder) with dotenv's rules: comments, quotes, `export`. */
export async function readEnvFile(packageFolder: string, envFile: string): Promise<Record<string, string>> {
  const file = join(packageFolder, envFile);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new EnvFileError(`could not read the env file ${envFile} (${file}): ${code}`, { cause: err });
  }
  if (bytes.length > MAX_ENV_FILE_BYTES)
    throw new EnvFileError(`the env file ${envFile} (${file}) is larger than ${MAX_ENV_FILE_BYTES} bytes`);
  return parse(bytes);
}

/** A project's configuration, read fresh for every container: the env file is re-read each time. */
export class EnvironmentSource implements EnvironmentProvider {
  constructor(
    private readonly projects: ProjectsService,
    private readonly secrets: SecretsService,
  ) {}

  async forProject(projectId: string): Promise<ProjectEnvironment> {
    const project = this.projects.get(projectId);
    const fromFile = project.envFile ? await readEnvFile(project.sourcePath, project.envFile) : {};
    return {
      env: stackEnvironment(fromFile, project.environment, this.secrets.values(projectId)),
      mask: this.secrets.maskFor(projectId),
    };
  }

  maskFor(projectId: string): SecretMask {
    return this.secrets.maskFor(projectId);
  }
}
