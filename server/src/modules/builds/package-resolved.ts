import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { ResolvedPackage } from '../../contract/types.js';

// SwiftPM's Package.resolved: version 1 nests the pins under `object` and names them `package` and
// `repositoryURL`; versions 2 and 3 have `identity` and `location` at the top.
const pinSchema = z.object({
  identity: z.string().optional(),
  package: z.string().optional(),
  location: z.string().optional(),
  repositoryURL: z.string().optional(),
  state: z.object({ version: z.string().nullish(), revision: z.string().nullish() }).optional(),
});
const resolvedSchema = z.object({
  pins: z.array(z.unknown()).optional(),
  object: z.object({ pins: z.array(z.unknown()) }).optional(),
});

/** The pins of a Package.resolved (versions 1 to 3), or none when there is no readable file; a pin it cannot read is left out. */
export async function readResolvedPackages(file: string): Promise<ResolvedPackage[]> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    return [];
  }
  const resolved = resolvedSchema.safeParse(json);
  if (!resolved.success) return [];
  return (resolved.data.pins ?? resolved.data.object?.pins ?? []).flatMap((raw) => {
    const pin = pinSchema.safeParse(raw);
    if (!pin.success) return [];
    const identity = (pin.data.identity ?? pin.data.package ?? '').toLowerCase();
    if (!identity) return [];
    return [
      {
        identity,
        location: pin.data.location ?? pin.data.repositoryURL ?? '',
        version: pin.data.state?.version ?? null,
        revision: pin.data.state?.revision ?? null,
      },
    ];
  });
}
