import { useCallback, useEffect, useRef, useState } from 'react';

/** Calls `load` now and every `intervalMs` while mounted; `reload()` refreshes at once. */
export function usePoll<T>(
  load: () => Promise<T>,
  intervalMs: number,
  deps: readonly unknown[],
): {
  data: T | undefined;
  error: Error | undefined;
  reload: () => void;
} {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<Error>();
  const loadRef = useRef(load);
  loadRef.current = load;
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  useEffect(() => {
    let alive = true;
    let timer: number | undefined;
    const run = async () => {
      try {
        const value = await loadRef.current();
        if (alive) {
          setData(value);
          setError(undefined);
        }
      } catch (err) {
        if (alive) setError(err as Error);
      }
      if (alive && intervalMs > 0) timer = window.setTimeout(run, intervalMs);
    };
    void run();
    return () => {
      alive = false;
      window.clearTimeout(timer);
    };
  }, [...deps, tick, intervalMs]);
  return { data, error, reload };
}

export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // clipboard API refused (insecure context or permissions): fall back to a hidden textarea
    const area = document.createElement('textarea');
    area.value = text;
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.appendChild(area);
    area.select();
    const ok = document.execCommand('copy');
    area.remove();
    return ok;
  }
}
