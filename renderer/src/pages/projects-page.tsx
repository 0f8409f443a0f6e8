import { useState } from 'react';
import { api, type ExamplePackage, type Project } from '../api.js';
import { EmptyState, ErrorNote } from '../components/ui.js';
import { formatRelative } from '../format.js';
import { href, navigate } from '../router.js';
import { CreateProjectForm } from './create-project-form.js';

export function ProjectsPage({
  projects,
  examples,
  defaultImage,
}: {
  projects: Project[];
  examples: ExamplePackage[];
  defaultImage: string;
}) {
  const [creating, setCreating] = useState(false);
  const [error, setError] = useState<Error>();

  const addExample = async (example: ExamplePackage) => {
    setError(undefined);
    try {
      const { project } = await api.createProject({
        name: example.name,
        sourcePath: example.path,
        targetName: example.targetName,
        runTimeoutSeconds: example.mode === 'service' ? 600 : 60,
      });
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
          <button
            type="button"
            className="btn btn-primary"
            onClick={() => setCreating((c) => !c)}
            data-testid="new-project"
          >
            {creating ? 'Cancel' : 'New project'}
          </button>
        </div>
      </header>
      <ErrorNote error={error} />
      {creating && (
        <CreateProjectForm
          defaultImage={defaultImage}
          onCreated={(p) => {
            setCreating(false);
            navigate({ page: 'project', projectId: p.id });
          }}
        />
      )}
      {projects.length === 0 && !creating ? (
        <EmptyState title="Add your first project" testId="projects-empty">
          <p>A project is a Swift package folder and the executable target to build. Try a bundled example:</p>
          <div className="example-list">
            {examples.map((e) => (
              <button
                key={e.name}
                type="button"
                className="example"
                onClick={() => addExample(e)}
                data-testid={`add-example-${e.name}`}
              >
                <strong>{e.name}</strong>
                <span>{e.description}</span>
                <span className="muted mono">{e.mode}</span>
              </button>
            ))}
          </div>
        </EmptyState>
      ) : (
        projects.length > 0 && (
          <table className="table" data-testid="projects-table">
            <thead>
              <tr>
                <th>Name</th>
                <th>Target</th>
                <th className="col-optional">LAMBDA_ID</th>
                <th>Image</th>
                <th className="col-optional">Timeout</th>
                <th className="col-optional">Public</th>
                <th>Created</th>
              </tr>
            </thead>
            <tbody>
              {projects.map((p) => (
                <tr
                  key={p.id}
                  className="clickable"
                  data-testid="project-row"
                  data-project-id={p.id}
                  tabIndex={0}
                  onClick={() => navigate({ page: 'project', projectId: p.id })}
                  onKeyDown={(e) => e.key === 'Enter' && navigate({ page: 'project', projectId: p.id })}
                >
                  <td className="wrap">
                    <a href={href({ page: 'project', projectId: p.id })} onClick={(e) => e.stopPropagation()}>
                      {p.name}
                    </a>
                  </td>
                  <td className="mono wrap">{p.targetName}</td>
                  <td className="mono muted col-optional">{p.id}</td>
                  <td className="mono wrap">{p.dockerImage}</td>
                  <td className="mono col-optional">{p.runTimeoutSeconds}s</td>
                  <td className="col-optional">{p.publicInstances ? 'yes' : 'no'}</td>
                  <td>{formatRelative(p.created)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      )}
      {projects.length > 0 && examples.length > 0 && (
        <p className="muted small">
          Bundled examples:{' '}
          {examples.map((e, i) => (
            <span key={e.name}>
              {i ? ', ' : ''}
              <button type="button" className="link" onClick={() => addExample(e)}>
                {e.name}
              </button>
            </span>
          ))}
        </p>
      )}
    </div>
  );
}
