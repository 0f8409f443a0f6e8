import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createFrameDemuxer } from './engine-streams.js';

function frame(type: number, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

test('frames split at any byte are demultiplexed into stdout and stderr in order', () => {
  const stream = Buffer.concat([frame(1, 'out one\n'), frame(2, 'err\n'), frame(2, ''), frame(1, 'out two\n')]);
  for (let cut = 1; cut < stream.length; cut++) {
    for (let cut2 = cut; cut2 < stream.length; cut2 += 3) {
      // payloads may come in pieces; joined per frame they are the frames
      const got: Array<[string, string]> = [];
      const demux = createFrameDemuxer((s, d) => {
        const last = got[got.length - 1];
        if (last && last[0] === s && !last[1].endsWith('\n')) last[1] += d.toString();
        else got.push([s, d.toString()]);
      });
      demux(stream.subarray(0, cut));
      demux(stream.subarray(cut, cut2));
      demux(stream.subarray(cut2));
      assert.deepEqual(got, [
        ['stdout', 'out one\n'],
        ['stderr', 'err\n'],
        ['stdout', 'out two\n'],
      ]);
    }
  }
});
