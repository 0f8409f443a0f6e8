// One emulator per laptop: the app, `npm start` and the CLI share one data dir. Before starting a
// server of its own, the app looks for a live one that owns that data dir (server.json names it:
// its pid alive, and its status route answering with its console token) and attaches to it.
import { existsSync } from 'node:fs';
import { cp, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

export interface ServerInfo {
  readonly url: string;
  readonly consoleToken: string;
  readonly pid: number;
}

export interface OwnerProbe {
  isAlive(pid: number): boolean;
  /** whether the server at `url` answers its status route with this console token */
  answers(url: string, consoleToken: string): Promise<boolean>;
}

export const systemProbe: OwnerProbe = {
  isAlive(pid) {
    try {
      process.kill(pid, 0);
      return true;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM';
    }
  },
  async answers(url, consoleToken) {
    try {
      const res = await fetch(`${url}/console/api/status`, {
        headers: { authorization: `Bearer ${consoleToken}` },
        signal: AbortSignal.timeout(3000),
      });
      await res.body?.cancel();
      return res.ok;
    } catch {
      return false;
    }
  },
};

async function readServerJson(dataDir: string): Promise<ServerInfo | null> {
  try {
    const value = JSON.parse(await readFile(join(dataDir, 'server.json'), 'utf8')) as Partial<ServerInfo>;
    if (typeof value.url !== 'string' || typeof value.consoleToken !== 'string' || !Number.isInteger(value.pid))
      return null;
    return { url: value.url, consoleToken: value.consoleToken, pid: value.pid! };
  } catch {
    return null;
  }
}

/** The live server that owns `dataDir`, or null when the app should start its own. */
export async function findLiveServer(dataDir: string, probe: OwnerProbe = systemProbe): Promise<ServerInfo | null> {
  const info = await readServerJson(dataDir);
  if (!info || info.pid === process.pid || !probe.isAlive(info.pid)) return null;
  return (await probe.answers(info.url, info.consoleToken)) ? info : null;
}

/**
 * Earlier versions of the app kept their data under the app's own folder: it moves to the shared
 * data dir once, when the shared one holds no store yet. Answers what happened.
 */
export async function moveEarlierDataDir(from: string, to: string): Promise<'moved' | 'nothing to move' | 'kept both'> {
  if (!existsSync(join(from, 'db.json'))) return 'nothing to move';
  if (existsSync(join(to, 'db.json'))) return 'kept both';
  await rm(to, { recursive: true, force: true });
  try {
    await rename(from, to);
  } catch (err) {
    // another disk: copy, then remove the old folder
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    await cp(from, to, { recursive: true, preserveTimestamps: true });
    await rm(from, { recursive: true, force: true });
  }
  return 'moved';
}
