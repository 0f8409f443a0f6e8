import { describe, expect, it } from 'vitest';
import type { LogChunk } from './api.js';
import { LogBuffer, StreamFilter } from './log-buffer.js';

const chunk = (sequence: number, data: string, stream: LogChunk['stream'] = 'stdout'): LogChunk => ({
  sequence,
  stream,
  data,
  timestamp: 1000 + sequence,
});

describe('LogBuffer', () => {
  it('appends in sequence order and drops chunks it already has (a reconnect replays some)', () => {
    const buffer = new LogBuffer();
    expect(buffer.append(chunk(0, 'a\n'))).toBe(true);
    expect(buffer.append(chunk(1, 'b\n', 'stderr'))).toBe(true);
    expect(buffer.append(chunk(1, 'b again\n'))).toBe(false);
    expect(buffer.append(chunk(0, 'a again\n'))).toBe(false);
    expect(buffer.append(chunk(5, 'c\n', 'system'))).toBe(true);
    expect(buffer.length).toBe(3);
    expect(buffer.lastSequence).toBe(5);
    expect(buffer.text()).toBe('a\nb\nc\n');
    expect([0, 1, 2].map((i) => [buffer.stream(i), buffer.time(i)])).toEqual([
      ['stdout', 1000],
      ['stderr', 1001],
      ['system', 1005],
    ]);
  });

  it('grows past its first arrays without losing streams or times', () => {
    const buffer = new LogBuffer();
    for (let i = 0; i < 5000; i++) buffer.append(chunk(i, `line ${i}\n`, i % 3 === 0 ? 'stderr' : 'stdout'));
    expect(buffer.length).toBe(5000);
    expect(buffer.stream(4998)).toBe('stderr');
    expect(buffer.stream(4999)).toBe('stdout');
    expect(buffer.time(4999)).toBe(5999);
    expect(buffer.stream(1023)).toBe('stderr');
    expect(buffer.time(1024)).toBe(2024);
  });

  it('searches case-insensitively; an empty query finds nothing', () => {
    const buffer = new LogBuffer();
    ['Error: one\n', 'fine\n', 'another ERROR\n'].forEach((d, i) => buffer.append(chunk(i, d)));
    expect(buffer.search('error')).toEqual([0, 2]);
    expect(buffer.search('')).toEqual([]);
  });
});

describe('StreamFilter', () => {
  it('takes in only the lines appended since the last update, of the streams shown', () => {
    const buffer = new LogBuffer();
    const filter = new StreamFilter(buffer, new Set(['stderr', 'system']));
    buffer.append(chunk(0, 'out\n'));
    buffer.append(chunk(1, 'err one\n', 'stderr'));
    expect(filter.update()).toBe(1);
    buffer.append(chunk(2, 'sys\n', 'system'));
    buffer.append(chunk(3, 'err two\n', 'stderr'));
    expect(filter.update()).toBe(3);
    expect(filter.update()).toBe(3);
    expect(filter.lines).toEqual([1, 2, 3]);
    expect(filter.search('ERR')).toEqual([0, 2]);
  });
});
