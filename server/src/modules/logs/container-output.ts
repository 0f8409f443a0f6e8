import type { DockerEngine, LogFollow, OutputStream } from '../../adapters/docker/docker-engine.js';
import type { LogWriter } from './log-store.js';

/** A container's output flowing into a log. */
export interface OutputCapture extends LogFollow {
  /**
   * After the container has exited: makes sure the log holds everything the engine stored.
   * A no-op for a capture attached before start, which sees every byte from the pipes.
   */
  complete(): Promise<void>;
}

/**
 * Attaches to a created, not yet started container and pipes its stdout and stderr into a log.
 * This is how `docker run` gets its output: straight from the program's pipes, never through the
 * engine's log-file follower, which can lose a fast writer's tail (decision 0075).
 */
export async function attachContainerOutput(
  engine: DockerEngine,
  containerId: string,
  writer: LogWriter,
): Promise<OutputCapture> {
  const follow = await engine.attachOutput(containerId, (stream, data) => writer.pushOutput(stream, data));
  stopAtCap(writer, follow);
  return { ...follow, complete: async () => undefined };
}

/**
 * Once the log is past its cap nothing more is stored, so the emulator stops reading: the rest of
 * the output goes only to Docker's own rotated log file, and the program is never blocked.
 */
function stopAtCap(writer: LogWriter, follow: LogFollow): void {
  if (writer.truncated) follow.stop();
  else writer.onTruncated(() => follow.stop());
}

/**
 * Follows a container that was started earlier (re-attached after a restart) through the engine's
 * stored log, which replays output from the first byte: `skip` (bytes per stream already stored)
 * is dropped first. Once the container has exited, `complete()` reads the stored log once more
 * and appends anything the follower did not deliver.
 */
export async function followContainerOutput(
  engine: DockerEngine,
  containerId: string,
  writer: LogWriter,
  skip: { stdout: number; stderr: number } = { stdout: 0, stderr: 0 },
): Promise<OutputCapture> {
  // bytes of each stream seen from the engine so far, counting the skipped ones
  const seen = { stdout: 0, stderr: 0 };
  const deliverAfter = (limit: { stdout: number; stderr: number }) => (stream: OutputStream, data: Buffer) => {
    const start = seen[stream];
    seen[stream] += data.length;
    const drop = Math.max(0, Math.min(limit[stream] - start, data.length));
    if (drop < data.length) writer.pushOutput(stream, drop ? data.subarray(drop) : data);
  };
  const follow = await engine.readLogs(containerId, true, deliverAfter(skip));
  stopAtCap(writer, follow);
  return {
    ...follow,
    complete: async () => {
      if (writer.truncated) return; // the log is past its cap: nothing more would be stored
      const delivered = { stdout: Math.max(seen.stdout, skip.stdout), stderr: Math.max(seen.stderr, skip.stderr) };
      seen.stdout = 0;
      seen.stderr = 0;
      const replay = await engine.readLogs(containerId, false, deliverAfter(delivered));
      await replay.done;
    },
  };
}
