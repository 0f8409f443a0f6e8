import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { RunState } from '../api.js';
import { copyText } from '../hooks.js';

export function StateBadge({ state, testId }: { state: RunState | 'queued' | 'running' | 'succeeded' | 'failed' | 'active' | 'revoked' | 'expired'; testId?: string }) {
  return (
    <span className={`badge badge-${state}`} data-testid={testId} data-state={state}>
      <span className="badge-dot" aria-hidden />
      {state}
    </span>
  );
}

export function CopyButton({ text, label = 'Copy', testId, className = '' }: { text: string; label?: string; testId?: string; className?: string }) {
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (!copied) return;
    const t = window.setTimeout(() => setCopied(false), 1500);
    return () => window.clearTimeout(t);
  }, [copied]);
  return (
    <button
      type="button"
      className={`btn btn-small ${className}`}
      data-testid={testId}
      onClick={async () => setCopied(await copyText(text))}
      aria-label={`${label}: ${text}`}
    >
      {copied ? 'Copied' : label}
    </button>
  );
}

export function Dialog({ title, onClose, children, footer, testId }: { title: string; onClose: () => void; children: ReactNode; footer?: ReactNode; testId?: string }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);
  return (
    <dialog ref={ref} className="dialog" onClose={onClose} onCancel={onClose} data-testid={testId} aria-label={title}>
      <header className="dialog-header">
        <h2>{title}</h2>
        <button type="button" className="btn btn-ghost btn-small" onClick={onClose} aria-label="Close">✕</button>
      </header>
      <div className="dialog-body">{children}</div>
      {footer && <footer className="dialog-footer">{footer}</footer>}
    </dialog>
  );
}

export function EmptyState({ title, children, testId }: { title: string; children?: ReactNode; testId?: string }) {
  return (
    <div className="empty" data-testid={testId}>
      <h3>{title}</h3>
      {children}
    </div>
  );
}

export function ErrorNote({ error }: { error: Error | string | undefined | null }) {
  if (!error) return null;
  return <p className="error-note" role="alert">{typeof error === 'string' ? error : error.message}</p>;
}

export function Field({ label, hint, children }: { label: string; hint?: ReactNode; children: ReactNode }) {
  return (
    <label className="field">
      <span className="field-label">{label}</span>
      {children}
      {hint && <span className="field-hint">{hint}</span>}
    </label>
  );
}

export function CodeBlock({ code, testId }: { code: string; testId?: string }) {
  return (
    <div className="code-block">
      <pre data-testid={testId}>{code}</pre>
      <CopyButton text={code} className="code-copy" />
    </div>
  );
}
