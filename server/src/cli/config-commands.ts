// `swiftlambda env` and `swiftlambda secret`: a project's environment and secrets from a terminal.
// A secret's value comes from stdin, never from an argument (arguments show in `ps` and in history).
import type { Project, SecretsResponse } from '../contract/types.js';
import { call, CliError, type Connection } from './client.js';
import type { Output } from './output.js';
import { table } from './run-commands.js';

const projectPath = (id: string) => `/console/api/projects/${encodeURIComponent(id)}`;

/** "3 minutes ago", as the console says it. */
export function ago(unixSeconds: number, nowMs = Date.now()): string {
  const s = Math.max(0, Math.round(nowMs / 1000 - unixSeconds));
  const [n, unit] =
    s < 60
      ? [s, 'second']
      : s < 3600
        ? [Math.floor(s / 60), 'minute']
        : s < 86_400
          ? [Math.floor(s / 3600), 'hour']
          : [Math.floor(s / 86_400), 'day'];
  return s < 5 ? 'just now' : `${n} ${unit}${n === 1 ? '' : 's'} ago`;
}

/** `NAME=VALUE` words into an object; a word without `=` is a usage mistake. */
export function parseAssignments(words: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const word of words) {
    const eq = word.indexOf('=');
    if (eq <= 0) throw new CliError(`env takes NAME=VALUE (got "${word}"); --unset NAME removes one`);
    out[word.slice(0, eq)] = word.slice(eq + 1);
  }
  return out;
}

/** Shows the environment, or sets and unsets variables (one PATCH: all of them or none). */
export async function envCommand(
  conn: Connection,
  out: Output,
  projectId: string,
  assignments: readonly string[],
  unset: readonly string[],
): Promise<number> {
  let { project } = await call<{ project: Project }>(conn, 'GET', projectPath(projectId));
  if (assignments.length || unset.length) {
    const environment = { ...project.environment, ...parseAssignments(assignments) };
    for (const name of unset) {
      if (!Object.hasOwn(environment, name)) throw new CliError(`--unset ${name}: the project has no variable ${name}`);
      delete environment[name];
    }
    ({ project } = await call<{ project: Project }>(conn, 'PATCH', projectPath(projectId), { environment }));
  }
  out.data({ environment: project.environment, envFile: project.envFile });
  const lines = Object.entries(project.environment).map(([n, v]) => `${n}=${v}\n`);
  out.text(lines.join('') || '(no variables)\n');
  if (project.envFile) out.note(`and the env file ${project.envFile}, read when each run starts`);
  return 0;
}

/** `secret set|rm|ls LAMBDA_ID [NAME]`. */
export async function secretCommand(
  conn: Connection,
  out: Output,
  sub: string | undefined,
  projectId: string | undefined,
  name: string | undefined,
  readValue: () => Promise<string> = () => readSecretFromStdin(name ?? ''),
): Promise<number> {
  const usage = 'swiftlambda secret set|rm|ls LAMBDA_ID [NAME] (set reads the value from stdin)';
  if (!sub || !['set', 'rm', 'ls'].includes(sub) || !projectId) throw new CliError(`usage: ${usage}`);
  if (sub === 'ls') {
    const listed = await call<SecretsResponse>(conn, 'GET', `${projectPath(projectId)}/secrets`);
    out.data(listed);
    out.text(
      listed.secrets.length
        ? table([['NAME', 'SET'], ...listed.secrets.map((s) => [s.name, ago(s.updated)])])
        : '(no secrets)\n',
    );
    return 0;
  }
  if (!name) throw new CliError(`secret ${sub} needs a NAME: ${usage}`);
  const path = `${projectPath(projectId)}/secrets/${encodeURIComponent(name)}`;
  if (sub === 'rm') {
    await call(conn, 'DELETE', path);
    out.data({ removed: name });
    out.text(`removed secret ${name}\n`);
    return 0;
  }
  const value = await readValue();
  if (!value) throw new CliError(`secret set ${name}: stdin gave an empty value`);
  await call(conn, 'PUT', path, { value });
  out.data({ set: name });
  out.text(`set secret ${name} (${value.length} characters; runs started from now on get it)\n`);
  return 0;
}

/**
 * The value on stdin: piped (`printf %s "$TOKEN" | swiftlambda secret set …`, one trailing newline
 * dropped), or typed at a terminal without echo, ended by Enter.
 */
async function readSecretFromStdin(name: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks)
      .toString('utf8')
      .replace(/\r?\n$/, '');
  }
  process.stderr.write(`value of ${name} (not shown): `);
  stdin.setRawMode(true);
  stdin.resume();
  try {
    return await new Promise<string>((resolve, reject) => {
      let value = '';
      stdin.on('data', (data: Buffer) => {
        for (const ch of data.toString('utf8')) {
          if (ch === '\r' || ch === '\n') return resolve(value);
          if (ch === '\u0003') return reject(new CliError('cancelled'));
          if (ch === '\u007f') value = value.slice(0, -1);
          else value += ch;
        }
      });
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    process.stderr.write('\n');
  }
}
