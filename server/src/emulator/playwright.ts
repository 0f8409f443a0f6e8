// `swiftlambda-local/playwright`: Playwright's `test` with a worker-scoped `swiftlambda` fixture,
// one emulator per worker, its projects built before the worker's first test that uses it.
import { test as base } from '@playwright/test';
import { startEmulator, type Emulator, type StartEmulatorOptions } from './start-emulator.js';

export { expect } from '@playwright/test';
export type { Emulator, EmulatorProject, StartEmulatorOptions } from './start-emulator.js';
export type { ServiceRun } from './service-run.js';

export interface SwiftLambdaWorkerFixtures {
  /** what the worker's emulator builds: set with `test.use({ swiftlambdaOptions: … })` at a file's top level or in the config */
  swiftlambdaOptions: StartEmulatorOptions;
  /** the worker's emulator: `url`, `apiKey`, `consoleToken`, `projects`, `startService(name, args?)` */
  swiftlambda: Emulator;
}

/** Builds take minutes on a busy machine: the fixture's own budget, not the test's. */
const SETUP_TIMEOUT_MS = 15 * 60_000;

export const test = base.extend<object, SwiftLambdaWorkerFixtures>({
  swiftlambdaOptions: [{ projects: {} }, { scope: 'worker', option: true }],
  swiftlambda: [
    async ({ swiftlambdaOptions }, use) => {
      const emulator = await startEmulator(swiftlambdaOptions);
      try {
        await use(emulator);
      } finally {
        await emulator.stop();
      }
    },
    { scope: 'worker', timeout: SETUP_TIMEOUT_MS },
  ],
});
