import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { formatClock } from '../format.js';
import { LogBuffer } from '../log-buffer.js';
import type { LogChunk } from '../api.js';
import { AnsiLine } from './ansi-line.js';

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
 * visible rows (fixed height, so nothing jumps while lines stream in). Scrolling up pauses the
 * auto-scroll; reaching the bottom again resumes it.
 */
export function LogViewer({ url, downloadName, truncated, emptyText = 'No output yet.', onEnd, testId = 'log-viewer' }: LogViewerProps) {
  const buffer = useMemo(() => new LogBuffer(), [url]);
  const [count, setCount] = useState(0);
  const [connection, setConnection] = useState<Connection>('connecting');
  const [follow, setFollow] = useState(true);
  const [showTimes, setShowTimes] = useState(false);
  const [query, setQuery] = useState('');
  const [activeQuery, setActiveQuery] = useState('');
  const [matchIndex, setMatchIndex] = useState(0);
  const scrollRef = useRef<HTMLDivElement>(null);
  const onEndRef = useRef(onEnd);
  onEndRef.current = onEnd;

  useEffect(() => {
    setCount(0);
    setConnection('connecting');
    let frame = 0;
    const flush = () => {
      frame = 0;
      setCount(buffer.length);
    };
    const source = new EventSource(url, { withCredentials: true });
    source.addEventListener('open', () => setConnection('live'));
    source.addEventListener('log', (event) => {
      if (buffer.append(JSON.parse((event as MessageEvent<string>).data) as LogChunk) && !frame) frame = requestAnimationFrame(flush);
    });
    source.addEventListener('end', (event) => {
      source.close();
      setConnection('ended');
      setCount(buffer.length);
      onEndRef.current?.(JSON.parse((event as MessageEvent<string>).data) as Record<string, unknown>);
    });
    source.addEventListener('error', () => {
      if (source.readyState === EventSource.CLOSED) setConnection((c) => (c === 'ended' ? c : 'ended'));
      else setConnection((c) => (c === 'ended' ? c : 'reconnecting'));
    });
    return () => {
      source.close();
      if (frame) cancelAnimationFrame(frame);
    };
  }, [url, buffer]);

  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 30,
  });

  useLayoutEffect(() => {
    if (follow && count > 0) virtualizer.scrollToIndex(count - 1, { align: 'end' });
  }, [count, follow, virtualizer]);

  const onScroll = useCallback(() => {
    const el = scrollRef.current;
    if (!el) return;
    const atBottom = el.scrollTop + el.clientHeight >= el.scrollHeight - ROW_HEIGHT;
    setFollow(atBottom);
  }, []);

  // search runs over the whole buffer shortly after typing stops
  useEffect(() => {
    const t = window.setTimeout(() => {
      setActiveQuery(query);
      setMatchIndex(0);
    }, 200);
    return () => window.clearTimeout(t);
  }, [query]);
  const matches = useMemo(() => buffer.search(activeQuery), [buffer, activeQuery, count]);
  const goToMatch = (delta: number) => {
    if (!matches.length) return;
    const next = (matchIndex + delta + matches.length) % matches.length;
    setMatchIndex(next);
    setFollow(false);
    virtualizer.scrollToIndex(matches[next]!, { align: 'center' });
  };

  const download = () => {
    const blob = new Blob([buffer.text()], { type: 'text/plain;charset=utf-8' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = downloadName;
    a.click();
    window.setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  };

  const currentMatchLine = matches.length ? matches[matchIndex] : -1;

  return (
    <section className="log-viewer" data-testid={testId} data-connection={connection} data-lines={count}>
      <div className="log-toolbar">
        <span className={`log-connection log-connection-${connection}`} data-testid="log-connection">
          {connection === 'live' ? '● live' : connection === 'ended' ? 'complete' : connection}
        </span>
        <span className="log-count">{count.toLocaleString()} {count === 1 ? 'line' : 'lines'}</span>
        <div className="log-search">
          <input
            type="search"
            placeholder="Search logs"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') goToMatch(e.shiftKey ? -1 : 1);
            }}
            aria-label="Search logs"
            data-testid="log-search"
          />
          {activeQuery && (
            <span className="log-matches" data-testid="log-match-count">
              {matches.length ? `${matchIndex + 1}/${matches.length}` : '0 matches'}
            </span>
          )}
          <button type="button" className="btn btn-small btn-ghost" onClick={() => goToMatch(-1)} disabled={!matches.length} aria-label="Previous match">↑</button>
          <button type="button" className="btn btn-small btn-ghost" onClick={() => goToMatch(1)} disabled={!matches.length} aria-label="Next match">↓</button>
        </div>
        <label className="log-toggle">
          <input type="checkbox" checked={showTimes} onChange={(e) => setShowTimes(e.target.checked)} data-testid="log-timestamps" /> timestamps
        </label>
        <button type="button" className="btn btn-small" onClick={download} disabled={!count} data-testid="log-download">Download</button>
      </div>
      {truncated && (
        <div className="log-banner" role="status" data-testid="log-truncated">
          This run passed its log cap: later output was dropped (the run itself went on). Set SWIFTLAMBDA_MAX_LOG_BYTES to keep more.
        </div>
      )}
      <div className="log-scroll" ref={scrollRef} onScroll={onScroll} tabIndex={0} aria-label="Log output" data-testid="log-scroll">
        {count === 0 ? (
          <div className="log-empty">{connection === 'ended' ? 'This log is empty.' : emptyText}</div>
        ) : (
          <div className="log-inner" style={{ height: virtualizer.getTotalSize() }}>
            {virtualizer.getVirtualItems().map((row) => {
              const stream = buffer.stream(row.index);
              return (
                <div
                  key={row.index}
                  className={`log-line log-${stream}${row.index === currentMatchLine ? ' log-current-match' : ''}`}
                  style={{ transform: `translateY(${row.start}px)` }}
                  data-testid="log-line"
                  data-stream={stream}
                >
                  <span className="log-gutter">{row.index + 1}</span>
                  {showTimes && <span className="log-time">{formatClock(buffer.time(row.index))}</span>}
                  <span className="log-text">
                    <AnsiLine text={buffer.data[row.index]!} query={activeQuery} />
                  </span>
                </div>
              );
            })}
          </div>
        )}
      </div>
      {!follow && count > 0 && (
        <button type="button" className="btn btn-primary log-jump" onClick={() => setFollow(true)} data-testid="log-resume">
          ↓ Follow latest
        </button>
      )}
    </section>
  );
}
