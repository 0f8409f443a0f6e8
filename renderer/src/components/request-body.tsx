import { useMemo } from 'react';
import type { LoggedBody } from '../api.js';
import { formatBytes } from '../format.js';

/** Bytes of a binary body shown as hex; the rest is counted. */
const HEX_SHOWN = 4096;

/** A body of the request log: pretty JSON when it is JSON, text, or a hex view of binary data. */
export function BodyView({
  body,
  bytes,
  contentType,
  testId,
}: {
  body: LoggedBody | null;
  bytes: number;
  contentType: string | null;
  testId: string;
}) {
  const view = useMemo(() => render(body, contentType), [body, contentType]);
  if (bytes === 0)
    return (
      <p className="muted small body-none" data-testid={testId} data-kind="empty">
        No body.
      </p>
    );
  if (!body || !view) {
    return (
      <p className="muted small body-none" data-testid={testId} data-kind="dropped">
        {formatBytes(bytes)}: longer than the 64 KiB the log keeps of a body.
      </p>
    );
  }
  return (
    <div className="body-view" data-testid={testId} data-kind={view.kind}>
      <div className="body-meta muted small">
        {view.kind === 'json' ? 'JSON' : view.kind === 'hex' ? 'binary' : 'text'} · {formatBytes(bytes)}
        {view.note && <> · {view.note}</>}
      </div>
      <pre className="body-pre">{view.text}</pre>
    </div>
  );
}

function render(
  body: LoggedBody | null,
  contentType: string | null,
): { kind: 'json' | 'text' | 'hex'; text: string; note?: string } | null {
  if (!body) return null;
  if ('base64' in body) {
    const bytes = decodeBase64(body.base64);
    const note = bytes.length > HEX_SHOWN ? `first ${formatBytes(HEX_SHOWN)} shown` : undefined;
    return { kind: 'hex', text: hexDump(bytes.subarray(0, HEX_SHOWN)), note };
  }
  const looksJson = /\bjson\b/i.test(contentType ?? '') || /^\s*[[{]/.test(body.text);
  if (looksJson) {
    try {
      return { kind: 'json', text: JSON.stringify(JSON.parse(body.text), null, 2) };
    } catch {
      // not JSON after all: shown as it came
    }
  }
  return { kind: 'text', text: body.text };
}

function decodeBase64(base64: string): Uint8Array {
  const binary = atob(base64);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/** `00000000  89 50 4e 47 …  |.PNG…|`, 16 bytes a line, as `hexdump -C` prints it. */
export function hexDump(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let offset = 0; offset < bytes.length; offset += 16) {
    const row = bytes.subarray(offset, offset + 16);
    const hex = Array.from(row, (b) => b.toString(16).padStart(2, '0'));
    const left = hex.slice(0, 8).join(' ');
    const right = hex.slice(8).join(' ');
    const ascii = Array.from(row, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${offset.toString(16).padStart(8, '0')}  ${left.padEnd(23)}  ${right.padEnd(23)}  |${ascii}|`);
  }
  return lines.join('\n');
}
