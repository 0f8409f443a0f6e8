import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { formatClock } from '../format.js';
import { LogBuffer, STREAM_NAMES, StreamFilter, type StreamName } from '../log-buffer.js';
import type { LogChunk } from '../api.js';
import { AnsiLine } from './ansi-line.js';
import './log-viewer.css';

const ROW_HEIGHT = 18;

export interface LogViewerProps {
  /** SSE follow URL (`…/logs?follow=true`) */
  readonly url: string;
  readonly downloadName: string;
  readonly truncated?: boolean;
  readonly emptyText?: string;
  readonly onEnd?: (info: Record<string, unknown>) => void;
  readonly testId?: string;
}

type Connection = 'connecting' | 'live' | 'ended' | 'reconnecting';

/**
 * A live log: follows the SSE stream, batches arrivals per animation frame, and renders only the
 * visible rows. Scrolling up pauses the auto-scroll; reaching the bottom again resumes it.
 * Another log (another URL) is another viewer: its buffer, line count and scroll position start
 * from nothing rather than meeting the previous log's line count for one render.
 */
export function LogViewer(props: LogViewerProps) {
  return <FollowedLog key={props.url} {...props} />;
}

function FollowedLog({
  url,
  downloadName,
  truncated,
  emptyText = 'No output yet.',
  onEnd,
  testId = 'log-viewer',
}: LogViewerProps) {
  const [buffer] = useState(() => new LogBuffer());
  const [count, setCount] = useState(0);
  const [connection, setConnection] = useState<Connection>('connecting');
  const [follow, setFollow] = useState(true);
  const [showTimes, setShowTimes] = useState(false);
  const [wrap, setWrap] = useState(false);
  const [shown, setShown] = useState<ReadonlySet<StreamName>>(() => new Set(STREAM_NAMES));
  const [query, setQuery] = useState('');
  const [activeQuery, setActiveQuery] = useState('');
  const [matchIndex, setMatchIndex] = useState(0);
  const scrollRef = useRef<HTMLDivElement>(null);
  const searchRef = useRef<HTMLInputElement>(null);
  const onEndRef = useRef(onEnd);
  onEndRef.current = onEnd;

  useEffect(() => {
    let frame = 0;
    const flush = () => {
      frame = 0;
      setCount(buffer.length);
    };
    const source = new EventSource(url, { withCredentials: true });
    source.addEventListener('open', () => setConnection('live'));
    // appended in arrival order, which is the log's sequence order: lines are never sorted or merged
    source.addEventListener('log', (event) => {
      if (buffer.append(JSON.parse((event as MessageEvent<string>).data) as LogChunk) && !frame)
        frame = requestAnimationFrame(flush);
    });
    source.addEventListener('end', (event) => {
      source.close();
      setConnection('ended');
      setCount(buffer.length);
      onEndRef.current?.(JSON.parse((event as MessageEvent<string>).data) as Record<string, unknown>);
    });
    source.addEventListener('error', () => {
      if (source.readyState === EventSource.CLOSED) setConnection('ended');
      else setConnection((c) => (c === 'ended' ? c : 'reconnecting'));
    });
    return () => {
      source.close();
      if (frame) cancelAnimationFrame(frame);
    };
  }, [url, buffer]);

  // `/` focuses the search, as in GitHub's and Grafana's log views (the browser's find cannot see
  // lines that are not rendered); with two viewers on a page, the first one takes it
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey || isEditable(e.target)) return;
      if (document.querySelector('[data-log-search]') !== searchRef.current) return;
      e.preventDefault();
      searchRef.current?.focus();
      searchRef.current?.select();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  // with every stream shown a row is a line; otherwise rows are the shown streams' lines in order
  const filter = useMemo(
    () => (shown.size === STREAM_NAMES.length ? null : new StreamFilter(buffer, shown)),
    [buffer, shown],
  );
  const rows = filter ? filter.update() : count;
  const lineOf = (row: number) => (filter ? filter.lines[row]! : row);

  const virtualizer = useVirtualizer({
    count: rows,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 30,
  });

  // wrapped rows are measured; unwrapped ones are all one row high again
  useLayoutEffect(() => {
    virtualizer.measure();
  }, [wrap, filter, virtualizer]);

  useLayoutEffect(() => {
    if (follow && rows > 0) virtualizer.scrollToIndex(rows - 1, { align: 'end' });
  }, [rows, follow, virtualizer, wrap]);

  const onScroll = useCallback(() => {
    const el = scrollRef.current;
    if (!el) return;
    setFollow(el.scrollTop + el.clientHeight >= el.scrollHeight - ROW_HEIGHT);
  }, []);

  // search runs over the shown lines shortly after typing stops
  useEffect(() => {
    const t = window.setTimeout(() => {
      setActiveQuery(query);
      setMatchIndex(0);
    }, 200);
    return () => window.clearTimeout(t);
  }, [query]);
  const matches = useMemo(
    () => (filter ? filter.search(activeQuery) : buffer.search(activeQuery)),
    [buffer, filter, activeQuery, rows],
  );
  const goToMatch = (delta: number) => {
    if (!matches.length) return;
    const next = (matchIndex + delta + matches.length) % matches.length;
    setMatchIndex(next);
    setFollow(false);
    virtualizer.scrollToIndex(matches[next]!, { align: 'center' });
  };

  const toggleStream = (stream: StreamName) => {
    setShown((current) => {
      const next = new Set(current);
      if (next.has(stream)) next.delete(stream);
      else next.add(stream);
      return next;
    });
    setMatchIndex(0);
  };

  const download = () => {
    const blob = new Blob([buffer.text()], { type: 'text/plain;charset=utf-8' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = downloadName;
    a.click();
    window.setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  };

  const currentMatchRow = matches.length ? matches[matchIndex] : -1;

  return (
    <section
      className={`log-viewer${wrap ? ' log-wrap' : ''}`}
      data-testid={testId}
      data-connection={connection}
      data-lines={count}
      data-rows={rows}
    >
      <div className="log-toolbar">
        <span className={`log-connection log-connection-${connection}`} data-testid="log-connection">
          {connection === 'live' ? '● live' : connection === 'ended' ? 'complete' : connection}
        </span>
        <span className="log-count">
          {rows === count
            ? `${count.toLocaleString()} ${count === 1 ? 'line' : 'lines'}`
            : `${rows.toLocaleString()} of ${count.toLocaleString()} lines`}
        </span>
        <div className="log-streams" role="group" aria-label="Show streams">
          {STREAM_NAMES.map((stream) => (
            <button
              key={stream}
              type="button"
              className={`log-stream-toggle log-stream-${stream}`}
              aria-pressed={shown.has(stream)}
              onClick={() => toggleStream(stream)}
              title={`${shown.has(stream) ? 'Hide' : 'Show'} ${stream}`}
              data-testid={`log-filter-${stream}`}
            >
              {stream}
            </button>
          ))}
        </div>
        <div className="log-search">
          <input
            ref={searchRef}
            type="search"
            placeholder="Search logs  /"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') goToMatch(e.shiftKey ? -1 : 1);
              if (e.key === 'Escape') scrollRef.current?.focus();
            }}
            aria-label="Search logs"
            aria-keyshortcuts="/"
            data-log-search=""
            data-testid="log-search"
          />
          {activeQuery && (
            <span className="log-matches" data-testid="log-match-count">
              {matches.length ? `${matchIndex + 1}/${matches.length}` : '0 matches'}
            </span>
          )}
          <button
            type="button"
            className="btn btn-small btn-ghost"
            onClick={() => goToMatch(-1)}
            disabled={!matches.length}
            aria-label="Previous match"
          >
            ↑
          </button>
          <button
            type="button"
            className="btn btn-small btn-ghost"
            onClick={() => goToMatch(1)}
            disabled={!matches.length}
            aria-label="Next match"
          >
            ↓
          </button>
        </div>
        <label className="log-toggle">
          <input type="checkbox" checked={wrap} onChange={(e) => setWrap(e.target.checked)} data-testid="log-wrap" />{' '}
          wrap
        </label>
        <label className="log-toggle">
          <input
            type="checkbox"
            checked={showTimes}
            onChange={(e) => setShowTimes(e.target.checked)}
            data-testid="log-timestamps"
          />{' '}
          timestamps
        </label>
        <button type="button" className="btn btn-small" onClick={download} disabled={!count} data-testid="log-download">
          Download
        </button>
      </div>
      {truncated && (
        <div className="log-banner" role="status" data-testid="log-truncated">
          This run passed its log cap: later output was dropped (the run itself went on). Set SWIFTLAMBDA_MAX_LOG_BYTES
          to keep more.
        </div>
      )}
      <div
        className="log-scroll"
        ref={scrollRef}
        onScroll={onScroll}
        tabIndex={0}
        aria-label="Log output"
        data-testid="log-scroll"
      >
        {rows === 0 ? (
          <div className="log-empty">
            {count > 0 ? 'No lines of the shown streams.' : connection === 'ended' ? 'This log is empty.' : emptyText}
          </div>
        ) : (
          <div className="log-inner" style={{ height: virtualizer.getTotalSize() }}>
            {virtualizer.getVirtualItems().map((row) => {
              const line = lineOf(row.index);
              const stream = buffer.stream(line);
              return (
                <div
                  key={line}
                  ref={wrap ? virtualizer.measureElement : undefined}
                  data-index={row.index}
                  className={`log-line log-${stream}${row.index === currentMatchRow ? ' log-current-match' : ''}`}
                  style={{ transform: `translateY(${row.start}px)` }}
                  data-testid="log-line"
                  data-stream={stream}
                >
                  <span className="log-gutter">{line + 1}</span>
                  {showTimes && <span className="log-time">{formatClock(buffer.time(line))}</span>}
                  <span className="log-text">
                    <AnsiLine text={buffer.data[line] ?? ''} query={activeQuery} />
                  </span>
                </div>
              );
            })}
          </div>
        )}
      </div>
      {!follow && rows > 0 && (
        <button
          type="button"
          className="btn btn-primary log-jump"
          onClick={() => setFollow(true)}
          data-testid="log-resume"
        >
          ↓ Follow latest
        </button>
      )}
    </section>
  );
}

const NOT_TYPED_INTO = new Set(['checkbox', 'radio', 'button', 'submit', 'reset']);

/** Where `/` is a character the user types (or a dialog has the keyboard), not the shortcut. */
function isEditable(target: EventTarget | null): boolean {
  if (document.querySelector('dialog[open]')) return true;
  if (!(target instanceof HTMLElement)) return false;
  if (target instanceof HTMLInputElement) return !NOT_TYPED_INTO.has(target.type);
  return target.isContentEditable || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement;
}
