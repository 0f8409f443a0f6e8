// A project's configuration: its environment (a table to add, edit and remove variables, and the
// env file) and its secrets (set, replace, remove; a value is never shown, the server never sends it).
import { useEffect, useRef, useState } from 'react';
import { api, type Project } from '../api.js';
import { ErrorNote } from '../components/ui.js';
import { RELOAD, useLiveResource, useNow } from '../live-data.js';
import './project-configuration.css';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

interface Row {
  readonly key: number;
  name: string;
  value: string;
}

/** The error of the last action, and a way to run one (which clears it first). */
function useAttempt(): [Error | undefined, (work: () => Promise<void>) => Promise<void>] {
  const [error, setError] = useState<Error>();
  const attempt = async (work: () => Promise<void>) => {
    setError(undefined);
    try {
      await work();
    } catch (err) {
      setError(err as Error);
    }
  };
  return [error, attempt];
}

let nextKey = 1;
const rowsOf = (env: Record<string, string>): Row[] =>
  Object.entries(env).map(([name, value]) => ({ key: nextKey++, name, value }));

/** What is wrong with a row's name, checked as it is typed (the server checks it again, reserved names too). */
function nameProblem(rows: readonly Row[], row: Row): string | null {
  const name = row.name.trim();
  if (!name) return row.value ? 'A variable needs a name.' : null;
  if (!NAME.test(name)) return 'Letters, digits and _ only, not starting with a digit.';
  if (rows.some((r) => r !== row && r.name.trim() === name)) return `${name} is in the table twice.`;
  return null;
}

