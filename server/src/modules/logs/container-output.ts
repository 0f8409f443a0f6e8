import type { DockerEngine, LogFollow } from '../../adapters/docker/docker-engine.js';
import type { LogWriter } from './log-store.js';

/**
 * Pipes a container's stdout and stderr into a log. The engine replays output from the first
 * byte, so `skip` (bytes per stream already stored before a restart) is dropped first.
 */
export async function followContainerOutput(
  engine: DockerEngine,
  containerId: string,
  writer: LogWriter,
  skip: { stdout: number; stderr: number } = { stdout: 0, stderr: 0 },
): Promise<LogFollow> {
  const toSkip = { ...skip };
  return engine.followLogs(containerId, (stream, data) => {
    let payload = data;
    if (toSkip[stream] > 0) {
      const n = Math.min(toSkip[stream], payload.length);
      toSkip[stream] -= n;
      payload = payload.subarray(n);
      if (!payload.length) return;
    }
    writer.pushOutput(stream, payload);
  });
}
