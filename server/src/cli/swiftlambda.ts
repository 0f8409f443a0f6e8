#!/usr/bin/env node
// `swiftlambda`: a thin CLI over the console API. It finds the running server through
// <data dir>/server.json (its URL and console token).
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultDataDir } from '../config.js';
import type { Compilation, Key, Project, Run } from '../contract/types.js';
import { call, CliError, connect, followLog, type Connection } from './client.js';
import { DevSession, printDiagnostics } from './dev-session.js';

const HELP = `usage: swiftlambda [--data-dir DIR] <command>

  keys create --name NAME [--expires-in-days N] [--project ID]...   create an API key (secret shown once)
  keys list                                                          list API keys
  keys revoke KEY_ID                                                 revoke an API key
  projects create --name NAME --path DIR --target TARGET [--image IMAGE] [--timeout SECONDS] [--public]
  projects list                                                      list projects
  build PROJECT_ID                                                   build and stream the output; exit 1 when it fails
  run PROJECT_ID [--service] [-- ARGS...]                            start a run and follow its logs (oneShot by default)
  dev PROJECT_ID [--service] [-- ARGS...]                            the development loop: watch the package, build on
                                                                     every save, run the new build (a service behind its
                                                                     dev URL, swapped without a failed call); Ctrl-C stops
                                                                     its runs and turns watch off (unless it was on)
  exec [--project NAME=PATH:TARGET]... [--data-dir DIR] [--image IMAGE] -- COMMAND...
                                                                     an emulator of its own around COMMAND (a test suite):
                                                                     builds, a key, env SWIFTLAMBDA_*; exits with COMMAND's
                                                                     code and leaves nothing behind (exec --help)

Compiler errors and warnings print as file:line:col: severity: message, which terminals open.

Except for exec, the server must be running (npm start); the CLI reads <data dir>/server.json.
Data dir: --data-dir, else SWIFTLAMBDA_DATA_DIR, else ~/.swiftlambda-local.
`;

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}

const date = (s: number | null) => (s ? new Date(s * 1000).toISOString().replace('T', ' ').slice(0, 16) : '-');

