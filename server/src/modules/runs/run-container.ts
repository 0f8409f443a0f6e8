import { dirname, posix } from 'node:path';
import type { ContainerSpec } from '../../adapters/docker/docker-engine.js';
import type { RunRecord } from '../../domain/records.js';
import type { ContainerReach } from '../networks/index.js';
import { DEBUG_CAPABILITIES, DEBUGGER_CONTAINER_PORT, debugLaunchScript } from './debug-launch.js';
import { SWIFT_BACKTRACE_SETTINGS, signalOfExitCode } from './crash-report.js';

export const SERVICE_PORT = 8080;

/** Seconds past the deadline after which the container kills itself if nobody else has. */
export const DEADLINE_BACKSTOP_SECONDS = 5;

/**
 * The command that starts the binary. `$0` is the binary and `$@` its arguments, so nothing the
 * user sent is parsed by the shell; the only value written into the script is our own integer.
 * - Swift's `print` is fully buffered when stdout is a pipe, so a line printed before a long sleep
 *   would sit in the program until it exits. Where the image has coreutils' stdbuf, the program
 *   runs under `stdbuf -oL -eL` (line-buffered, stdout and stderr still apart).
 * - The emulator kills a run at its deadline. If the emulator itself is gone (killed, crashed),
 *   coreutils' `timeout` kills the program a few seconds later, so no container outlives its run.
 */
export function launchScript(runTimeoutSeconds: number): string {
  const limit = Math.floor(runTimeoutSeconds) + DEADLINE_BACKSTOP_SECONDS;
  return [
    'set -- "$0" "$@"',
    'if command -v stdbuf >/dev/null 2>&1; then set -- stdbuf -oL -eL "$@"; fi',
    `if command -v timeout >/dev/null 2>&1; then set -- timeout -s KILL ${limit} "$@"; fi`,
    'exec "$@"',
  ].join('\n');
}

export function runLabels(instanceLabels: Readonly<Record<string, string>>, record: RunRecord): Record<string, string> {
  return {
    ...instanceLabels,
    'swiftlambda.kind': 'run',
    'swiftlambda.run': record.run.uuid,
    'swiftlambda.project': record.run.project,
  };
}

/**
 * The container of a run. Defaults for running one's own binary: an init process (signals and
 * zombies), memory and pids limits from the project, all capabilities dropped, no-new-privileges,
 * and a service port published on 127.0.0.1 only. A debug run differs in three things only: its
 * command starts the program under lldb-server, it gets SYS_PTRACE back, and the debugger's port is
 * published (on 127.0.0.1 too).
 */
export function runContainerSpec(
  record: RunRecord,
  instanceLabels: Readonly<Record<string, string>>,
  reach: ContainerReach = { extraHosts: [] },
): ContainerSpec {
  const { run } = record;
  const env: Record<string, string> = {
    LAMBDA_RUN_UUID: run.uuid,
    LAMBDA_PROJECT_UUID: run.project,
    // Swift's crash handler prints the crashed thread's backtrace to stderr (a crash report's source)
    SWIFT_BACKTRACE: SWIFT_BACKTRACE_SETTINGS,
  };
  if (run.mode === 'service') env.PORT = String(SERVICE_PORT);
  // the emulator's API as this container reaches it (other projects' dev URLs, the public routes)
  if (reach.apiUrl) env.SWIFTLAMBDA_API_URL = reach.apiUrl;
  return {
    image: run.dockerImage,
    entrypoint: [
      '/bin/sh',
      '-c',
      record.debug
        ? debugLaunchScript(run.runTimeoutSeconds + DEADLINE_BACKSTOP_SECONDS)
        : launchScript(run.runTimeoutSeconds),
      run.binaryPath,
    ],
    cmd: run.arguments,
    env,
    labels: runLabels(instanceLabels, record),
    // the binary's folder: the binary and the resource bundles beside it, where Bundle.module looks
    binds: [`${dirname(record.binaryFile)}:${posix.dirname(run.binaryPath)}:ro`],
    publishTcpPort: run.mode === 'service' ? SERVICE_PORT : undefined,
    extraTcpPorts: record.debug ? [DEBUGGER_CONTAINER_PORT] : undefined,
    capAdd: record.debug ? [...DEBUG_CAPABILITIES] : undefined,
    memoryBytes: record.memoryLimitMb * 1024 * 1024,
    pidsLimit: record.pidsLimit,
    hardened: true,
    init: true,
    // host.docker.internal is this machine; the project's networks are joined before start
    extraHosts: reach.extraHosts.length ? reach.extraHosts : undefined,
    networks: record.networks?.length ? record.networks : undefined,
  };
}

/** `exited with code 139 (killed by SIGSEGV)`: docker-init reports a signal's death as 128 + n. */
export function describeExit(exitCode: number): string {
  const signal = signalOfExitCode(exitCode);
  return signal ? `exited with code ${exitCode} (killed by ${signal})` : `exited with code ${exitCode}`;
}
