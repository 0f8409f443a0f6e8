// `swiftlambda-local`: the emulator as a library for test suites (SPEC §11).
export {
  startEmulator,
  BuildFailedError,
  type Emulator,
  type EmulatorProject,
  type StartEmulatorOptions,
} from './start-emulator.js';
export type { ServiceRun } from './service-run.js';
