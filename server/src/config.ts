import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

export const DEFAULT_PORT = 7400;
export const DEFAULT_HOST = '127.0.0.1';
/** The hosted platform's image; on machines without a registry use the bundled Swift image script. */
export const PRODUCT_DEFAULT_IMAGE = 'swift:5.10-jammy';

export interface ServerConfig {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly defaultImage: string;
  readonly consoleToken: string | undefined;
  /** bytes of output stored per run before `logsTruncated` */
  readonly maxLogBytesPerRun: number;
  /** terminal runs kept per project */
  readonly runRetentionPerProject: number;
  /** largest request body the proxy forwards */
  readonly proxyMaxBodyBytes: number;
  /** stop live runs on a graceful shutdown (they are re-attached on the next start otherwise) */
  readonly stopRunsOnExit: boolean;
  /** AWS Lambda mode: seconds a warm container waits for an invocation before it is stopped */
  readonly awsIdleSeconds: number;
  /** `packagePath`: build volumes named by the package's path, outliving the data dir (exec); default `project` */
  readonly buildVolumeKey?: 'project' | 'packagePath';
}

export class ConfigError extends Error {}

function intFrom(value: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  if (!/^\d+$/.test(value)) throw new ConfigError(`${name} must be a whole number (got "${value}")`);
  const n = Number(value);
  if (n < min || n > max) throw new ConfigError(`${name} must be between ${min} and ${max} (got ${n})`);
  return n;
}

export function defaultDataDir(): string {
  return join(homedir(), '.swiftlambda-local');
}

/** Flags win over environment variables, which win over defaults (docs/api.md#start-up-and-configuration). */
export function resolveConfig(argv: readonly string[], env: NodeJS.ProcessEnv): ServerConfig {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'data-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) throw new ConfigError('usage');
  return {
    host: values.host ?? env.SWIFTLAMBDA_HOST ?? DEFAULT_HOST,
    port: intFrom(values.port ?? env.SWIFTLAMBDA_PORT, '--port / SWIFTLAMBDA_PORT', DEFAULT_PORT, 0, 65535),
    dataDir: resolve(values['data-dir'] ?? env.SWIFTLAMBDA_DATA_DIR ?? defaultDataDir()),
    defaultImage: env.SWIFTLAMBDA_DEFAULT_IMAGE || PRODUCT_DEFAULT_IMAGE,
    consoleToken: env.SWIFTLAMBDA_CONSOLE_TOKEN || undefined,
    maxLogBytesPerRun: intFrom(
      env.SWIFTLAMBDA_MAX_LOG_BYTES,
      'SWIFTLAMBDA_MAX_LOG_BYTES',
      64 * 1024 * 1024,
      1024,
      2 ** 40,
    ),
    runRetentionPerProject: intFrom(env.SWIFTLAMBDA_RUN_RETENTION, 'SWIFTLAMBDA_RUN_RETENTION', 500, 1, 100_000),
    proxyMaxBodyBytes: intFrom(
      env.SWIFTLAMBDA_PROXY_MAX_BODY_BYTES,
      'SWIFTLAMBDA_PROXY_MAX_BODY_BYTES',
      50 * 1024 * 1024,
      0,
      2 ** 40,
    ),
    stopRunsOnExit: env.SWIFTLAMBDA_STOP_RUNS_ON_EXIT !== 'false',
    awsIdleSeconds: intFrom(env.SWIFTLAMBDA_AWS_IDLE_SECONDS, 'SWIFTLAMBDA_AWS_IDLE_SECONDS', 300, 1, 86_400),
  };
}

export const USAGE = `usage: swiftlambda-local [--port N] [--host H] [--data-dir DIR]

  --port      port to listen on (default 7400; 0 picks a free port)   env SWIFTLAMBDA_PORT
  --host      address to bind (default 127.0.0.1)                      env SWIFTLAMBDA_HOST
  --data-dir  where keys, projects, runs and logs live                  env SWIFTLAMBDA_DATA_DIR
              (default ~/.swiftlambda-local)
`;
