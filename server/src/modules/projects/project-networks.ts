// The project field `networks`: names of existing Docker networks each run joins.
import { z } from 'zod';

export const MAX_PROJECT_NETWORKS = 5;

/** Networks a container on the default bridge cannot also join, or joins already. */
const RESERVED = new Set(['bridge', 'host', 'none', 'default']);

/** Up to 5 distinct Docker network names (or ids), none of host/none/bridge. */
export const projectNetworksSchema = z
  .array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/))
  .max(MAX_PROJECT_NETWORKS)
  .refine((names) => new Set(names).size === names.length, 'a network is named twice')
  .refine(
    (names) => names.every((n) => !RESERVED.has(n)),
    'bridge, host and none cannot be joined: every run is on the default bridge already',
  );
