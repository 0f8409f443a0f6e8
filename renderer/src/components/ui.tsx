import { useEffect, useRef, useState, type ReactNode } from 'react';
import { ApiError, type RunState } from '../api.js';
import { friendlyMessage } from '../messages.js';
import { copyText } from '../hooks.js';

export function StateBadge({
  state,
  testId,
}: {
  state: RunState | 'queued' | 'running' | 'succeeded' | 'failed' | 'active' | 'revoked' | 'expired';
  testId?: string;
}) {
  return (
    <span className={`badge badge-${state}`} data-testid={testId} data-state={state}>
      <span className="badge-dot" aria-hidden />
      {state}
    </span>
  );
}

export function CopyButton({
  text,
  label = 'Copy',
  testId,
  className = '',
}: {
  text: string;
  label?: string;
  testId?: string;
  className?: string;
}) {
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

/**
 * A modal dialog. It focuses where the user acts first: an element marked `data-autofocus`, else
 * the first text field, else the first footer button (Cancel, in a confirmation). With `onSubmit`
 * it is a form, so Enter in a field submits it through the footer's `type="submit"` button.
 */
export function Dialog({
  title,
  onClose,
  children,
  footer,
  testId,
  onSubmit,
}: {
  title: string;
  onClose: () => void;
  children: ReactNode;
  footer?: ReactNode;
  testId?: string;
  onSubmit?: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (!dialog.open) dialog.showModal();
    // showModal focuses the first focusable element, the close button: move on to the first field
    const target =
      dialog.querySelector<HTMLElement>('[data-autofocus]') ??
      dialog.querySelector<HTMLElement>(
        '.dialog-body :is(input:not([type=radio]):not([type=checkbox]), textarea, select)',
      ) ??
      dialog.querySelector<HTMLElement>('.dialog-footer button');
    target?.focus();
  }, []);
  const content = (
    <>
      <header className="dialog-header">
        <h2>{title}</h2>
        <button type="button" className="btn btn-ghost btn-small" onClick={onClose} aria-label="Close">
          ✕
        </button>
      </header>
      <div className="dialog-body">{children}</div>
      {footer && <footer className="dialog-footer">{footer}</footer>}
    </>
  );
  return (
    <dialog ref={ref} className="dialog" onClose={onClose} onCancel={onClose} data-testid={testId} aria-label={title}>
      {onSubmit ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            onSubmit();
          }}
        >
          {content}
        </form>
      ) : (
        content
      )}
    </dialog>
  );
}

/** Asks before something that cannot be undone; Cancel has the focus. */
export function ConfirmDialog({
  title,
  confirmLabel,
  onConfirm,
  onClose,
  busy = false,
  error,
  children,
  testId,
}: {
  title: string;
  confirmLabel: string;
  onConfirm: () => void;
  onClose: () => void;
  busy?: boolean;
  error?: Error;
  children: ReactNode;
  testId?: string;
}) {
  return (
    <Dialog
      title={title}
      onClose={onClose}
      testId={testId}
      footer={
        <>
          <button type="button" className="btn" onClick={onClose} data-testid="confirm-cancel">
            Cancel
          </button>
          <button
            type="button"
            className="btn btn-danger"
            onClick={onConfirm}
            disabled={busy}
            data-testid="confirm-action"
          >
            {confirmLabel}
          </button>
        </>
      }
    >
      {children}
      <ErrorNote error={error} />
    </Dialog>
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

/** An error as a sentence (messages.ts); `data-reason` carries the API's reason. */
export function ErrorNote({ error, testId }: { error: Error | string | undefined | null; testId?: string }) {
  if (!error) return null;
  const reason = error instanceof ApiError ? error.reason : undefined;
  return (
    <p className="error-note" role="alert" data-testid={testId} data-reason={reason}>
      {friendlyMessage(error)}
    </p>
  );
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
      {/* focusable: a long line scrolls sideways, and a keyboard can scroll it */}
      <pre data-testid={testId} tabIndex={0}>
        {code}
      </pre>
      <CopyButton text={code} className="code-copy" />
    </div>
  );
}
