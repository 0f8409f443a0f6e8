import type { DockerEngine, LogFollow } from '../../adapters/docker/docker-engine.js';
import type { LogWriter, StoredOutput, StoredStream } from './log-store.js';

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

/** A log past its cap: nothing the engine replays is stored again. */
export const EVERYTHING_STORED: StoredOutput = {
  stdout: { lines: Infinity, tailBytes: 0 },
  stderr: { lines: Infinity, tailBytes: 0 },
};

const NOTHING_STORED: StoredOutput = { stdout: { lines: 0, tailBytes: 0 }, stderr: { lines: 0, tailBytes: 0 } };

/**
 * Finds where the stored part of a stream ends in the engine's replay of it from the first byte:
 * after as many newlines as the log holds whole lines, then its partial tail. Lines count, not
 * bytes: a masked secret makes a stored line shorter than the program's, never another line.
 */
class StoredPart {
  private lines = 0;
  private offset = 0;
  /** the replay's offset where the stored part ends, once found */
  private end: number | null;

  constructor(private readonly stored: StoredStream) {
    this.end = stored.lines === 0 && stored.tailBytes === 0 ? 0 : null;
  }

  /** How many of `data`'s bytes (the stream's next ones in the replay) are stored already. */
  drop(data: Buffer): number {
    const at = this.offset;
    this.offset += data.length;
    if (this.end !== null) return Math.max(0, Math.min(this.end - at, data.length));
    let i = 0;
    while (this.lines < this.stored.lines) {
      const nl = data.indexOf(10, i);
      if (nl === -1) return data.length;
      this.lines++;
      i = nl + 1;
    }
    this.end = at + i + this.stored.tailBytes;
    return Math.min(i + this.stored.tailBytes, data.length);
  }
}

/**
 * Follows a container that was started earlier (re-attached after a restart) through the engine's
 * stored log, which replays output from the first byte: what the log already holds (`stored`) is
 * dropped first. Once the container has exited, `complete()` reads the stored log once more
 * and appends anything the follower did not deliver.
 */
export async function followContainerOutput(
  engine: DockerEngine,
  containerId: string,
  writer: LogWriter,
  stored: StoredOutput = NOTHING_STORED,
): Promise<OutputCapture> {
  // bytes of each stream seen from the engine so far, counting the dropped ones
  const seen = { stdout: 0, stderr: 0 };
  const parts = { stdout: new StoredPart(stored.stdout), stderr: new StoredPart(stored.stderr) };
  const follow = await engine.readLogs(containerId, true, (stream, data) => {
    seen[stream] += data.length;
    const drop = parts[stream].drop(data);
    if (drop < data.length) writer.pushOutput(stream, drop ? data.subarray(drop) : data);
  });
  stopAtCap(writer, follow);
  return {
    ...follow,
    complete: async () => {
      if (writer.truncated) return; // the log is past its cap: nothing more would be stored
      // dropped: what was stored before, and what the follower delivered
      const delivered = { ...seen };
      const again = { stdout: new StoredPart(stored.stdout), stderr: new StoredPart(stored.stderr) };
      const replayed = { stdout: 0, stderr: 0 };
      const replay = await engine.readLogs(containerId, false, (stream, data) => {
        const at = replayed[stream];
        replayed[stream] += data.length;
        const drop = Math.max(again[stream].drop(data), Math.min(Math.max(0, delivered[stream] - at), data.length));
        if (drop < data.length) writer.pushOutput(stream, drop ? data.subarray(drop) : data);
      });
      await replay.done;
    },
  };
}
