import { useState } from 'react';
import { api, buildLogsUrl, devUrl, type Compilation, type Project } from '../api.js';
import { useCalledPath } from '../called-path.js';
import { CurlSnippet } from '../components/curl-snippet.js';
import { useImages } from '../components/image-picker.js';
import { BuildProgressBar } from '../components/build-progress.js';
import { LogViewer } from '../components/log-viewer.js';
import { ProblemsList } from '../components/problems-list.js';
import { CopyButton, EmptyState, ErrorNote, StateBadge } from '../components/ui.js';
import { shellWord } from '../curl.js';
import { formatDuration, formatRelative } from '../format.js';
import { useCompilations, useDevStatus, useNow, useProject } from '../live-data.js';
import { href } from '../router.js';
import { DebugRunDialog } from './debug-run-dialog.js';
import { DeleteProjectDialog } from './delete-project-dialog.js';
import { DevLoopPanel } from './project-dev-loop.js';
import { EnvironmentPanel, SecretsPanel } from './project-configuration.js';
import { ProjectImageCheck } from './project-image-check.js';
import { InvocationsPanel } from './project-invocations.js';
import { FunctionUrlPanel } from './function-url.js';
import { ProjectRuns } from './project-runs.js';
import { SchedulesPanel } from './project-schedules.js';
import { ProjectSettings } from './project-settings.js';
import { StartRunDialog } from './start-run-dialog.js';

interface ProjectDetailProps {
  readonly projectId: string;
  readonly apiUrl: string;
  readonly defaultImage: string;
}

/** Another project is another page: nothing of this one's state (a picked build, a settings form) shows under the next. */
export function ProjectDetail(props: ProjectDetailProps) {
  return <ProjectPage key={props.projectId} {...props} />;
}