export function EnvironmentPanel({ project }: { project: Project }) {
  const [rows, setRows] = useState(() => rowsOf(project.environment ?? {}));
  const [envFile, setEnvFile] = useState(project.envFile ?? '');
  const [error, attempt] = useAttempt();
  const [saved, setSaved] = useState(false);
  const [dirty, setDirty] = useState(false);
  // a change made elsewhere (the CLI, another window) shows here unless this table has edits of its own
  useEffect(() => {
    if (dirty) return;
    setRows(rowsOf(project.environment ?? {}));
    setEnvFile(project.envFile ?? '');
  }, [project.updated]);

  const edit = (next: Row[]) => {
    setRows(next);
    setDirty(true);
    setSaved(false);
  };
  const update = (row: Row, field: 'name' | 'value', value: string) =>
    edit(rows.map((r) => (r === row ? { ...r, [field]: value } : r)));
  const problems = rows.map((r) => nameProblem(rows, r));
  const save = (e: React.FormEvent) => {
    e.preventDefault();
    const environment = Object.fromEntries(
      rows.filter((r) => r.name.trim() || r.value).map((r) => [r.name.trim(), r.value]),
    );
    void attempt(async () => {
      const { project: next } = await api.updateProject(project.id, {
        environment,
        envFile: envFile.trim() ? envFile.trim() : null,
      });
      setRows(rowsOf(next.environment));
      setDirty(false);
      setSaved(true);
    });
  };
  return (
    <form className="panel form config-panel" onSubmit={save} noValidate data-testid="environment-panel">
      <h2>Environment</h2>
      <p className="muted small">
        Plain configuration for every run and function, read when it starts. Secrets below win over these; the
        emulator&apos;s own variables (PORT, LAMBDA_RUN_UUID…) win over both.
      </p>
      {rows.length === 0 ? (
        <p className="muted" data-testid="environment-empty">
          No variables yet.
        </p>
      ) : (
        <table className="table table-compact config-table" data-testid="environment-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Value</th>
              <th aria-label="Actions" />
            </tr>
          </thead>
          <tbody>
            {rows.map((row, i) => (
              <tr key={row.key} data-testid="env-row">
                <td>
                  <input
                    className="mono"
                    value={row.name}
                    placeholder="NAME"
                    aria-label="Name"
                    aria-invalid={problems[i] ? true : undefined}
                    spellCheck={false}
                    onChange={(e) => update(row, 'name', e.target.value)}
                    data-testid="env-name"
                  />
                  {problems[i] && (
                    <div className="field-problem" data-testid="env-name-problem">
                      {problems[i]}
                    </div>
                  )}
                </td>
                <td>
                  <input
                    className="mono"
                    value={row.value}
                    placeholder="value"
                    aria-label={`Value of ${row.name || 'the new variable'}`}
                    spellCheck={false}
                    onChange={(e) => update(row, 'value', e.target.value)}
                    data-testid="env-value"
                  />
                </td>
                <td className="actions">
                  <button
                    type="button"
                    className="btn btn-small btn-ghost"
                    onClick={() => edit(rows.filter((r) => r !== row))}
                    aria-label={`Remove ${row.name || 'this variable'}`}
                    data-testid="env-remove"
                  >
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <label className="config-env-file">
        <span>Env file</span>
        <input
          className="mono"
          value={envFile}
          placeholder=".env"
          spellCheck={false}
          onChange={(e) => {
            setEnvFile(e.target.value);
            setDirty(true);
            setSaved(false);
          }}
          title="A dotenv file in the package folder, read when each run starts (the environment above wins over it)"
          data-testid="env-file"
        />
      </label>
      <ErrorNote error={error} testId="environment-error" />
      <div className="form-actions">
        <button
          type="button"
          className="btn btn-ghost"
          onClick={() => edit([...rows, { key: nextKey++, name: '', value: '' }])}
          data-testid="env-add"
        >
          Add variable
        </button>
        <span className="spacer" />
        {saved && <span className="muted">Saved</span>}
        <button type="submit" className="btn" disabled={problems.some(Boolean)} data-testid="env-save">
          Save environment
        </button>
      </div>
    </form>
  );
}

/** "3 minutes ago" */
function ago(unixSeconds: number, nowMs: number): string {
  const s = Math.max(0, Math.round(nowMs / 1000 - unixSeconds));
  if (s < 5) return 'just now';
  const [n, unit] =
    s < 60
      ? [s, 'second']
      : s < 3600
        ? [Math.floor(s / 60), 'minute']
        : s < 86_400
          ? [Math.floor(s / 3600), 'hour']
          : [Math.floor(s / 86_400), 'day'];
  return `${n} ${unit}${n === 1 ? '' : 's'} ago`;
}

export function SecretsPanel({ project }: { project: Project }) {
  // a secret's change is told as a `project` event (its names may have changed): the list is fetched again
  const secrets = useLiveResource(
    () => api.secrets(project.id).then((r) => r.secrets),
    (list, event) => (event.type === 'project' && event.data.id === project.id ? RELOAD : list),
    [project.id],
  );
  const now = useNow(30_000);
  const [name, setName] = useState('');
  const [value, setValue] = useState('');
  const [error, attempt] = useAttempt();
  const [done, setDone] = useState<string>();
  const valueInput = useRef<HTMLInputElement>(null);
  const list = secrets.data ?? [];
  const replacing = list.some((s) => s.name === name.trim());
  const problem =
    name.trim() && !NAME.test(name.trim()) ? 'Letters, digits and _ only, not starting with a digit.' : null;

  const set = (e: React.FormEvent) => {
    e.preventDefault();
    const secretName = name.trim();
    void attempt(async () => {
      await api.setSecret(project.id, secretName, value);
      setDone(`${replacing ? 'Replaced' : 'Set'} ${secretName}`);
      setName('');
      setValue('');
      secrets.reload();
    });
  };
  const remove = (secretName: string) =>
    attempt(async () => {
      await api.removeSecret(project.id, secretName);
      setDone(`Removed ${secretName}`);
      secrets.reload();
    });
  return (
    <form className="panel form config-panel" onSubmit={set} noValidate data-testid="secrets-panel">
      <h2>Secrets</h2>
      <p className="muted small">
        Given to every run and function in its environment and masked as *** in its logs. A value is never shown again:
        replace it to change it.
      </p>
      <ErrorNote error={secrets.error} />
      {list.length === 0 ? (
        <p className="muted" data-testid="secrets-empty">
          No secrets yet.
        </p>
      ) : (
        <table className="table table-compact config-table" data-testid="secrets-table">
          <tbody>
            {list.map((s) => (
              <tr key={s.name} data-testid="secret-row" data-name={s.name}>
                <td className="mono wrap-anywhere">{s.name}</td>
                <td className="muted" data-testid="secret-updated">
                  set {ago(s.updated, now)}
                </td>
                <td className="actions">
                  <button
                    type="button"
                    className="btn btn-small btn-ghost"
                    onClick={() => {
                      setName(s.name);
                      setValue('');
                      valueInput.current?.focus();
                    }}
                    data-testid="secret-replace"
                  >
                    Replace
                  </button>
                  <button
                    type="button"
                    className="btn btn-small btn-danger-ghost"
                    onClick={() => void remove(s.name)}
                    aria-label={`Remove ${s.name}`}
                    data-testid="secret-remove"
                  >
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="config-secret-form">
        <label>
          <span>Name</span>
          <input
            className="mono"
            value={name}
            placeholder="DB_PASSWORD"
            spellCheck={false}
            aria-invalid={problem ? true : undefined}
            onChange={(e) => {
              setName(e.target.value);
              setDone(undefined);
            }}
            data-testid="secret-name"
          />
        </label>
        <label>
          <span>Value</span>
          <input
            ref={valueInput}
            type="password"
            autoComplete="off"
            value={value}
            onChange={(e) => setValue(e.target.value)}
            data-testid="secret-value"
          />
        </label>
      </div>
      {problem && (
        <div className="field-problem" data-testid="secret-name-problem">
          {problem}
        </div>
      )}
      <ErrorNote error={error} testId="secrets-error" />
      <div className="form-actions">
        {done && (
          <span className="muted" data-testid="secrets-done">
            {done}
          </span>
        )}
        <span className="spacer" />
        <button type="submit" className="btn" disabled={!name.trim() || !value || !!problem} data-testid="secret-set">
          {replacing ? 'Replace secret' : 'Set secret'}
        </button>
      </div>
    </form>
  );
}
