// A command run in a running container through the engine's exec API, without a TTY: a build in
// the project's long-lived build container (decision 0042).
import type { IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import type { CommandRun, ExecCommand, OutputStream } from './docker-engine.js';
import { demuxedFollow } from './engine-streams.js';

/** how long to wait for the engine to record an exit code after the output stream ended */
const EXIT_CODE_WAIT_MS = 2_000;

export async function runCommand(
  docker: Docker,
  containerId: string,
  command: ExecCommand,
  onData: (stream: OutputStream, data: Buffer) => void,
): Promise<CommandRun> {
  const exec = await docker.getContainer(containerId).exec({
    Cmd: [...command.cmd],
    Env: Object.entries(command.env ?? {}).map(([k, v]) => `${k}=${v}`),
    WorkingDir: command.workingDir,
    AttachStdin: false,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
  });
  const stream = await exec.start({ hijack: true, stdin: false });
  const follow = demuxedFollow(stream as unknown as IncomingMessage, onData);
  const exitCode = follow.done.then(async () => {
    const deadline = Date.now() + EXIT_CODE_WAIT_MS;
    for (;;) {
      const info = await exec.inspect().catch(() => null);
      if (!info) return null; // the container went away with its execs
      if (!info.Running) return info.ExitCode ?? null;
      if (Date.now() > deadline) return null;
      await sleep(20);
    }
  });
  return { exitCode, stop: follow.stop };
}
