#!/usr/bin/env node
// `swiftlambda`: a thin CLI over the API (the console token acts as the owner on the public routes).
// It finds the running server through <data dir>/server.json (its URL and console token).
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultDataDir } from '../config.js';
import type { Compilation, Key, Project } from '../contract/types.js';
import { ApiCallError, call, CliError, connect, followLog, type Connection } from './client.js';
import { envCommand, secretCommand } from './config-commands.js';
import { debugRun } from './debug-command.js';
import { DevSession, printDiagnostics, type DevOptions } from './dev-session.js';
import { BuildOutput } from './progress-bar.js';
import { explain, type HintContext } from './hints.js';
import { Output, wantsJson } from './output.js';
import { scheduleCommand, SCHEDULE_USAGE } from './schedule-commands.js';
import { openShell } from './shell-command.js';
import { infoCommand, resolveProjectRef } from './info-commands.js';
import { listRuns, openConsole, resolveRunId, showLogs, startRun, stopAll, stopRun, table } from './run-commands.js';

const HELP = `usage: swiftlambda [--data-dir DIR] [--json] <command>

  keys create --name NAME [--expires-in-days N] [--project ID]...   create an API key (secret shown once)
  keys list                                                          list API keys
  keys revoke KEY_ID                                                 revoke an API key
  projects create --name NAME --path DIR --target TARGET [--image IMAGE] [--timeout SECONDS] [--public]
  projects list                                                      list projects
  build LAMBDA_ID                                                    build and stream the output; exit 1 when it fails
  run LAMBDA_ID [--service] [-- ARGS...]                             start a run and follow its output (oneShot by default);
                                                                     exit 0 when it succeeds, else 1; Ctrl-C stops the run
                                                                     and exits 130 once it has stopped (again: at once)
  debug LAMBDA_ID [--service] [-- ARGS...]                           a run under lldb-server (a debug build first when the
                                                                     newest is not one): prints the lldb command and VS Code's
                                                                     launch.json, then follows the run as run does
  runs LAMBDA_ID [--state STATE] [--limit N]                         the project's runs, newest first (N: 20, at most 50)
  logs LAMBDA_ID RUN_ID [-f]                                         a run's output; -f follows it until the run ends
                                                                     (exit 0 whatever the outcome, as docker logs -f)
  stop LAMBDA_ID RUN_ID                                              stop a run (SIGTERM, the project's stop grace, then
                                                                     the kill); one that has ended already is shown
  stop-all LAMBDA_ID                                                 stop every live run of the project
  env LAMBDA_ID [NAME=VALUE...] [--unset NAME]...                    the project's environment: shows it, or sets and
                                                                     unsets variables (runs started from then on get them)
  secret set LAMBDA_ID NAME                                          sets a secret, its value read from stdin (piped, or
                                                                     typed without echo); never an argument
  secret rm LAMBDA_ID NAME | secret ls LAMBDA_ID                     removes a secret; lists names and when they were set
  shell LAMBDA_ID RUN_ID                                             a shell (bash, else sh) in the run's container, in this
                                                                     terminal; \`exit\` leaves it and the run goes on
  info [--shell]                                                     the server's API URL, console URL and data dir; --shell
                                                                     prints export lines: eval "$(swiftlambda info --shell)"
  open                                                               the console in the browser, signed in ($BROWSER, else
                                                                     xdg-open/open/start; prints the sign-in URL when none works)
  dev LAMBDA_ID [--service] [--release] [-- ARGS...]                 the development loop: watch the package, build (debug
                                                                     unless --release) on every save, run the new build (a
                                                                     service behind its dev URL, swapped without a failed
                                                                     call, restarted after a crash); Ctrl-C stops its runs
                                                                     and sets watch and the configuration back
  ${SCHEDULE_USAGE}
  exec [--project NAME=PATH:TARGET]... [--env NAME=VALUE]... [--secret NAME[=VALUE]]... [--data-dir DIR]
       [--image IMAGE] [--json] -- COMMAND...
                                                                     an emulator of its own around COMMAND (a test suite):
                                                                     builds, a key, env SWIFTLAMBDA_*; exits with COMMAND's
                                                                     code and leaves nothing behind (exec --help)

LAMBDA_ID may also be the project's name. RUN_ID may be the start of an id (as dev prints them) when one of the project's 50 newest runs has it.

--json: stdout holds only JSON, the API's answer: one object, or, for the commands that follow output
(build, run, logs -f, dev), one object a line: {"log": chunk} for each piece of output and the API's
{"run": …} or {"compilation": …} at the start and the end. Errors go to stderr as
{"error": true, "reason", "message"}, with a non-zero exit.

Compiler errors and warnings print as file:line:col: severity: message, which terminals open.

Except for exec, the server must be running (npm start); the CLI reads <data dir>/server.json.
Data dir: --data-dir, else SWIFTLAMBDA_DATA_DIR, else ~/.swiftlambda-local.
`;

const date = (s: number | null) => (s ? new Date(s * 1000).toISOString().replace('T', ' ').slice(0, 16) : '-');

