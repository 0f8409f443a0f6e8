// `swiftlambda exec`: an emulator around one command, as `firebase emulators:exec` does it (docs/api.md#tests-that-use-the-emulator).
// startEmulator() does the work; this parses the flags, runs the command with the emulator's
// environment, forwards Ctrl-C/SIGTERM to it, cleans up and exits with the command's code.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { parseArgs } from 'node:util';
import { formatDiagnostic } from '../domain/diagnostic-format.js';
import { BuildFailedError, startEmulator, type Emulator, type EmulatorProject } from '../emulator/index.js';
import { CliError } from './client.js';

export const EXEC_HELP = `usage: swiftlambda exec [--project NAME=PATH:TARGET]... [--env NAME=VALUE]... [--secret NAME[=VALUE]]...
                        [--data-dir DIR] [--image IMAGE] -- COMMAND [ARGS...]

Starts an emulator on a free port with a temporary data dir, builds each project, creates an API
key and runs COMMAND with SWIFTLAMBDA_API_URL, SWIFTLAMBDA_API_KEY, SWIFTLAMBDA_CONSOLE_TOKEN,
SWIFTLAMBDA_DATA_DIR and SWIFTLAMBDA_LAMBDA_ID_<NAME> (NAME upper-cased, other characters _).
Then it stops every run, removes the emulator's containers and the temporary data dir, and exits
with COMMAND's exit code (1 when a build fails, before COMMAND runs).

  --project NAME=PATH:TARGET   a Swift package folder and the executable product to build (repeatable)
  --data-dir DIR               use and keep this data dir instead of a temporary one
  --image IMAGE                the image to build and run in (default SWIFTLAMBDA_DEFAULT_IMAGE, else swift:5.10-jammy)
  --env NAME=VALUE             an environment variable for every project's runs (repeatable)
  --secret NAME[=VALUE]        a secret for every project's runs, masked in their logs (repeatable); without
                               =VALUE it is taken from exec's own environment, so it stays off the command line
  --json                       exec's own output (build output, progress) off; its errors as one JSON object
                               {"error": true, "reason", "message"} on stderr; COMMAND's output untouched
`;

export interface ExecArgs {
  readonly projects: Record<string, EmulatorProject>;
  readonly dataDir: string | undefined;
  readonly image: string | undefined;
  readonly command: readonly string[];
  /** --json: nothing of exec's own but its errors, as JSON */
  readonly json?: boolean;
}

const EXEC_OPTIONS = {
  project: { type: 'string', multiple: true },
  'data-dir': { type: 'string' },
  image: { type: 'string' },
  env: { type: 'string', multiple: true },
  secret: { type: 'string', multiple: true },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Options up to `--` or the first word that is not one; the rest is the command, untouched. */
export function parseExecArgs(argv: readonly string[]): ExecArgs | 'help' {
  // where the command starts: a first pass that knows which options take a value
  const { tokens } = parseArgs({ args: [...argv], options: EXEC_OPTIONS, strict: false, tokens: true });
  const end = tokens.find((t) => t.kind === 'positional' || t.kind === 'option-terminator');
  const commandAt = end ? end.index + (end.kind === 'option-terminator' ? 1 : 0) : argv.length;
  let values;
  try {
    ({ values } = parseArgs({ args: argv.slice(0, end?.index ?? argv.length), options: EXEC_OPTIONS, strict: true }));
  } catch (err) {
    throw new CliError(`${(err as Error).message}\n\n${EXEC_HELP}`);
  }
  if (values.help) return 'help';
  for (const [flag, value] of [
    ['--data-dir', values['data-dir']],
    ['--image', values.image],
    ...(values.project ?? []).map((p) => ['--project', p] as const),
  ] as const)
    if (value === '') throw new CliError(`${flag} needs a value\n\n${EXEC_HELP}`);
  const projects: Record<string, EmulatorProject> = {};
  for (const value of values.project ?? []) {
    const [name, project] = parseProject(value);
    if (Object.keys(projects).some((n) => envName(n) === envName(name)))
      throw new CliError(`two projects would set SWIFTLAMBDA_LAMBDA_ID_${envName(name)}`);
    projects[name] = project;
  }
  const command = argv.slice(commandAt);
  if (!command.length) throw new CliError(`exec needs a command after --\n\n${EXEC_HELP}`);
  const environment: Record<string, string> = {};
  const secrets: Record<string, string> = {};
  for (const value of values.env ?? []) setVariable(environment, '--env', value, false);
  for (const value of values.secret ?? []) setVariable(secrets, '--secret', value, true);
  for (const name of Object.keys(projects)) {
    projects[name] = {
      ...projects[name]!,
      ...(Object.keys(environment).length ? { environment } : {}),
      ...(Object.keys(secrets).length ? { secrets } : {}),
    };
  }
  return {
    projects,
    dataDir: values['data-dir'],
    image: values.image,
    command,
    ...(values.json ? { json: true } : {}),
  };
}

/** `NAME=VALUE`; a secret may be `NAME` alone, its value then read from exec's own environment. */
function setVariable(into: Record<string, string>, flag: string, value: string, fromEnv: boolean): void {
  const eq = value.indexOf('=');
  const name = eq < 0 ? value : value.slice(0, eq);
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new CliError(`${flag} takes NAME=VALUE (got a bad name "${name}")`);
  if (eq >= 0) into[name] = value.slice(eq + 1);
  else if (fromEnv && process.env[name] !== undefined) into[name] = process.env[name]!;
  else throw new CliError(fromEnv ? `${flag} ${name}: exec's environment has no ${name}` : `${flag} takes NAME=VALUE`);
}

/** `NAME=PATH:TARGET`; the path may hold `=` or `:` itself (the first `=` and the last `:` split). */
function parseProject(value: string): [string, EmulatorProject] {
  const eq = value.indexOf('=');
  const colon = value.lastIndexOf(':');
  if (eq <= 0 || colon <= eq + 1 || colon === value.length - 1)
    throw new CliError(`--project takes NAME=PATH:TARGET (got "${value}")`);
  return [value.slice(0, eq), { path: value.slice(eq + 1, colon), target: value.slice(colon + 1) }];
}

/** The project name as it appears in SWIFTLAMBDA_LAMBDA_ID_<NAME>. */
export function envName(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
}

function commandEnv(emulator: Emulator): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SWIFTLAMBDA_API_URL: emulator.url,
    SWIFTLAMBDA_API_KEY: emulator.apiKey,
    SWIFTLAMBDA_CONSOLE_TOKEN: emulator.consoleToken,
    SWIFTLAMBDA_DATA_DIR: emulator.dataDir,
  };
  for (const [name, id] of Object.entries(emulator.projects)) env[`SWIFTLAMBDA_LAMBDA_ID_${envName(name)}`] = id;
  return env;
}

