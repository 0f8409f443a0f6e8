#!/usr/bin/env node
// Headless entry: parse flags, build the server, listen, print the two URLs, write server.json.
import { DataDirInUseError } from './adapters/store/data-dir-lock.js';
import { writeServerJson } from './adapters/store/server-json.js';
import { DataDirFullError, isStorageFault } from './adapters/store/storage-fault.js';
import { ConfigError, resolveConfig, USAGE } from './config.js';
import { createServer } from './index.js';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

async function main(): Promise<void> {
  let config;
  try {
    config = resolveConfig(process.argv.slice(2), process.env);
  } catch (err) {
    process.stderr.write(
      err instanceof ConfigError && err.message === 'usage' ? USAGE : `${(err as Error).message}\n${USAGE}`,
    );
    process.exit(err instanceof ConfigError && err.message === 'usage' ? 0 : 2);
  }
  if (!LOOPBACK.has(config.host)) {
    process.stderr.write(
      `warning: binding ${config.host}, not loopback: anyone who can reach this address can call the API ` +
        'and the service proxy with a key, and public instances without one\n',
    );
  }
  let server;
  try {
    server = await createServer({ config });
  } catch (err) {
    if (err instanceof DataDirInUseError || err instanceof DataDirFullError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  let url: string;
  try {
    url = await server.listen();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    process.stderr.write(
      code === 'EADDRINUSE'
        ? `port ${config.port} is in use; pass --port (0 picks a free one)\n`
        : err instanceof DataDirFullError
          ? `${err.message}\n`
          : `could not listen: ${(err as Error).message}\n`,
    );
    await server.close().catch(() => undefined);
    process.exit(1);
  }
  try {
    await writeServerJson(config.dataDir, { url, consoleToken: server.consoleToken, pid: process.pid });
  } catch (err) {
    if (!isStorageFault(err)) throw err;
    process.stderr.write(`${(await DataDirFullError.from(config.dataDir, 'server.json', err)).message}\n`);
    await server.close().catch(() => undefined);
    process.exit(1);
  }
  process.stdout.write(`API: ${url}\nConsole: ${url}/?token=${server.consoleToken}\n`);

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) process.exit(1);
    closing = true;
    process.stderr.write(`${signal}: shutting down${config.stopRunsOnExit ? ' and stopping live runs' : ''}\n`);
    server
      .close({ stopRuns: config.stopRunsOnExit })
      .then(() => process.exit(0))
      .catch(() => process.exit(1));
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

void main().catch((err) => {
  process.stderr.write(`fatal: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