function ProjectPage({ projectId, apiUrl, defaultImage }: ProjectDetailProps) {
  const project = useProject(projectId);
  const compilations = useCompilations(projectId);
  const dev = useDevStatus(projectId);
  const images = useImages();
  // a build picked in the table stays shown until a newer build starts (a save, with watch on)
  const [selected, setSelected] = useState<{ id: string; newest: string | undefined }>();
  const [error, setError] = useState<Error>();
  const [dialog, setDialog] = useState<'start' | 'debug' | 'delete' | null>(null);
  const list = compilations.data ?? [];
  const building = list.some((c) => c.state === 'queued' || c.state === 'running');
  const now = useNow(building ? 1000 : 30_000);
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
    } catch (err) {
      setError(err as Error);
    }
  };

  const p = project.data;
  if (p === null) {
    return (
      <div className="page">
        <EmptyState title="This project was deleted" testId="project-deleted">
          <p>Its runs, logs and builds went with it.</p>
          <a className="btn" href={href({ page: 'projects' })}>
            Back to projects
          </a>
        </EmptyState>
      </div>
    );
  }
  if (!p)
    return (
      <div className="page">
        <ErrorNote error={project.error} />
        {!project.error && <p className="muted">Loading…</p>}
      </div>
    );
  const aws = p.runtime === 'awsLambda';
  return (
    <div className="page" data-testid="project-detail" data-project-id={p.id}>
      <header className="page-header">
        <div className="page-title">
          <p className="crumbs">
            <a href={href({ page: 'projects' })}>Projects</a>
          </p>
          <h1 className="wrap-anywhere">
            {p.name}{' '}
            {aws && (
              <span className="tag tag-aws" data-testid="runtime-tag">
                AWS Lambda
              </span>
            )}
          </h1>
          <p className="muted lambda-id">
            LAMBDA_ID{' '}
            <code className="mono wrap-anywhere" data-testid="lambda-id">
              {p.id}
            </code>{' '}
            <CopyButton text={p.id} />
          </p>
        </div>
        <div className="toolbar">
          <button type="button" className="btn" onClick={build} disabled={building} data-testid="build-button">
            {building ? 'Building…' : 'Build'}
          </button>
          {!aws && (
            <button
              type="button"
              className="btn btn-primary"
              onClick={() => setDialog('start')}
              disabled={!latestSucceeded}
              data-testid="start-run"
              title={latestSucceeded ? '' : 'Build the project first'}
            >
              Start run
            </button>
          )}
          {!aws && (
            <button
              type="button"
              className="btn"
              onClick={() => setDialog('debug')}
              disabled={building}
              data-testid="debug-button"
              title="A run under lldb-server, waiting for your debugger (builds debug first when needed)"
            >
              Debug
            </button>
          )}
        </div>
      </header>
      <ErrorNote error={error} />
      <ProjectImageCheck project={p} images={images.images} defaultImage={defaultImage} onPulled={images.reload} />
      {!aws && (
        <DevLoopPanel
          project={p}
          apiUrl={apiUrl}
          dev={dev.data}
          building={building}
          runningBuild={list.find((c) => c.state === 'running')}
          canStart={!!latestSucceeded}
          onChange={() => undefined}
        />
      )}
      {/* an AWS function is invoked more often than built: its Invoke and function URL come first */}
      {aws && <FunctionUrlPanel project={p} apiUrl={apiUrl} />}
      {aws && <InvocationsPanel project={p} canInvoke={!!latestSucceeded} />}
      {latestFinished && <ProblemsList compilation={latestFinished} sourcePath={p.sourcePath} />}
      {current && <BuildLog key={current.id} projectId={p.id} compilation={current} />}
      <div className="split">
        <section className="panel">
          <h2>Builds</h2>
          {list.length === 0 ? (
            <p className="muted">
              No builds yet. <strong>Build</strong> runs{' '}
              <code>
                swift build -c {p.buildConfiguration} --product {p.targetName}
              </code>{' '}
              in {p.dockerImage}.
            </p>
          ) : (
            <table className="table table-compact" data-testid="compilations-table">
              <thead>
                <tr>
                  <th>State</th>
                  <th>Started</th>
                  <th>Took</th>
                  <th>Summary</th>
                </tr>
              </thead>
              <tbody>
                {list.map((c) => (
                  <tr
                    key={c.id}
                    className={`clickable${c.id === current?.id ? ' selected' : ''}`}
                    onClick={() => select(c.id)}
                    data-testid="compilation-row"
                  >
                    <td>
                      <StateBadge state={c.state} testId="compilation-state" />
                    </td>
                    <td>{formatRelative(c.startedAt ?? c.created, now)}</td>
                    <td className="mono">{formatDuration(c.startedAt, c.finishedAt, now)}</td>
                    <td className="summary-cell" data-testid="compilation-summary">
                      {c.errorSummary ??
                        (c.source === 'import'
                          ? 'imported binary'
                          : c.id === latestSucceeded?.id
                            ? 'current build'
                            : '')}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
        <ProjectSettings project={p} images={images.images} onDelete={() => setDialog('delete')} />
      </div>
      <div className="split">
        <EnvironmentPanel project={p} />
        <SecretsPanel project={p} />
      </div>
      {!aws && <ProjectRuns projectId={p.id} servingRun={dev.data?.servingRun ?? null} />}
      {!aws && <SchedulesPanel project={p} />}
      <ApiSnippets project={p} apiUrl={apiUrl} servingRun={dev.data?.servingRun ?? null} />
      {dialog === 'start' && <StartRunDialog project={p} onClose={() => setDialog(null)} />}
      {dialog === 'debug' && (
        <DebugRunDialog project={p} newestSucceeded={latestSucceeded} onClose={() => setDialog(null)} />
      )}
      {dialog === 'delete' && <DeleteProjectDialog project={p} builds={list.length} onClose={() => setDialog(null)} />}
    </div>
  );
}

function BuildLog({ projectId, compilation }: { projectId: string; compilation: Compilation }) {
  return (
    <section className="build-log" id="build-output">
      <h2>
        Build output <span className="muted mono small">{compilation.id.slice(0, 8)}</span>{' '}
        <StateBadge state={compilation.state} testId="build-log-state" />
        <BuildProgressBar compilation={compilation} testId="build-log-progress" />
      </h2>
      <LogViewer
        url={buildLogsUrl(projectId, compilation.id)}
        downloadName={`build-${compilation.id}.log`}
        testId="build-log"
      />
    </section>
  );
}

/** The project from a terminal, with one of the user's real keys in the command. */
function ApiSnippets({ project, apiUrl, servingRun }: { project: Project; apiUrl: string; servingRun: string | null }) {
  // a path the service was called with (the serving run's newest call), else the dev URL's root
  const calledPath = useCalledPath(project.runtime === 'awsLambda' ? null : servingRun);
  const base = `${apiUrl}/lambdas/${project.id}`;
  const code =
    project.runtime === 'awsLambda'
      ? (key: string) =>
          `# invoke the function (AWS's Invoke API)\ncurl -X POST ` +
          `${apiUrl}/2015-03-31/functions/${project.id}/invocations \\\n  -H "X-API-Key: ${key}" -d ` +
          `'{"hello":"world"}'`
      : (key: string) =>
          [
            `# start a run\ncurl -X POST ${base}/runs \\\n  -H "X-API-Key: ${key}" \\\n  -H "Content-Type: application/json" -d '{ "mode": "oneShot" }'`,
            `# list its runs\ncurl ${base}/runs \\\n  -H "X-API-Key: ${key}"`,
            `# call the service run its dev URL serves\ncurl ${shellWord(devUrl(apiUrl, project.id) + calledPath.slice(1))} \\\n  -H "X-API-Key: ${key}"`,
          ].join('\n');
  return (
    <section className="panel" data-testid="project-api">
      <h2>From a terminal</h2>
      <CurlSnippet projectId={project.id} code={code} testId="project-curl" />
    </section>
  );
}
