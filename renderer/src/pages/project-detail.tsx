import { useEffect, useState } from 'react';
import { api, buildLogsUrl, type BuildConfiguration, type Compilation, type Project, type RunMode } from '../api.js';
import { LogViewer } from '../components/log-viewer.js';
import { ProblemsList } from '../components/problems-list.js';
import { CopyButton, Dialog, ErrorNote, Field, StateBadge } from '../components/ui.js';
import { formatDuration, formatRelative } from '../format.js';
import { usePoll } from '../hooks.js';
import { href, navigate } from '../router.js';
import { DevLoopPanel } from './project-dev-loop.js';
import { ProjectRuns } from './project-runs.js';

export function ProjectDetail({ projectId, apiUrl, onChange }: { projectId: string; apiUrl: string; onChange: () => void }) {
  const project = usePoll(() => api.project(projectId), 0, [projectId]);
  const compilations = usePoll(() => api.compilations(projectId), 1000, [projectId]);
  const dev = usePoll(() => api.devStatus(projectId), 1000, [projectId]);
  // a build picked in the table stays shown until a newer build starts (a save, with watch on)
  const [selected, setSelected] = useState<{ id: string; newest: string | undefined }>();
  const [error, setError] = useState<Error>();
  const [starting, setStarting] = useState(false);
  const list = compilations.data?.compilations ?? [];
  const building = list.some((c) => c.state === 'queued' || c.state === 'running');
  const newest = list[0];
  const current = (selected && selected.newest === newest?.id && list.find((c) => c.id === selected.id)) || newest;
  const latestSucceeded = list.find((c) => c.state === 'succeeded');
  const latestFinished = list.find((c) => c.source === 'build' && (c.state === 'succeeded' || c.state === 'failed'));
  const select = (id: string) => setSelected({ id, newest: newest?.id });

  const build = async () => {
    setError(undefined);
    try {
      await api.build(projectId);
      setSelected(undefined);
      compilations.reload();
    } catch (err) {
      setError(err as Error);
    }
  };

  const p = project.data?.project;
  if (!p) return <div className="page"><ErrorNote error={project.error} /></div>;
  return (
    <div className="page" data-testid="project-detail" data-project-id={p.id}>
      <header className="page-header">
        <div>
          <p className="crumbs"><a href={href({ page: 'projects' })}>Projects</a></p>
          <h1>{p.name}</h1>
          <p className="muted lambda-id">LAMBDA_ID <code className="mono" data-testid="lambda-id">{p.id}</code> <CopyButton text={p.id} /></p>
        </div>
        <div className="toolbar">
          <button type="button" className="btn" onClick={build} disabled={building} data-testid="build-button">{building ? 'Building…' : 'Build'}</button>
          <button type="button" className="btn btn-primary" onClick={() => setStarting(true)} disabled={!latestSucceeded} data-testid="start-run"
            title={latestSucceeded ? '' : 'Build the project first'}>Start run</button>
        </div>
      </header>
      <ErrorNote error={error} />
      <DevLoopPanel project={p} apiUrl={apiUrl} dev={dev.data?.dev} building={building} canStart={!!latestSucceeded}
        onChange={() => { project.reload(); dev.reload(); onChange(); }} />
      {latestFinished && <ProblemsList compilation={latestFinished} sourcePath={p.sourcePath} />}
      {current && <BuildLog key={current.id} projectId={p.id} compilation={current} onEnd={compilations.reload} />}
      <div className="split">
        <section className="panel">
          <h2>Builds</h2>
          {list.length === 0 ? (
            <p className="muted">No builds yet. <strong>Build</strong> runs <code>swift build -c {p.buildConfiguration} --product {p.targetName}</code> in {p.dockerImage}.</p>
          ) : (
            <table className="table table-compact" data-testid="compilations-table">
              <thead><tr><th>State</th><th>Started</th><th>Took</th><th>Summary</th></tr></thead>
              <tbody>
                {list.map((c) => (
                  <tr key={c.id} className={`clickable${c.id === current?.id ? ' selected' : ''}`} onClick={() => select(c.id)} data-testid="compilation-row">
                    <td><StateBadge state={c.state} testId="compilation-state" /></td>
                    <td>{formatRelative(c.startedAt ?? c.created)}</td>
                    <td className="mono">{formatDuration(c.startedAt, c.finishedAt)}</td>
                    <td className="ellipsis" title={c.errorSummary ?? ''}>{c.errorSummary ?? (c.source === 'import' ? 'imported binary' : c.id === latestSucceeded?.id ? 'current build' : '')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
        <ProjectSettings project={p} onSaved={() => { project.reload(); onChange(); }} />
      </div>
      <ProjectRuns projectId={p.id} servingRun={dev.data?.dev.servingRun ?? null} />
      {starting && <StartRunDialog project={p} onClose={() => setStarting(false)} />}
    </div>
  );
}

function BuildLog({ projectId, compilation, onEnd }: { projectId: string; compilation: Compilation; onEnd: () => void }) {
  return (
    <section className="build-log" id="build-output">
      <h2>Build output <span className="muted mono small">{compilation.id.slice(0, 8)}</span> <StateBadge state={compilation.state} testId="build-log-state" /></h2>
      <LogViewer url={buildLogsUrl(projectId, compilation.id)} downloadName={`build-${compilation.id}.log`} onEnd={onEnd} testId="build-log" />
    </section>
  );
}

function ProjectSettings({ project, onSaved }: { project: Project; onSaved: () => void }) {
  const [form, setForm] = useState({
    dockerImage: project.dockerImage,
    runTimeoutSeconds: String(project.runTimeoutSeconds),
    memoryLimitMb: String(project.memoryLimitMb),
    pidsLimit: String(project.pidsLimit),
    publicInstances: project.publicInstances,
    buildConfiguration: project.buildConfiguration,
    stopGraceSeconds: String(project.stopGraceSeconds),
  });
  const [error, setError] = useState<Error>();
  const [saved, setSaved] = useState(false);
  useEffect(() => setSaved(false), [form]);
  const save = async (e: React.FormEvent) => {
    e.preventDefault();
    setError(undefined);
    try {
      await api.updateProject(project.id, {
        dockerImage: form.dockerImage,
        runTimeoutSeconds: Number(form.runTimeoutSeconds),
        memoryLimitMb: Number(form.memoryLimitMb),
        pidsLimit: Number(form.pidsLimit),
        publicInstances: form.publicInstances,
        buildConfiguration: form.buildConfiguration,
        stopGraceSeconds: Number(form.stopGraceSeconds),
      });
      setSaved(true);
      onSaved();
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <form className="panel form" onSubmit={save} data-testid="project-settings">
      <h2>Settings</h2>
      <p className="muted small mono">{project.sourcePath} · target {project.targetName}</p>
      <Field label="Docker image"><input className="mono" value={form.dockerImage} onChange={(e) => setForm({ ...form, dockerImage: e.target.value })} /></Field>
      <div className="field-grid">
        <Field label="runTimeoutSeconds"><input type="number" min={1} max={86400} value={form.runTimeoutSeconds} onChange={(e) => setForm({ ...form, runTimeoutSeconds: e.target.value })} data-testid="setting-timeout" /></Field>
        <Field label="Memory (MiB)"><input type="number" min={16} value={form.memoryLimitMb} onChange={(e) => setForm({ ...form, memoryLimitMb: e.target.value })} /></Field>
        <Field label="Processes"><input type="number" min={8} value={form.pidsLimit} onChange={(e) => setForm({ ...form, pidsLimit: e.target.value })} /></Field>
        <Field label="Build configuration">
          <select value={form.buildConfiguration} onChange={(e) => setForm({ ...form, buildConfiguration: e.target.value as BuildConfiguration })}
            title="swift build -c debug rebuilds faster; release is what the platform runs" data-testid="setting-build-configuration">
            <option value="release">release</option>
            <option value="debug">debug</option>
          </select>
        </Field>
        <Field label="Stop grace (s)">
          <input type="number" min={0} max={300} value={form.stopGraceSeconds} onChange={(e) => setForm({ ...form, stopGraceSeconds: e.target.value })}
            title="Seconds between SIGTERM and the kill when a run is stopped" data-testid="setting-stop-grace" />
        </Field>
      </div>
      <label className="check">
        <input type="checkbox" checked={form.publicInstances} onChange={(e) => setForm({ ...form, publicInstances: e.target.checked })} data-testid="setting-public" />
        publicInstances: service runs started from now on answer without an API key
      </label>
      <ErrorNote error={error} />
      <div className="form-actions">
        {saved && <span className="muted">Saved</span>}
        <button type="submit" className="btn" data-testid="save-settings">Save settings</button>
      </div>
    </form>
  );
}

function StartRunDialog({ project, onClose }: { project: Project; onClose: () => void }) {
  const [mode, setMode] = useState<RunMode>(project.targetName.includes('service') ? 'service' : 'oneShot');
  const [args, setArgs] = useState<string[]>([]);
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const start = async () => {
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
    <Dialog title={`Start a run of ${project.name}`} onClose={onClose} testId="start-run-dialog"
      footer={<><button type="button" className="btn" onClick={onClose}>Cancel</button><button type="button" className="btn btn-primary" onClick={start} disabled={busy} data-testid="confirm-start-run">Start</button></>}>
      <fieldset className="segmented" aria-label="Mode">
        {(['oneShot', 'service'] as const).map((m) => (
          <label key={m} className={mode === m ? 'active' : ''}>
            <input type="radio" name="mode" value={m} checked={mode === m} onChange={() => setMode(m)} data-testid={`mode-${m}`} />
            {m}
          </label>
        ))}
      </fieldset>
      <p className="muted small">{mode === 'service' ? 'Long-lived: gets PORT=8080 and a proxy URL.' : 'Runs, captures its output, exits.'} Stops after {project.runTimeoutSeconds}s either way.</p>
      <div className="args">
        <span className="field-label">Arguments</span>
        {args.map((a, i) => (
          <div className="input-row" key={i}>
            <input className="mono" value={a} onChange={(e) => setArgs(args.map((x, j) => (j === i ? e.target.value : x)))} aria-label={`Argument ${i + 1}`} data-testid="run-argument" />
            <button type="button" className="btn btn-ghost btn-small" onClick={() => setArgs(args.filter((_, j) => j !== i))} aria-label={`Remove argument ${i + 1}`}>✕</button>
          </div>
        ))}
        <button type="button" className="btn btn-small" onClick={() => setArgs([...args, ''])} data-testid="add-argument">+ Add argument</button>
      </div>
      <ErrorNote error={error} />
    </Dialog>
  );
}
