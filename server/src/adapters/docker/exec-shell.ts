// A shell in a running container with a terminal (the engine's exec API with a TTY): what the
// console's Terminal tab and `swiftlambda shell` talk to.
import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import type { ShellSession, TerminalSize } from './docker-engine.js';

/** bash when the image has it, else sh; a login shell, so the image's profile sets PATH and the prompt */
const SHELL = ['/bin/sh', '-c', 'if command -v bash >/dev/null 2>&1; then exec bash -l; else exec sh -l; fi'];

export async function openShell(docker: Docker, containerId: string, size: TerminalSize): Promise<ShellSession> {
  const exec = await docker.getContainer(containerId).exec({
    Cmd: SHELL,
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    Tty: true,
    Env: ['TERM=xterm-256color'],
  });
  // with a TTY the stream is the terminal's raw bytes, both ways (no stdout/stderr framing)
  const stream = (await exec.start({ hijack: true, stdin: true, Tty: true })) as Duplex;
  const resize = async ({ cols, rows }: TerminalSize) => {
    await exec.resize({ w: cols, h: rows });
  };
  // the engine accepts a resize only once the process runs; the first one may come too early
  await resize(size).catch(() => undefined);
  return {
    stream,
    resize,
    close: () => stream.destroy(),
  };
}