async function main(argv: string[]): Promise<number> {
  const out = new Output(wantsJson(argv));
  const ctx: HintContext = {};
  try {
    return await command(argv, out, ctx);
  } catch (err) {
    const reason = err instanceof CliError ? err.reason : 'internal_error';
    const message = err instanceof ApiCallError ? explain(err, ctx) : err instanceof Error ? err.message : String(err);
    const code = err instanceof ApiCallError ? ` (${err.status} ${err.reason})` : '';
    process.stderr.write(
      out.json ? `${JSON.stringify({ error: true, reason, message })}\n` : `swiftlambda: ${message}${code}\n`,
    );
    return err instanceof CliError ? 2 : 1;
  }
}

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'data-dir': { type: 'string' },
        json: { type: 'boolean' },
        name: { type: 'string' },
        'expires-in-days': { type: 'string' },
        project: { type: 'string', multiple: true },
        path: { type: 'string' },
        target: { type: 'string' },
        image: { type: 'string' },
        timeout: { type: 'string' },
        public: { type: 'boolean' },
        service: { type: 'boolean' },
        release: { type: 'boolean' },
        state: { type: 'string' },
        limit: { type: 'string' },
        follow: { type: 'boolean', short: 'f' },
        unset: { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
        timezone: { type: 'string' },
        shell: { type: 'boolean' },
      },
    });
  } catch (err) {
    // unknown options and missing values: a usage mistake
    throw new CliError(`${(err as Error).message}: \`swiftlambda --help\` lists the options`);
  }
}

