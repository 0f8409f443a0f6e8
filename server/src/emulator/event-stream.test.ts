import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readEventStream, type StreamEvent } from './event-stream.js';

async function read(pieces: string[]): Promise<StreamEvent[]> {
  async function* body() {
    for (const p of pieces) yield new TextEncoder().encode(p);
  }
  const out: StreamEvent[] = [];
  for await (const e of readEventStream(body())) out.push(e);
  return out;
}

test('events split across reads, multi-line data, CRLF, comments and ids', async () => {
  const events = await read([
    'retry: 2000\n\n: keep-alive\n\nid: 3\nevent: lo',
    'g\ndata: {"a":1}\n\nevent: note\r\ndata: first\r\ndata: second\r\n\r\n',
    'data: unnamed\n\nevent: end\ndata: {}\n\n',
  ]);
  assert.deepEqual(events, [
    { type: 'log', data: '{"a":1}', id: '3' },
    { type: 'note', data: 'first\nsecond' },
    { type: 'message', data: 'unnamed' },
    { type: 'end', data: '{}' },
  ]);
});

test('an event the body ends in the middle of is not delivered', async () => {
  assert.deepEqual(await read(['event: log\ndata: {"a":1}\n\nevent: log\ndata: {"b"']), [
    { type: 'log', data: '{"a":1}' },
  ]);
});
