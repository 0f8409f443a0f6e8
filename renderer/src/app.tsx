import { useEffect, useState } from 'react';
import { onSignedOut } from './api.js';
import { ErrorBoundary } from './components/error-boundary.js';
import { Sidebar } from './components/sidebar.js';
import { StatusBar } from './components/status-bar.js';
import { useKeys, useProjects, useStatus } from './live-data.js';
import { KeysPage } from './pages/keys-page.js';
import { ProjectDetail } from './pages/project-detail.js';
import { ProjectsPage } from './pages/projects-page.js';
import { RunDetail } from './pages/run-detail.js';
import { RunsPage } from './pages/runs-page.js';
import { href, useRoute } from './router.js';

export function App() {
  const [signedOut, setSignedOut] = useState(false);
  useEffect(() => onSignedOut(() => setSignedOut(true)), []);
  // live from the change stream: nothing polls
  const status = useStatus();
  const projects = useProjects();
  const keys = useKeys();
  const route = useRoute();

  if (signedOut) return <SignedOut />;
  const projectList = projects.data ?? [];
  return (
    <div className="shell">
      <Sidebar route={route} warnings={status.data?.warnings ?? []} />
      <main className="content">
        <ErrorBoundary resetKey={href(route)}>
          {route.page === 'runs' && <RunsPage projects={projectList} hasKeys={(keys.data?.length ?? 0) > 0} />}
          {route.page === 'run' && <RunDetail projectId={route.projectId} runId={route.runId} projects={projectList} />}
          {route.page === 'projects' && (
            <ProjectsPage
              projects={projectList}
              examples={status.data?.examples ?? []}
              defaultImage={status.data?.defaultImage ?? ''}
            />
          )}
          {route.page === 'project' && (
            <ProjectDetail
              projectId={route.projectId}
              apiUrl={status.data?.apiUrl ?? location.origin}
              defaultImage={status.data?.defaultImage ?? ''}
            />
          )}
          {route.page === 'keys' && <KeysPage projects={projectList} />}
        </ErrorBoundary>
      </main>
      <StatusBar status={status.data} />
    </div>
  );
}

function SignedOut() {
  return (
    <div className="signed-out" data-testid="signed-out">
      <img src="/favicon.svg" alt="" width={48} height={48} />
      <h1>Open the console with its link</h1>
      <p>
        The console needs the link that <code>npm start</code> prints:
      </p>
      <pre className="inline-code">Console: http://127.0.0.1:7400/?token=…</pre>
      <p>
        It is also in <code>server.json</code> in the data dir (<code>~/.swiftlambda-local</code> by default) as{' '}
        <code>url</code> and <code>consoleToken</code>. The desktop app signs in by itself.
      </p>
    </div>
  );
}
