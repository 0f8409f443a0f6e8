// The path a service was last called with, for the curl snippets: a path its code answers rather
// than a made-up `/hello`.
import { runApi } from './api.js';
import { useLiveResource } from './live-data.js';

const REDACTED = '[redacted]';

/** A logged query without the parameters the log redacted (Replay and the snippets never send the marker). */
export function withoutRedactedParams(query: string): string {
  return query
    .split('&')
    .filter((part) => !part.includes(REDACTED))
    .join('&');
}

/**
 * The path and query (after `/api`, from `/`) of the newest call the request log holds for `runId`,
 * live from the change stream; `/` when there is none yet (or no run).
 */
export function useCalledPath(runId: string | null): string {
  const newest = useLiveResource<{ id: number; path: string } | null>(
    async () => {
      if (!runId) return null;
      const [row] = (await runApi.requests(runId, 1)).requests;
      return row ? { id: Number(row.id), path: withQuery(row.path, row.query) } : null;
    },
    (current, event) => {
      if (event.type !== 'requests' || event.data.run !== runId) return current;
      let best = current;
      for (const row of event.data.requests)
        if (!best || Number(row.id) > best.id) best = { id: Number(row.id), path: withQuery(row.path, row.query) };
      return best;
    },
    [runId],
  );
  return newest.data?.path ?? '/';
}

function withQuery(path: string, query: string): string {
  const kept = withoutRedactedParams(query);
  return kept ? `${path}?${kept}` : path;
}
