import { useState } from 'react';
import { api, consoleApi, type Compilation, type Project, type RunMode } from '../api.js';
import { Dialog, ErrorNote } from '../components/ui.js';
import { navigate } from '../router.js';
import { ModeFieldset } from './start-run-dialog.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Debug: a run under lldb-server. Switches the project to debug builds and builds when the newest
 * build is not a debug one, then starts the run and opens its page (the lldb command and launch.json).
 */
export function DebugRunDialog({
  project,
  newestSucceeded,
  onClose,
}: {
  project: Project;
  newestSucceeded: Compilation | undefined;
  onClose: () => void;
}) {
  const [mode, setMode] = useState<RunMode>(project.targetName.includes('service') ? 'service' : 'oneShot');
  const [timeout, setTimeoutSeconds] = useState(String(Math.max(project.runTimeoutSeconds, 1800)));
  const [step, setStep] = useState<string>();
  const [error, setError] = useState<Error>();
  const start = async () => {
    if (step) return;
    setError(undefined);
    try {
      if (newestSucceeded?.configuration !== 'debug') {
        if (project.buildConfiguration !== 'debug') {
          setStep('Switching to debug builds…');
          await api.updateProject(project.id, { buildConfiguration: 'debug' });
        }
        setStep('Building a debug build…');
        const { compilation } = await api.build(project.id);
        for (;;) {
          await sleep(1000);
          const c = (await api.compilations(project.id)).compilations.find((x) => x.id === compilation.id);
          if (c?.state === 'failed') throw new Error(`the debug build failed: ${c.errorSummary ?? 'see its log'}`);
          if (c?.state === 'succeeded') break;
        }
      }
      setStep('Starting the debug run…');
      const { run } = await consoleApi.startDebugRun(project.id, {
        mode,
        arguments: [],
        runTimeoutSeconds: Number(timeout),
      });
      onClose();
      navigate({ page: 'run', projectId: project.id, runId: run.uuid });
    } catch (err) {
      setError(err as Error);
      setStep(undefined);
    }
  };
  return (
    <Dialog
      title={`Debug ${project.name} with LLDB`}
      onClose={onClose}
      testId="debug-run-dialog"
      onSubmit={() => void start()}
      footer={
        <>
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={!!step} data-testid="confirm-debug-run">
            {step ?? 'Debug'}
          </button>
        </>
      }
    >
      <ModeFieldset mode={mode} onChange={setMode} testIdPrefix="debug-mode" />
      <p className="muted small">
        {newestSucceeded?.configuration === 'debug'
          ? 'Runs the newest build, a debug build.'
          : 'The newest build is not a debug build: the project switches to debug builds and builds first.'}{' '}
        The program waits for your debugger before its first line.
      </p>
      <label className="field">
        <span className="field-label">Deadline for this run (seconds)</span>
        <input
          type="number"
          min={1}
          max={86400}
          value={timeout}
          onChange={(e) => setTimeoutSeconds(e.target.value)}
          data-testid="debug-timeout"
        />
      </label>
      <ErrorNote error={error} />
    </Dialog>
  );
}