const exitCodeOf = (signal: NodeJS.Signals) => 128 + (constants.signals[signal] ?? 1);
let quiet = false;
const say = (text: string) => !quiet && process.stderr.write(`swiftlambda exec: ${text}\n`);

/** Runs `swiftlambda exec`; resolves with the exit code. */
export async function exec(argv: readonly string[]): Promise<number> {
  const args = parseExecArgs(argv);
  if (args === 'help') {
    process.stdout.write(EXEC_HELP);
    return 0;
  }
  quiet = args.json ?? false;
  const starting = new AbortController();
  let child: ReturnType<typeof spawn> | undefined;
  let interrupted: NodeJS.Signals | undefined;
  let cleaningUp = false;
  let signalsWhileCleaning = 0;
  // the command gets the signal (and decides when to end); before it runs, the start is aborted;
  // while cleaning up, a second signal leaves at once
  const onSignal = (signal: NodeJS.Signals) => {
    interrupted ??= signal;
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill(signal);
    } else if (cleaningUp) {
      if (++signalsWhileCleaning > 1) process.exit(exitCodeOf(signal));
      say("removing the emulator's containers and data dir; interrupt again to leave them");
    } else {
      starting.abort();
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let emulator: Emulator | undefined;
  try {
    try {
      emulator = await startEmulator({
        projects: args.projects,
        dataDir: args.dataDir,
        image: args.image,
        signal: starting.signal,
        onOutput: (text) => !quiet && process.stderr.write(text),
      });
    } catch (err) {
      if (interrupted) return exitCodeOf(interrupted);
      if (err instanceof BuildFailedError && quiet) {
        const message = `the build of ${err.project} failed: ${err.compilation.errorSummary ?? 'see diagnostics'}; not running ${args.command.join(' ')}`;
        process.stderr.write(
          `${JSON.stringify({ error: true, reason: 'build_failed', message, diagnostics: err.diagnostics })}\n`,
        );
        return 1;
      }
      if (err instanceof BuildFailedError) {
        for (const d of err.diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
        if (!err.diagnostics.length) process.stderr.write(`${err.compilation.errorSummary ?? 'the build failed'}\n`);
        say(`the build of ${err.project} failed; not running ${args.command.join(' ')}`);
        return 1;
      }
      throw err;
    }
    if (interrupted) return exitCodeOf(interrupted);
    say(`emulator at ${emulator.url}; running ${args.command.join(' ')}`);
    const started = spawn(args.command[0]!, args.command.slice(1), { stdio: 'inherit', env: commandEnv(emulator) });
    child = started;
    return await new Promise<number>((resolve) => {
      started.once('error', (err: NodeJS.ErrnoException) => {
        const message =
          err.code === 'ENOENT'
            ? `command not found: ${args.command[0]}`
            : `could not run ${args.command[0]}: ${err.message}`;
        if (quiet)
          process.stderr.write(
            `${JSON.stringify({ error: true, reason: err.code === 'ENOENT' ? 'command_not_found' : 'command_failed', message })}\n`,
          );
        else say(message);
        resolve(err.code === 'ENOENT' ? 127 : 126);
      });
      started.once('exit', (code, signal) => resolve(code ?? exitCodeOf(signal ?? 'SIGTERM')));
    });
  } finally {
    cleaningUp = true;
    await emulator?.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
