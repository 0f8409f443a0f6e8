// The engine's streaming answers: multiplexed container output and newline-delimited JSON
// (stats, events).
import type { IncomingMessage } from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import type { LogFollow, OutputStream } from './docker-engine.js';

/**
 * Docker's multiplexed stream (8-byte header: stream type, 3 zero bytes, payload size, then the
 * payload) → (stream, bytes) callbacks. Payload bytes are handed on as they arrive, a frame
 * possibly in several pieces: only a header split across reads is buffered (8 bytes), never a
 * frame, so a 1 GB flood is not copied once more on its way in.
 */
export function createFrameDemuxer(onData: (stream: OutputStream, data: Buffer) => void): (chunk: Buffer) => void {
  const header = Buffer.alloc(8);
  let headerFill = 0;
  let stream: OutputStream = 'stdout';
  let remaining = 0;
  return (chunk: Buffer) => {
    let offset = 0;
    while (offset < chunk.length) {
      if (remaining > 0) {
        const n = Math.min(remaining, chunk.length - offset);
        onData(stream, n === chunk.length ? chunk : chunk.subarray(offset, offset + n));
        remaining -= n;
        offset += n;
        continue;
      }
      if (headerFill === 0 && chunk.length - offset >= 8) {
        stream = chunk[offset] === 2 ? 'stderr' : 'stdout';
        remaining = chunk.readUInt32BE(offset + 4);
        offset += 8;
        continue;
      }
      const n = Math.min(8 - headerFill, chunk.length - offset);
      chunk.copy(header, headerFill, offset, offset + n);
      headerFill += n;
      offset += n;
      if (headerFill === 8) {
        stream = header[0] === 2 ? 'stderr' : 'stdout';
        remaining = header.readUInt32BE(4);
        headerFill = 0;
      }
    }
  };
}

/** Resolves when a stream ends, however it ends (end, close or error). */
export function streamEnded(stream: NodeJS.ReadableStream): Promise<void> {
  return new Promise<void>((resolve) => {
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', () => resolve());
  });
}

/** Demultiplexes an engine output stream; `done` resolves when it ends, however it ends. */
export function demuxedFollow(
  stream: IncomingMessage,
  onData: (stream: OutputStream, data: Buffer) => void,
): LogFollow {
  const demux = createFrameDemuxer(onData);
  stream.on('data', (chunk: Buffer) => demux(chunk));
  return { done: streamEnded(stream), stop: () => stream.destroy() };
}

/** Each value of a newline-delimited JSON stream, as it arrives; blank and malformed lines are skipped. */
export function onJsonLines(stream: NodeJS.ReadableStream, onValue: (value: unknown) => void): void {
  const decoder = new StringDecoder('utf8');
  let buffered = '';
  stream.on('data', (chunk: Buffer) => {
    buffered += decoder.write(chunk);
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl).trim();
      buffered = buffered.slice(nl + 1);
      if (!line) continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        continue;
      }
      onValue(value);
    }
  });
}
