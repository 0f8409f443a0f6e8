import { useEffect, useState } from 'react';
import { consoleApi, type ConsoleRun, type DebugRunResponse } from '../api.js';
import { CopyButton, ErrorNote } from './ui.js';

const STATE_TEXT = {
  waiting: 'The program is stopped before its first line, waiting for a debugger.',
  attached: 'A debugger is attached.',
  detached: 'The debugger has left; the program goes on by itself.',
} as const;

/** A debug run's debugger: its state (live), the lldb command and VS Code's launch.json, each with a copy button. */
export function DebugPanel({ run }: { run: ConsoleRun }) {
  const [answer, setAnswer] = useState<DebugRunResponse['debug']>();
  const [error, setError] = useState<Error>();
  useEffect(() => {
    consoleApi.debugOfRun(run.uuid).then(
      (r) => setAnswer(r.debug),
      (err: unknown) => setError(err as Error),
    );
  }, [run.uuid]);
  if (!run.debug) return null;
  const launchJson = answer ? JSON.stringify(answer.vscode, null, 2) : '';
  return (
    <section className="panel debug-panel" data-testid="debug-panel" data-debug-state={run.debug.state}>
      <div className="proxy-row">
        <span className="field-label">Debugger</span>
        <code className="mono" data-testid="debug-port">
          127.0.0.1:{run.debug.port}
        </code>
        <span className={`tag debug-state-${run.debug.state}`} data-testid="debug-state">
          {run.debug.state}
        </span>
      </div>
      <p className="muted small">{STATE_TEXT[run.debug.state]}</p>
      <ErrorNote error={error} />
      {answer && (
        <>
          <div className="proxy-row">
            <span className="field-label">lldb</span>
            <code className="mono wrap-anywhere" data-testid="debug-lldb">
              {answer.lldb}
            </code>
            <CopyButton text={answer.lldb} testId="copy-debug-lldb" />
          </div>
          <p className="muted small">
            Then <code>breakpoint set --file main.swift --line N</code> and <code>continue</code>.
          </p>
          <div className="proxy-row">
            <span className="field-label">VS Code launch.json</span>
            <span className="muted small">the Swift extension (lldb-dap) and CodeLLDB</span>
            <CopyButton text={launchJson} testId="copy-debug-vscode" />
          </div>
          <pre className="mono debug-launch-json" data-testid="debug-vscode">
            {launchJson}
          </pre>
        </>
      )}
    </section>
  );
}
