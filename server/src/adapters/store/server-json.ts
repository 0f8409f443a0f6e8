import { join } from 'node:path';
import { writeFileDurably } from './durable-json-file.js';

/** `<data dir>/server.json`: how the CLI and the desktop app find the server that owns a data dir. */
export interface ServerInfo {
  readonly url: string;
  readonly consoleToken: string;
  readonly pid: number;
}

export const SERVER_JSON = 'server.json';

/** The one writer of server.json: atomically, mode 0600 (it holds the console token). */
export async function writeServerJson(dataDir: string, info: ServerInfo): Promise<void> {
  await writeFileDurably(join(dataDir, SERVER_JSON), JSON.stringify(info, null, 2) + '\n', 0o600);
}
