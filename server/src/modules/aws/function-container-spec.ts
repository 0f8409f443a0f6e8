import { dirname } from 'node:path';
import type { ContainerSpec } from '../../adapters/docker/docker-engine.js';
import type { Project } from '../../contract/types.js';
import { AWS_REGION, functionNameOf, LATEST, logGroupName } from './aws-identity.js';
import type { RuntimeNetwork } from './runtime-network.js';

/** Where the function's folder (the binary and its resource bundles) appears, as on AWS. */
export const TASK_ROOT = '/var/task';

/**
 * `$0` is the binary: nothing is parsed by the shell. Swift's `print` is fully buffered on a pipe,
 * so where the image has coreutils' stdbuf the function runs line-buffered, and each line reaches
 * the log (and its invocation's tail) when it is printed.
 */
const LAUNCH_SCRIPT = [
  'set -- "$0" "$@"',
  'if command -v stdbuf >/dev/null 2>&1; then set -- stdbuf -oL -eL "$@"; fi',
  'exec "$@"',
].join('\n');

export interface FunctionContainerInput {
  readonly project: Project;
  readonly compilation: { readonly id: string; readonly targetName: string; readonly binaryFile: string };
  readonly network: RuntimeNetwork;
  /** host:port of this container's runtime API */
  readonly runtimeApi: string;
  readonly logStreamName: string;
  readonly instanceLabels: Readonly<Record<string, string>>;
  /** the emulator's id of this container (AwsContainer.id) */
  readonly containerKey: string;
}

/** AWS's environment for a custom runtime (provided.al2023), with the project's settings. */
export function functionEnvironment(input: FunctionContainerInput): Record<string, string> {
  const name = functionNameOf(input.project);
  return {
    AWS_LAMBDA_RUNTIME_API: input.runtimeApi,
    AWS_LAMBDA_FUNCTION_NAME: name,
    AWS_LAMBDA_FUNCTION_VERSION: LATEST,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(input.project.memoryLimitMb),
    AWS_LAMBDA_LOG_GROUP_NAME: logGroupName(name),
    AWS_LAMBDA_LOG_STREAM_NAME: input.logStreamName,
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_REGION,
    AWS_DEFAULT_REGION: AWS_REGION,
    _HANDLER: input.compilation.targetName,
    LAMBDA_TASK_ROOT: TASK_ROOT,
    LAMBDA_RUNTIME_DIR: '/var/runtime',
    TZ: ':UTC',
    LANG: 'en_US.UTF-8',
    // a trap prints the crashed thread's backtrace to stderr, into the function's log
    SWIFT_BACKTRACE: 'enable=yes,interactive=no,color=no,threads=crashed,registers=none,images=none,sanitize=no',
    // the emulator's API as this container reaches it (other projects' dev URLs, the public routes)
    ...(input.network.apiUrl ? { SWIFTLAMBDA_API_URL: input.network.apiUrl } : {}),
  };
}

export function functionContainerLabels(
  input: Pick<FunctionContainerInput, 'instanceLabels' | 'project' | 'containerKey' | 'compilation'>,
): Record<string, string> {
  return {
    ...input.instanceLabels,
    'swiftlambda.kind': 'aws',
    'swiftlambda.project': input.project.id,
    'swiftlambda.compilation': input.compilation.id,
    'swiftlambda.aws-container': input.containerKey,
  };
}

/**
 * A warm container: the hardening of runs (init process, memory and pids limits, no capabilities,
 * no-new-privileges), the binary's folder read-only at /var/task, and no published port: the
 * function calls out to its runtime API, nothing calls in.
 */
export function functionContainerSpec(input: FunctionContainerInput): ContainerSpec {
  const { project, compilation } = input;
  return {
    image: project.dockerImage,
    entrypoint: ['/bin/sh', '-c', LAUNCH_SCRIPT, `${TASK_ROOT}/${compilation.targetName}`],
    cmd: [],
    env: functionEnvironment(input),
    labels: functionContainerLabels(input),
    binds: [`${dirname(compilation.binaryFile)}:${TASK_ROOT}:ro`],
    workingDir: TASK_ROOT,
    memoryBytes: project.memoryLimitMb * 1024 * 1024,
    pidsLimit: project.pidsLimit,
    hardened: true,
    init: true,
    extraHosts: input.network.extraHosts.length ? input.network.extraHosts : undefined,
    networks: project.networks?.length ? project.networks : undefined,
  };
}
