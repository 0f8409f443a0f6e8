import { createParser } from 'eventsource-parser';

/** One Server-Sent Event: its type (`message` when unnamed), its data (lines joined by `\n`), its id. */
export interface StreamEvent {
  readonly type: string;
  readonly data: string;
  readonly id?: string;
}

/**
 * The events of a `text/event-stream` body as they arrive, parsed by eventsource-parser (multi-line
 * `data:`, CRLF, comments, events split across reads). The one SSE reader of the CLI, bench and tests.
 * Ends with the body; an abort or a broken body throws.
 */
export async function* readEventStream(
  body: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
): AsyncGenerator<StreamEvent> {
  const decoder = new TextDecoder();
  const parsed: StreamEvent[] = [];
  const parser = createParser({
    onEvent: (e) =>
      parsed.push({ type: e.event ?? 'message', data: e.data, ...(e.id === undefined ? {} : { id: e.id }) }),
  });
  for await (const piece of body as AsyncIterable<Uint8Array>) {
    parser.feed(decoder.decode(piece, { stream: true }));
    while (parsed.length) yield parsed.shift()!;
  }
}
