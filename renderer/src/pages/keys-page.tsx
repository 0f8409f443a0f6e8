import { useState } from 'react';
import { api, type Key, type Project } from '../api.js';
import { CodeBlock, CopyButton, Dialog, EmptyState, ErrorNote, Field, StateBadge } from '../components/ui.js';
import { formatDate, formatRelative } from '../format.js';
import { useKeys } from '../live-data.js';
import { rememberSecret } from '../session-keys.js';

const PRESETS: Array<{ label: string; days: number | null | 'custom' }> = [
  { label: '30 days', days: 30 },
  { label: '90 days', days: 90 },
  { label: '1 year', days: 365 },
  { label: 'Custom', days: 'custom' },
  { label: 'Never', days: null },
];

function keyStatus(k: Key): 'active' | 'revoked' | 'expired' {
  if (k.revokedAt) return 'revoked';
  if (k.expiresAt && k.expiresAt * 1000 <= Date.now()) return 'expired';
  return 'active';
}

export function KeysPage({ projects }: { projects: Project[] }) {
  const keys = useKeys();
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<{ key: Key; secret: string }>();
  const [revoking, setRevoking] = useState<Key>();
  const [error, setError] = useState<Error>();
  const names = new Map(projects.map((p) => [p.id, p.name]));

  const revoke = async (key: Key) => {
    setError(undefined);
    try {
      await api.revokeKey(key.id);
      setRevoking(undefined);
    } catch (err) {
      setError(err as Error);
    }
  };

  const list = keys.data ?? [];
  return (
    <div className="page">
      <header className="page-header">
        <h1>API keys</h1>
        <div className="toolbar">
          <button type="button" className="btn btn-primary" onClick={() => setCreating(true)} data-testid="create-key">
            Create new key
          </button>
        </div>
      </header>
      <ErrorNote error={error ?? keys.error} />
      {keys.data && list.length === 0 ? (
        <EmptyState title="No API keys yet" testId="keys-empty">
          <p>
            The public API (runs, logs, the service proxy) takes an <code>X-API-Key</code> header. Create a key, then
            try:
          </p>
          <p>
            Its secret is shown once; the console keeps it in this tab only, so its curl snippets work until you reload.
          </p>
        </EmptyState>
      ) : (
        <table className="table" data-testid="keys-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Prefix</th>
              <th>Status</th>
              <th className="col-optional">Created</th>
              <th>Expires</th>
              <th>Last used</th>
              <th>Projects</th>
              <th aria-label="Actions" />
            </tr>
          </thead>
          <tbody>
            {list.map((k) => (
              <tr key={k.id} data-testid="key-row" data-key-id={k.id}>
                <td className="wrap">{k.name}</td>
                <td className="mono">{k.prefix}…</td>
                <td>
                  <StateBadge state={keyStatus(k)} testId="key-status" />
                </td>
                <td className="col-optional">{formatDate(k.createdAt)}</td>
                <td>{formatDate(k.expiresAt)}</td>
                <td>{k.lastUsedAt ? formatRelative(k.lastUsedAt) : 'never'}</td>
                <td className="wrap">
                  {k.projects ? k.projects.map((id) => names.get(id) ?? id.slice(0, 8)).join(', ') : 'all projects'}
                </td>
                <td className="actions">
                  {!k.revokedAt && (
                    <button
                      type="button"
                      className="btn btn-small btn-danger-ghost"
                      onClick={() => setRevoking(k)}
                      data-testid="revoke-key"
                    >
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {creating && (
        <CreateKeyDialog
          projects={projects}
          onClose={() => setCreating(false)}
          onCreated={(c) => {
            setCreating(false);
            setCreated(c);
            rememberSecret(c.key.id, c.secret);
          }}
        />
      )}
      {created && (
        <Dialog
          title="Save your new key"
          onClose={() => setCreated(undefined)}
          testId="key-created"
          footer={
            <button
              type="button"
              className="btn btn-primary"
              onClick={() => setCreated(undefined)}
              data-testid="key-done"
            >
              I saved it
            </button>
          }
        >
          <p className="warning">
            This is the only time the full secret is shown. Store it in a password manager or your CI secrets now;
            afterwards only its prefix is visible.
          </p>
          <div className="secret-row">
            <code className="secret mono" data-testid="key-secret">
              {created.secret}
            </code>
            <CopyButton text={created.secret} testId="copy-key-secret" />
          </div>
          <TryKey created={created} projects={projects} />
        </Dialog>
      )}
      {revoking && (
        <Dialog
          title={`Revoke “${revoking.name}”?`}
          onClose={() => setRevoking(undefined)}
          testId="revoke-dialog"
          footer={
            <>
              <button type="button" className="btn" onClick={() => setRevoking(undefined)}>
                Cancel
              </button>
              <button
                type="button"
                className="btn btn-danger"
                onClick={() => revoke(revoking)}
                data-testid="confirm-revoke"
              >
                Revoke key
              </button>
            </>
          }
        >
          <p>
            Anything still using <code className="mono">{revoking.prefix}…</code> gets 401 on its next request. This
            cannot be undone.
          </p>
        </Dialog>
      )}
    </div>
  );
}

/** A first call with the new key: listing the runs of a project it may use. */
function TryKey({ created, projects }: { created: { key: Key; secret: string }; projects: Project[] }) {
  const projectId = created.key.projects?.[0] ?? projects[0]?.id;
  if (!projectId)
    return (
      <p className="muted small">
        Add a project: its page shows curl commands with this key (kept in this tab until you reload).
      </p>
    );
  return (
    <>
      <p className="muted small">Try it:</p>
      <CodeBlock code={`curl ${location.origin}/lambdas/${projectId}/runs \\\n  -H "X-API-Key: ${created.secret}"`} />
    </>
  );
}

function CreateKeyDialog({
  projects,
  onClose,
  onCreated,
}: {
  projects: Project[];
  onClose: () => void;
  onCreated: (c: { key: Key; secret: string }) => void;
}) {
  const [name, setName] = useState('');
  const [preset, setPreset] = useState<number | null | 'custom'>(null);
  const [customDays, setCustomDays] = useState('14');
  const [restrict, setRestrict] = useState(false);
  const [selected, setSelected] = useState<string[]>([]);
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    if (busy || !name.trim() || (restrict && !selected.length)) return;
    setBusy(true);
    setError(undefined);
    try {
      const expiresInDays = preset === 'custom' ? Number(customDays) : preset;
      onCreated(await api.createKey({ name, expiresInDays, ...(restrict ? { projects: selected } : {}) }));
    } catch (err) {
      setError(err as Error);
      setBusy(false);
    }
  };
  return (
    <Dialog
      title="Create a new API key"
      onClose={onClose}
      testId="create-key-dialog"
      onSubmit={() => void submit()}
      footer={
        <>
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button
            type="submit"
            className="btn btn-primary"
            disabled={busy || !name.trim() || (restrict && !selected.length)}
            data-testid="confirm-create-key"
          >
            Create key
          </button>
        </>
      }
    >
      <Field label="Name" hint="For your own reference, e.g. “CI deploy”. Enter creates the key.">
        <input value={name} onChange={(e) => setName(e.target.value)} data-testid="key-name" />
      </Field>
      <fieldset className="segmented" aria-label="Expiry">
        {PRESETS.map((p) => (
          <label key={p.label} className={preset === p.days ? 'active' : ''}>
            <input
              type="radio"
              name="expiry"
              checked={preset === p.days}
              onChange={() => setPreset(p.days)}
              data-testid={`expiry-${p.label.replace(' ', '-').toLowerCase()}`}
            />
            {p.label}
          </label>
        ))}
      </fieldset>
      {preset === 'custom' && (
        <Field label="Days">
          <input type="number" min={1} max={3650} value={customDays} onChange={(e) => setCustomDays(e.target.value)} />
        </Field>
      )}
      <label className="check">
        <input
          type="checkbox"
          checked={restrict}
          onChange={(e) => setRestrict(e.target.checked)}
          data-testid="key-restrict"
        />{' '}
        Restrict to specific projects
      </label>
      {restrict && (
        <div className="project-picks">
          {projects.length === 0 && <p className="muted">No projects yet.</p>}
          {projects.map((p) => (
            <label key={p.id} className="check">
              <input
                type="checkbox"
                checked={selected.includes(p.id)}
                onChange={(e) =>
                  setSelected(e.target.checked ? [...selected, p.id] : selected.filter((x) => x !== p.id))
                }
              />
              {p.name} <span className="muted mono small">{p.id.slice(0, 8)}</span>
            </label>
          ))}
        </div>
      )}
      <ErrorNote error={error} />
    </Dialog>
  );
}
