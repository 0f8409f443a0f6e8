// `swiftlambda-local`: the emulator as a library for test suites (docs/api.md#tests-that-use-the-emulator).
export {
  startEmulator,
  BuildFailedError,
  type Emulator,
  type EmulatorProject,
  type StartEmulatorOptions,
} from './start-emulator.js';
export type { ServiceRun } from './service-run.js';
export { readEventStream, type StreamEvent } from './event-stream.js';
