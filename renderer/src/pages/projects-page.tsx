import { useState } from 'react';
import { api, desktopFolderPicker, type ExamplePackage, type Project } from '../api.js';
import { EmptyState, ErrorNote, Field } from '../components/ui.js';
import { formatRelative } from '../format.js';
import { href, navigate } from '../router.js';

export function ProjectsPage({ projects, examples, onChange }: { projects: Project[]; examples: ExamplePackage[]; onChange: () => void }) {
  const [creating, setCreating] = useState(false);
  const [error, setError] = useState<Error>();

  const addExample = async (example: ExamplePackage) => {
    setError(undefined);
    try {
      const { project } = await api.createProject({ name: example.name, sourcePath: example.path, targetName: example.targetName, runTimeoutSeconds: example.mode === 'service' ? 600 : 60 });
      onChange();
      navigate({ page: 'project', projectId: project.id });
    } catch (err) {
      setError(err as Error);
    }
  };

  return (
    <div className="page">
      <header className="page-header">
        <h1>Projects</h1>
        <div className="toolbar">
          <button type="button" className="btn btn-primary" onClick={() => setCreating((c) => !c)} data-testid="new-project">
            {creating ? 'Cancel' : 'New project'}
          </button>
        </div>
      </header>
      <ErrorNote error={error} />
      {creating && <CreateProjectForm onCreated={(p) => { setCreating(false); onChange(); navigate({ page: 'project', projectId: p.id }); }} />}
      {projects.length === 0 && !creating ? (
        <EmptyState title="Add your first project" testId="projects-empty">
          <p>A project is a Swift package folder and the executable target to build. Try a bundled example:</p>
          <div className="example-list">
            {examples.map((e) => (
              <button key={e.name} type="button" className="example" onClick={() => addExample(e)} data-testid={`add-example-${e.name}`}>
                <strong>{e.name}</strong>
                <span>{e.description}</span>
                <span className="muted mono">{e.mode}</span>
              </button>
            ))}
          </div>
        </EmptyState>
      ) : (
        <table className="table" data-testid="projects-table">
          <thead>
            <tr><th>Name</th><th>Target</th><th>LAMBDA_ID</th><th>Image</th><th>Timeout</th><th>Public</th><th>Created</th></tr>
          </thead>
          <tbody>
            {projects.map((p) => (
              <tr key={p.id} className="clickable" data-testid="project-row" data-project-id={p.id} tabIndex={0}
                onClick={() => navigate({ page: 'project', projectId: p.id })}
                onKeyDown={(e) => e.key === 'Enter' && navigate({ page: 'project', projectId: p.id })}>
                <td><a href={href({ page: 'project', projectId: p.id })} onClick={(e) => e.stopPropagation()}>{p.name}</a></td>
                <td className="mono">{p.targetName}</td>
                <td className="mono muted">{p.id}</td>
                <td className="mono">{p.dockerImage}</td>
                <td className="mono">{p.runTimeoutSeconds}s</td>
                <td>{p.publicInstances ? 'yes' : 'no'}</td>
                <td>{formatRelative(p.created)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {projects.length > 0 && examples.length > 0 && (
        <p className="muted small">
          Bundled examples: {examples.map((e, i) => (
            <span key={e.name}>{i ? ', ' : ''}<button type="button" className="link" onClick={() => addExample(e)}>{e.name}</button></span>
          ))}
        </p>
      )}
    </div>
  );
}

function CreateProjectForm({ onCreated }: { onCreated: (p: Project) => void }) {
  const [name, setName] = useState('');
  const [sourcePath, setSourcePath] = useState('');
  const [targetName, setTargetName] = useState('');
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const pickFolder = desktopFolderPicker();

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      onCreated((await api.createProject({ name, sourcePath, targetName })).project);
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="panel form" onSubmit={submit} data-testid="project-form">
      <Field label="Name"><input value={name} onChange={(e) => setName(e.target.value)} required placeholder="my-lambda" data-testid="project-name" /></Field>
      <Field label="Swift package folder" hint="The folder with Package.swift; it is mounted read-only.">
        <div className="input-row">
          <input value={sourcePath} onChange={(e) => setSourcePath(e.target.value)} required placeholder="/Users/me/code/my-lambda" className="mono" data-testid="project-path" />
          {pickFolder && <button type="button" className="btn" onClick={async () => { const p = await pickFolder(); if (p) setSourcePath(p); }}>Choose…</button>}
        </div>
      </Field>
      <Field label="Executable target" hint="An .executable product or .executableTarget of the package.">
        <input value={targetName} onChange={(e) => setTargetName(e.target.value)} required placeholder="my-lambda" className="mono" data-testid="project-target" />
      </Field>
      <ErrorNote error={error} />
      <div className="form-actions"><button type="submit" className="btn btn-primary" disabled={busy} data-testid="create-project">Create project</button></div>
    </form>
  );
}
