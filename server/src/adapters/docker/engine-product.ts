// Which container engine answers the Docker API, from its version answer.
import type { EngineProduct } from './docker-engine.js';

export interface EngineVersionInfo {
  readonly Platform?: { readonly Name?: string };
  readonly Components?: ReadonlyArray<{ readonly Name?: string }>;
  readonly OperatingSystem?: string;
}

/**
 * Podman's compatible API names its component "Podman Engine"; Docker Desktop's platform is
 * "Docker Desktop 4.x (…)"; anything else is taken for Docker Engine.
 */
export function engineProductOf(info: EngineVersionInfo): EngineProduct {
  if ((info.Components ?? []).some((c) => /podman/i.test(c.Name ?? ''))) return 'podman';
  if (/docker desktop/i.test(info.Platform?.Name ?? '') || /docker desktop/i.test(info.OperatingSystem ?? ''))
    return 'docker-desktop';
  return 'docker';
}

/** Podman without catatonit refuses `Init: true` ("container-init binary not found … catatonit"). */
export function isMissingInitError(err: unknown): boolean {
  return /catatonit|container-init binary|init binary/i.test((err as Error)?.message ?? '');
}
