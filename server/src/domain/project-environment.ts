// What a project's code is given besides the emulator's own variables, and how the layers stack.
import { NO_MASK, type SecretMask } from './secret-mask.js';

/** A project's configuration for one run or function container: variables and the mask of its secrets. */
export interface ProjectEnvironment {
  /** envFile, then `environment`, then secrets: a later layer wins */
  readonly env: Readonly<Record<string, string>>;
  readonly mask: SecretMask;
}

/** Where runs and functions get a project's configuration (read when each container is made). */
export interface EnvironmentProvider {
  /** rejects with an Error naming the env file when it cannot be read */
  forProject(projectId: string): Promise<ProjectEnvironment>;
  /** the mask of the project's current secrets (for output stored after a restart) */
  maskFor(projectId: string): SecretMask;
}

/** No configuration at all: what runs get when nothing provides it (unit tests). */
export const NO_ENVIRONMENT: EnvironmentProvider = {
  forProject: () => Promise.resolve({ env: {}, mask: NO_MASK }),
  maskFor: () => NO_MASK,
};

/**
 * The layers, lowest first: the env file, the project's environment, its secrets, then the
 * emulator's own variables, which nothing overrides.
 */
export function stackEnvironment(
  ...layers: ReadonlyArray<Readonly<Record<string, string>> | undefined>
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const layer of layers) if (layer) for (const [name, value] of Object.entries(layer)) out[name] = value;
  return out;
}
