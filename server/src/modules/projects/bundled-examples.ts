import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ExamplePackage } from '../../contract/types.js';

const KNOWN: ReadonlyArray<Omit<ExamplePackage, 'path'>> = [
  {
    name: 'hello',
    targetName: 'hello',
    mode: 'oneShot',
    description: 'a one-shot that prints its arguments and environment',
  },
  {
    name: 'echo-service',
    targetName: 'echo-service',
    mode: 'service',
    description: 'an HTTP service on $PORT that echoes requests',
  },
];

/** The example packages shipped in `dir` (resources/examples), offered by the console's first-run page. */
export function bundledExamples(dir: string): ExamplePackage[] {
  return KNOWN.filter((e) => existsSync(join(dir, e.name, 'Package.swift'))).map((e) => ({
    ...e,
    path: join(dir, e.name),
  }));
}
