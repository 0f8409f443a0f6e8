// Secrets of API keys created (or pasted) in this tab, so curl snippets can carry a real key. They
// stay in memory only, never in localStorage: a reload forgets them, as the server shows a secret once.
import { useSyncExternalStore } from 'react';

const secrets = new Map<string, string>();
let chosen: string | null = null;
let version = 0;
const listeners = new Set<() => void>();

function changed(): void {
  version++;
  for (const listener of [...listeners]) listener();
}

/** Keeps a key's secret for this tab and makes it the one snippets use. */
export function rememberSecret(keyId: string, secret: string): void {
  secrets.set(keyId, secret);
  chosen = keyId;
  changed();
}

/** The key snippets use from now on (its secret may not be known: the snippet then asks for it). */
export function chooseSnippetKey(keyId: string): void {
  chosen = keyId;
  changed();
}

export interface SessionKeys {
  readonly secretOf: (keyId: string) => string | undefined;
  readonly chosen: string | null;
}

export function useSessionKeys(): SessionKeys {
  useSyncExternalStore(
    (notify) => {
      listeners.add(notify);
      return () => listeners.delete(notify);
    },
    () => version,
  );
  return { secretOf: (keyId) => secrets.get(keyId), chosen };
}
