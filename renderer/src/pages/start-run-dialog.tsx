import { useState } from 'react';
import { api, type Project, type RunMode } from '../api.js';
import { Dialog, ErrorNote } from '../components/ui.js';
import { navigate } from '../router.js';

/** Starts a run: its mode and arguments; Enter in an argument starts it, as Start does. */
export function StartRunDialog({ project, onClose }: { project: Project; onClose: () => void }) {
  const [mode, setMode] = useState<RunMode>(project.targetName.includes('service') ? 'service' : 'oneShot');
  const [args, setArgs] = useState<string[]>([]);
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const start = async () => {
    if (busy) return;
    setBusy(true);
    setError(undefined);
    try {
      const { run } = await api.startRun(project.id, mode, args);
      onClose();
      navigate({ page: 'run', projectId: project.id, runId: run.uuid });
    } catch (err) {
      setError(err as Error);
      setBusy(false);
    }
  };
  return (
    <Dialog
      title={`Start a run of ${project.name}`}
      onClose={onClose}
      testId="start-run-dialog"
      onSubmit={() => void start()}
      footer={
        <>
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button
            type="submit"
            className="btn btn-primary"
            disabled={busy}
            data-autofocus
            data-testid="confirm-start-run"
          >
            Start
          </button>
        </>
      }
    >
      <ModeFieldset mode={mode} onChange={setMode} />
      <p className="muted small">
        {mode === 'service' ? 'Long-lived: gets PORT=8080 and a proxy URL.' : 'Runs, captures its output, exits.'} Stops
        after {project.runTimeoutSeconds}s either way.
      </p>
      <div className="args">
        <span className="field-label">Arguments</span>
        {args.map((a, i) => (
          <div className="input-row" key={i}>
            {/* a new argument takes the focus: that is where the user types next */}
            <input
              className="mono"
              value={a}
              autoFocus={i === args.length - 1}
              onChange={(e) => setArgs(args.map((x, j) => (j === i ? e.target.value : x)))}
              aria-label={`Argument ${i + 1}`}
              data-testid="run-argument"
            />
            <button
              type="button"
              className="btn btn-ghost btn-small"
              onClick={() => setArgs(args.filter((_, j) => j !== i))}
              aria-label={`Remove argument ${i + 1}`}
            >
              ✕
            </button>
          </div>
        ))}
        <button
          type="button"
          className="btn btn-small"
          onClick={() => setArgs([...args, ''])}
          data-testid="add-argument"
        >
          + Add argument
        </button>
      </div>
      <ErrorNote error={error} />
    </Dialog>
  );
}

/** oneShot or service, as a segmented control (the start and debug dialogs). */
export function ModeFieldset({
  mode,
  onChange,
  testIdPrefix = 'mode',
}: {
  mode: RunMode;
  onChange: (mode: RunMode) => void;
  testIdPrefix?: string;
}) {
  return (
    <fieldset className="segmented" aria-label="Mode">
      {(['oneShot', 'service'] as const).map((m) => (
        <label key={m} className={mode === m ? 'active' : ''}>
          <input
            type="radio"
            name={testIdPrefix}
            value={m}
            checked={mode === m}
            onChange={() => onChange(m)}
            data-testid={`${testIdPrefix}-${m}`}
          />
          {m}
        </label>
      ))}
    </fieldset>
  );
}
