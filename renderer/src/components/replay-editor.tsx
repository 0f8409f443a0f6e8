import { useState } from 'react';
import { runApi, type LoggedRequest } from '../api.js';
import { withoutRedactedParams } from '../called-path.js';
import { Dialog, ErrorNote, Field } from './ui.js';

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'];
const REDACTED = '[redacted]';
/** Headers the replay sets itself (or that describe the old connection): not offered for editing. */
const NOT_EDITED = new Set([
  'host',
  'content-length',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'expect',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-forwarded-prefix',
]);

/**
 * "Edit and replay", as ngrok's inspector has it: the selected call's method, path, headers and
 * body, prefilled and editable, sent to the run again by the server's replay. What the log
 * redacted is left out of the form (the server would drop it anyway); a binary body is sent as logged.
 */
export function ReplayEditor({
  row,
  runId,
  onReplayed,
  onClose,
}: {
  row: LoggedRequest;
  runId: string;
  onReplayed: (record: LoggedRequest) => void;
  onClose: () => void;
}) {
  const textBody =
    row.requestBody === null
      ? row.requestBytes === 0
        ? ''
        : null
      : 'text' in row.requestBody
        ? row.requestBody.text
        : null;
  const [method, setMethod] = useState(row.method);
  const [path, setPath] = useState(row.query ? `${row.path}?${withoutRedactedParams(row.query)}` : row.path);
  const [headers, setHeaders] = useState(() =>
    editableHeaders(row.requestHeaders)
      .map(([n, v]) => `${n}: ${v}`)
      .join('\n'),
  );
  const [body, setBody] = useState(textBody ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | string>();

  const send = async () => {
    const parsed = parseHeaders(headers);
    if (typeof parsed === 'string') {
      setError(parsed);
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const edit = { method, path, headers: parsed, ...(textBody !== null ? { body } : {}) };
      onReplayed((await runApi.replay(runId, row.id, edit)).request);
      onClose();
    } catch (err) {
      setError(err as Error);
      setBusy(false);
    }
  };

  return (
    <Dialog
      title="Edit and replay"
      onClose={onClose}
      onSubmit={send}
      testId="replay-editor"
      footer={
        <>
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy} data-testid="replay-editor-send">
            {busy ? 'Sending…' : 'Send'}
          </button>
        </>
      }
    >
      <div className="replay-line">
        <Field label="Method">
          <select value={method} onChange={(e) => setMethod(e.target.value)} data-testid="replay-method">
            {METHODS.map((m) => (
              <option key={m}>{m}</option>
            ))}
          </select>
        </Field>
        <Field label="Path (after /api)">
          <input
            className="mono"
            value={path}
            onChange={(e) => setPath(e.target.value)}
            spellCheck={false}
            data-autofocus=""
            data-testid="replay-path"
          />
        </Field>
      </div>
      <Field
        label="Headers"
        hint="One “Name: value” a line. Credentials the log redacted are left out; the emulator's own are never sent."
      >
        <textarea
          className="mono"
          rows={5}
          value={headers}
          onChange={(e) => setHeaders(e.target.value)}
          spellCheck={false}
          data-testid="replay-headers"
        />
      </Field>
      {textBody === null ? (
        <p className="muted small">The body is binary or longer than the log keeps: it is sent as logged.</p>
      ) : (
        <Field label="Body">
          <textarea
            className="mono"
            rows={8}
            value={body}
            onChange={(e) => setBody(e.target.value)}
            spellCheck={false}
            data-testid="replay-body"
          />
        </Field>
      )}
      <ErrorNote error={error} testId="replay-editor-error" />
    </Dialog>
  );
}

/** The logged headers a user may edit: not the redacted ones (a Cookie keeps its other pairs), not the replay's own. */
function editableHeaders(headers: Array<[string, string]>): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [name, value] of headers) {
    if (NOT_EDITED.has(name.toLowerCase())) continue;
    if (!value.includes(REDACTED)) out.push([name, value]);
    else if (name.toLowerCase() === 'cookie') {
      const kept = value
        .split(';')
        .map((p) => p.trim())
        .filter((p) => p && !p.includes(REDACTED));
      if (kept.length) out.push([name, kept.join('; ')]);
    }
  }
  return out;
}

/** `Name: value` lines as pairs, or what is wrong with a line. */
export function parseHeaders(text: string): Array<[string, string]> | string {
  const out: Array<[string, string]> = [];
  for (const [i, line] of text.split('\n').entries()) {
    if (!line.trim()) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) return `Header line ${i + 1} is not “Name: value”.`;
    out.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  }
  return out;
}
