import { useState } from 'react';
import { api, type Key } from '../api.js';
import { useKeys } from '../live-data.js';
import { chooseSnippetKey, rememberSecret, useSessionKeys } from '../session-keys.js';
import { CodeBlock, ErrorNote } from './ui.js';

/** What a snippet sends when no secret is known yet: a shell variable, valid once the user sets it. */
export const KEY_VARIABLE = '$SWIFTLAMBDA_API_KEY';

function usable(key: Key, projectId: string | undefined): boolean {
  if (key.revokedAt || (key.expiresAt && key.expiresAt * 1000 <= Date.now())) return false;
  return !projectId || !key.projects || key.projects.includes(projectId);
}

/**
 * A curl command with a real API key in it: one created (or pasted) in this tab, picked from the
 * user's keys, or a new one made here in one click. `code(secret)` writes the command.
 */
export function CurlSnippet({
  code,
  projectId,
  testId,
}: {
  code: (secret: string) => string;
  projectId?: string;
  testId?: string;
}) {
  const keys = useKeys();
  const session = useSessionKeys();
  const [pasted, setPasted] = useState('');
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const candidates = (keys.data ?? []).filter((k) => usable(k, projectId));
  // the chosen key, else the newest whose secret this tab knows, else the newest
  const key =
    candidates.find((k) => k.id === session.chosen) ?? candidates.find((k) => session.secretOf(k.id)) ?? candidates[0];
  const secret = key ? session.secretOf(key.id) : undefined;

  const createKey = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const created = await api.createKey({
        name: 'curl from the console',
        expiresInDays: 30,
        ...(projectId ? { projects: [projectId] } : {}),
      });
      rememberSecret(created.key.id, created.secret);
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  const paste = (value: string) => {
    setPasted(value);
    if (key && value.trim().startsWith(key.prefix) && value.trim().length > key.prefix.length) {
      rememberSecret(key.id, value.trim());
      setPasted('');
    }
  };

  return (
    <div
      className="curl-snippet"
      data-testid={testId}
      data-key-id={key?.id ?? ''}
      data-has-secret={secret ? 'true' : 'false'}
    >
      <div className="curl-key-row">
        <span className="field-label">API key</span>
        {candidates.length > 0 && (
          <select
            value={key?.id ?? ''}
            onChange={(e) => chooseSnippetKey(e.target.value)}
            aria-label="API key for the snippet"
            data-testid="snippet-key"
          >
            {candidates.map((k) => (
              <option key={k.id} value={k.id}>
                {k.name} ({k.prefix}…){session.secretOf(k.id) ? '' : ' · secret not in this tab'}
              </option>
            ))}
          </select>
        )}
        <button
          type="button"
          className="btn btn-small"
          onClick={createKey}
          disabled={busy || keys.data === undefined}
          data-testid="snippet-create-key"
        >
          {candidates.length ? 'New key' : 'Create a key'}
        </button>
      </div>
      {key && !secret && (
        <label className="curl-paste">
          <span className="muted small">
            Secrets are shown once. Paste the secret of “{key.name}” to put it in the command (kept in this tab only),
            or set {KEY_VARIABLE}:
          </span>
          <input
            type="password"
            className="mono"
            value={pasted}
            onChange={(e) => paste(e.target.value)}
            placeholder={`${key.prefix}…`}
            autoComplete="off"
            data-testid="snippet-paste-secret"
          />
        </label>
      )}
      {!key && keys.data && (
        <p className="muted small">
          No API key can call this yet. Create one: its secret goes into the command and stays in this tab only.
        </p>
      )}
      <ErrorNote error={error} />
      <CodeBlock code={code(secret ?? KEY_VARIABLE)} testId={testId ? `${testId}-code` : undefined} />
    </div>
  );
}
