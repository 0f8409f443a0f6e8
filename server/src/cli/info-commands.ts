// `swiftlambda info [--shell]` and project references by name: what a newcomer's scripts need to
// find the running emulator and its projects without copying ids or reading server.json by hand.
import type { Project, StatusResponse } from '../contract/types.js';
import { call, CliError, type Connection } from './client.js';
import type { Output } from './output.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A LAMBDA_ID as given, or the id of the project with that name (names are unique, any case). */
export async function resolveProjectRef(conn: Connection, ref: string): Promise<string> {
  if (UUID.test(ref)) return ref;
  const { projects } = await call<{ projects: Project[] }>(conn, 'GET', '/console/api/projects');
  const match = projects.find((p) => p.name.toLowerCase() === ref.toLowerCase());
  if (!match)
    throw new CliError(
      `no project named "${ref}" (\`swiftlambda projects list\` shows the names and LAMBDA_IDs)`,
      'project_not_found',
    );
  return match.id;
}

/** Single-quoted for a POSIX shell. */
const quote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

export async function infoCommand(conn: Connection, out: Output, options: { shell: boolean }): Promise<number> {
  const status = await call<StatusResponse>(conn, 'GET', '/console/api/status');
  const consoleUrl = `${conn.url}/?token=${conn.token}`;
  out.data({
    apiUrl: conn.url,
    consoleUrl,
    consoleToken: conn.token,
    dataDir: status.dataDir,
    version: status.version,
  });
  if (options.shell) {
    out.text(
      [
        `export SWIFTLAMBDA_API_URL=${quote(conn.url)}`,
        `export SWIFTLAMBDA_CONSOLE_TOKEN=${quote(conn.token)}`,
        `export SWIFTLAMBDA_DATA_DIR=${quote(status.dataDir)}`,
        '',
      ].join('\n'),
    );
    return 0;
  }
  out.text(
    `API:      ${conn.url}\nConsole:  ${consoleUrl}\nData dir: ${status.dataDir}\nDocker:   ${
      status.docker.available ? `engine ${status.docker.version ?? ''}`.trim() : 'not reachable'
    }\n`,
  );
  return 0;
}
