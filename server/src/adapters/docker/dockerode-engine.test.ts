import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createFrameDemuxer } from './dockerode-engine.js';

function frame(type: number, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

test('frames split at any byte are demultiplexed into stdout and stderr in order', () => {
  const stream = Buffer.concat([frame(1, 'out one\n'), frame(2, 'err\n'), frame(1, 'out two\n')]);
  for (let cut = 1; cut < stream.length; cut++) {
    const got: string[] = [];
    const demux = createFrameDemuxer((s, d) => got.push(`${s}:${d.toString()}`));
    demux(stream.subarray(0, cut));
    demux(stream.subarray(cut));
    assert.deepEqual(got, ['stdout:out one\n', 'stderr:err\n', 'stdout:out two\n']);
  }
});