async function main(argv: string[]): Promise<number> {
  // exec starts its own emulator (loaded only then) and passes what follows `--` to the command untouched
  if (argv[0] === 'exec') return (await import('./exec.js')).exec(argv.slice(1));
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'data-dir': { type: 'string' },
      name: { type: 'string' },
      'expires-in-days': { type: 'string' },
      project: { type: 'string', multiple: true },
      path: { type: 'string' },
      target: { type: 'string' },
      image: { type: 'string' },
      timeout: { type: 'string' },
      public: { type: 'boolean' },
      service: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, sub, arg] = positionals;
  if (values.help || !command) {
    process.stdout.write(HELP);
    return command || values.help ? 0 : 2;
  }
  const conn = await connect(resolve(values['data-dir'] ?? process.env.SWIFTLAMBDA_DATA_DIR ?? defaultDataDir()));

  if (command === 'keys' && sub === 'create') {
    if (!values.name) throw new CliError('keys create needs --name');
    const days = values['expires-in-days'];
    const body = { name: values.name, expiresInDays: days === undefined ? null : Number(days), ...(values.project ? { projects: values.project } : {}) };
    const { key, secret } = await call<{ key: Key; secret: string }>(conn, 'POST', '/console/api/keys', body);
    process.stdout.write(`created key ${key.id} (${key.name}), expires ${key.expiresAt ? date(key.expiresAt) : 'never'}\n`);
    process.stdout.write(`secret (shown once, store it now):\n${secret}\n`);
    return 0;
  }
  if (command === 'keys' && sub === 'list') {
    const { keys } = await call<{ keys: Key[] }>(conn, 'GET', '/console/api/keys');
    const state = (k: Key) => (k.revokedAt ? 'revoked' : k.expiresAt && k.expiresAt * 1000 < Date.now() ? 'expired' : 'active');
    process.stdout.write(table([['ID', 'NAME', 'PREFIX', 'STATE', 'CREATED', 'EXPIRES', 'LAST USED', 'PROJECTS'],
      ...keys.map((k) => [k.id, k.name, k.prefix, state(k), date(k.createdAt), date(k.expiresAt), date(k.lastUsedAt), k.projects?.join(',') ?? 'all'])]));
    return 0;
  }
  if (command === 'keys' && sub === 'revoke') {
    if (!arg) throw new CliError('keys revoke needs a KEY_ID');
    const { key } = await call<{ key: Key }>(conn, 'POST', `/console/api/keys/${encodeURIComponent(arg)}/revoke`);
    process.stdout.write(`revoked ${key.id} (${key.name})\n`);
    return 0;
  }
  if (command === 'projects' && sub === 'create') {
    if (!values.name || !values.path || !values.target) throw new CliError('projects create needs --name, --path and --target');
    const body: Record<string, unknown> = { name: values.name, sourcePath: resolve(values.path), targetName: values.target };
    if (values.image) body.dockerImage = values.image;
    if (values.timeout) body.runTimeoutSeconds = Number(values.timeout);
    if (values.public) body.publicInstances = true;
    const { project } = await call<{ project: Project }>(conn, 'POST', '/console/api/projects', body);
    process.stdout.write(`created project ${project.name}\nLAMBDA_ID=${project.id}\n`);
    return 0;
  }
  if (command === 'projects' && sub === 'list') {
    const { projects } = await call<{ projects: Project[] }>(conn, 'GET', '/console/api/projects');
    process.stdout.write(table([['LAMBDA_ID', 'NAME', 'TARGET', 'IMAGE', 'TIMEOUT', 'PUBLIC', 'SOURCE'],
      ...projects.map((p) => [p.id, p.name, p.targetName, p.dockerImage, `${p.runTimeoutSeconds}s`, String(p.publicInstances), p.sourcePath])]));
    return 0;
  }
  if (command === 'build') {
    if (!sub) throw new CliError('build needs a PROJECT_ID');
    const { compilation } = await call<{ compilation: Compilation }>(conn, 'POST', `/console/api/projects/${encodeURIComponent(sub)}/compilations`, {});
    await followLog(conn, `/console/api/projects/${encodeURIComponent(sub)}/compilations/${compilation.id}/logs?follow=true`);
    const final = (await call<{ compilation: Compilation }>(conn, 'GET', `/console/api/projects/${encodeURIComponent(sub)}/compilations/${compilation.id}`)).compilation;
    process.stdout.write(`compilation ${final.id}: ${final.state}${final.errorSummary ? ` — ${final.errorSummary}` : ''}\n`);
    printDiagnostics(final.diagnostics);
    return final.state === 'succeeded' ? 0 : 1;
  }
  if (command === 'run') {
    if (!sub) throw new CliError('run needs a PROJECT_ID');
    const args = positionals.slice(2);
    const { run } = await call<{ run: Run }>(conn, 'POST', `/lambdas/${encodeURIComponent(sub)}/runs`, { mode: values.service ? 'service' : 'oneShot', arguments: args });
    process.stderr.write(`run ${run.uuid} (${run.mode})${run.mode === 'service' ? `: ${conn.url}/instances/${run.uuid}/api/` : ''}\n`);
    const end = await followLog(conn, `/lambdas/${encodeURIComponent(sub)}/runs/${run.uuid}/logs?follow=true`);
    process.stderr.write(`run ${run.uuid}: ${String(end?.state)}${end?.exitCode !== null && end?.exitCode !== undefined ? ` (exit ${String(end.exitCode)})` : ''}\n`);
    return end?.state === 'succeeded' ? 0 : 1;
  }
  if (command === 'dev') {
    if (!sub) throw new CliError('dev needs a PROJECT_ID');
    return dev(conn, sub, values.service ? 'service' : 'oneShot', positionals.slice(2));
  }
  throw new CliError(`unknown command: ${positionals.join(' ')}\n\n${HELP}`);
}

/** Runs a dev session until Ctrl-C (or SIGTERM): then stops what it started and exits 0. */
async function dev(conn: Connection, projectId: string, mode: 'service' | 'oneShot', args: string[]): Promise<number> {
  const session = new DevSession(conn, { projectId, mode, args });
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

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`swiftlambda: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(err instanceof CliError ? 2 : 1);
  },
);