async function command(argv: string[], out: Output, ctx: HintContext): Promise<number> {
  // exec starts its own emulator (loaded only then) and passes what follows `--` to the command untouched
  if (argv[0] === 'exec') return (await import('./exec.js')).exec(argv.slice(1));
  const { values, positionals } = parse(argv);
  const [command, sub, arg] = positionals;
  if (values.help || !command) {
    process.stdout.write(HELP);
    return command || values.help ? 0 : 2;
  }
  const conn = await connect(resolve(values['data-dir'] ?? process.env.SWIFTLAMBDA_DATA_DIR ?? defaultDataDir()));
  /** the LAMBDA_ID a command needs (or the project's name), named in the hints of its errors */
  const project = async (usage: string): Promise<string> => {
    if (!sub)
      throw new CliError(
        `${command} needs a LAMBDA_ID or a project name: swiftlambda ${command} ${usage} (\`swiftlambda projects list\` shows them)`,
      );
    return (ctx.projectId = await resolveProjectRef(conn, sub));
  };

  if (command === 'keys' && sub === 'create') {
    if (!values.name) throw new CliError('keys create needs --name');
    const days = values['expires-in-days'];
    const body = {
      name: values.name,
      expiresInDays: days === undefined ? null : Number(days),
      ...(values.project
        ? { projects: await Promise.all(values.project.map((ref) => resolveProjectRef(conn, ref))) }
        : {}),
    };
    const created = await call<{ key: Key; secret: string }>(conn, 'POST', '/console/api/keys', body);
    const { key, secret } = created;
    out.data(created);
    out.text(`created key ${key.id} (${key.name}), expires ${key.expiresAt ? date(key.expiresAt) : 'never'}\n`);
    out.text(`secret (shown once, store it now):\n${secret}\n`);
    return 0;
  }
  if (command === 'keys' && sub === 'list') {
    const listed = await call<{ keys: Key[] }>(conn, 'GET', '/console/api/keys');
    out.data(listed);
    const state = (k: Key) =>
      k.revokedAt ? 'revoked' : k.expiresAt && k.expiresAt * 1000 < Date.now() ? 'expired' : 'active';
    out.text(
      table([
        ['ID', 'NAME', 'PREFIX', 'STATE', 'CREATED', 'EXPIRES', 'LAST USED', 'PROJECTS'],
        ...listed.keys.map((k) => [
          k.id,
          k.name,
          k.prefix,
          state(k),
          date(k.createdAt),
          date(k.expiresAt),
          date(k.lastUsedAt),
          k.projects?.join(',') ?? 'all',
        ]),
      ]),
    );
    return 0;
  }
  if (command === 'keys' && sub === 'revoke') {
    if (!arg) throw new CliError('keys revoke needs a KEY_ID (`swiftlambda keys list` shows them)');
    ctx.keyId = arg;
    const revoked = await call<{ key: Key }>(conn, 'POST', `/console/api/keys/${encodeURIComponent(arg)}/revoke`);
    out.data(revoked);
    out.text(`revoked ${revoked.key.id} (${revoked.key.name})\n`);
    return 0;
  }
  if (command === 'projects' && sub === 'create') {
    if (!values.name || !values.path || !values.target)
      throw new CliError('projects create needs --name, --path and --target');
    const body: Record<string, unknown> = {
      name: values.name,
      sourcePath: resolve(values.path),
      targetName: values.target,
    };
    if (values.image) body.dockerImage = values.image;
    if (values.timeout) body.runTimeoutSeconds = Number(values.timeout);
    if (values.public) body.publicInstances = true;
    const created = await call<{ project: Project }>(conn, 'POST', '/console/api/projects', body);
    out.data(created);
    out.text(`created project ${created.project.name}\nLAMBDA_ID=${created.project.id}\n`);
    return 0;
  }
  if (command === 'projects' && sub === 'list') {
    const listed = await call<{ projects: Project[] }>(conn, 'GET', '/console/api/projects');
    out.data(listed);
    out.text(
      table([
        ['LAMBDA_ID', 'NAME', 'TARGET', 'IMAGE', 'TIMEOUT', 'PUBLIC', 'SOURCE'],
        ...listed.projects.map((p) => [
          p.id,
          p.name,
          p.targetName,
          p.dockerImage,
          `${p.runTimeoutSeconds}s`,
          String(p.publicInstances),
          p.sourcePath,
        ]),
      ]),
    );
    return 0;
  }
  if (command === 'build') {
    const id = encodeURIComponent(await project(''));
    const started = await call<{ compilation: Compilation }>(
      conn,
      'POST',
      `/console/api/projects/${id}/compilations`,
      {},
    );
    out.data(started);
    // on a terminal SwiftPM's step lines become a progress bar
    const output = new BuildOutput();
    await followLog(conn, `/console/api/projects/${id}/compilations/${started.compilation.id}/logs?follow=true`, {
      onChunk: (c) => (out.json ? out.chunk(c) : output.chunk(c)),
    }).finally(() => output.end());
    const final = (
      await call<{ compilation: Compilation }>(
        conn,
        'GET',
        `/console/api/projects/${id}/compilations/${started.compilation.id}`,
      )
    ).compilation;
    out.data({ compilation: final });
    out.text(`compilation ${final.id}: ${final.state}${final.errorSummary ? ` — ${final.errorSummary}` : ''}\n`);
    if (!out.json) printDiagnostics(final.diagnostics);
    return final.state === 'succeeded' ? 0 : 1;
  }
  if (command === 'run') {
    return startRun(
      conn,
      out,
      await project('[--service] [-- ARGS...]'),
      values.service ? 'service' : 'oneShot',
      positionals.slice(2),
    );
  }
  if (command === 'debug') {
    const id = await project('[--service] [-- ARGS...]');
    return debugRun(conn, out, id, values.service ? 'service' : 'oneShot', positionals.slice(2));
  }
  if (command === 'runs') {
    return listRuns(conn, out, await project('[--state STATE] [--limit N]'), {
      state: values.state,
      limit: values.limit,
    });
  }
  if (command === 'logs' || command === 'stop' || command === 'shell') {
    const id = await project('RUN_ID');
    if (!arg)
      throw new CliError(
        `${command} needs a RUN_ID: swiftlambda ${command} ${id} RUN_ID (\`swiftlambda runs ${id}\` lists them)`,
      );
    const runId = await resolveRunId(conn, id, arg, ctx);
    if (command === 'shell') return openShell(conn, runId);
    return command === 'logs' ? showLogs(conn, out, id, runId, values.follow ?? false) : stopRun(conn, out, id, runId);
  }
  if (command === 'stop-all') return stopAll(conn, out, await project(''));
  if (command === 'env')
    return envCommand(
      conn,
      out,
      await project('[NAME=VALUE...] [--unset NAME]'),
      positionals.slice(2),
      values.unset ?? [],
    );
  if (command === 'secret') {
    if (positionals.length > 4)
      throw new CliError(
        'secret set takes the value from stdin, never as an argument (it would show in ps and history)',
      );
    const ref = positionals[2];
    const projectId = ref ? (ctx.projectId = await resolveProjectRef(conn, ref)) : undefined;
    return secretCommand(conn, out, sub, projectId, positionals[3]);
  }
  if (command === 'open') return openConsole(conn, out);
  if (command === 'info') return infoCommand(conn, out, { shell: values.shell ?? false });
  if (command === 'schedule') return scheduleCommand(conn, out, positionals, { timezone: values.timezone });
  if (command === 'dev') {
    return dev(
      conn,
      {
        projectId: await project('[--service] [--release] [-- ARGS...]'),
        mode: values.service ? 'service' : 'oneShot',
        args: positionals.slice(2),
        configuration: values.release ? 'release' : 'debug',
      },
      out,
    );
  }
  throw new CliError(`unknown command: ${positionals.join(' ')}: \`swiftlambda --help\` lists the commands`);
}

/** Runs a dev session until Ctrl-C (or SIGTERM): then stops what it started and exits 0. */
async function dev(conn: Connection, options: Omit<DevOptions, 'out'>, out: Output): Promise<number> {
  const session = new DevSession(conn, { ...options, out });
  let stopped: Promise<void> | undefined;
  const onSignal = () => {
    // a second Ctrl-C does not wait for the runs to stop
    if (stopped) process.exit(130);
    stopped = session.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await session.run();
  } catch (err) {
    // the server went away or refused: undo what can be undone, then report
    if (!stopped) {
      await session.stop().catch(() => undefined);
      throw err;
    }
  }
  await stopped;
  return 0;
}

void main(process.argv.slice(2)).then((code) => process.exit(code));
