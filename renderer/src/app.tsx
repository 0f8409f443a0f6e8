import { useEffect, useState } from 'react';
import { onSignedOut } from './api.js';
import { StatusBar } from './components/status-bar.js';
import { useKeys, useProjects, useStatus } from './live-data.js';
import { KeysPage } from './pages/keys-page.js';
import { ProjectDetail } from './pages/project-detail.js';
import { ProjectsPage } from './pages/projects-page.js';
import { RunDetail } from './pages/run-detail.js';
import { RunsPage } from './pages/runs-page.js';
import { href, useRoute, type Route } from './router.js';

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
  const refresh = () => {
    projects.reload();
    keys.reload();
  };
  return (
    <div className="shell">
      <nav className="sidebar" aria-label="Main">
        <div className="brand"><img src="/favicon.svg" alt="" width={22} height={22} /> SwiftLambda <span>Local</span></div>
        <NavLink route={{ page: 'runs' }} current={route} label="Runs" />
        <NavLink route={{ page: 'projects' }} current={route} label="Projects" />
        <NavLink route={{ page: 'keys' }} current={route} label="API keys" />
        {status.data?.warnings.map((w) => <p key={w} className="sidebar-warning" role="alert">{w}</p>)}
      </nav>
      <main className="content">
        {route.page === 'runs' && <RunsPage projects={projectList} hasKeys={(keys.data?.length ?? 0) > 0} />}
        {route.page === 'run' && <RunDetail projectId={route.projectId} runId={route.runId} projects={projectList} />}
        {route.page === 'projects' && <ProjectsPage projects={projectList} examples={status.data?.examples ?? []} onChange={refresh} />}
        {route.page === 'project' && <ProjectDetail projectId={route.projectId} apiUrl={status.data?.apiUrl ?? location.origin} onChange={refresh} />}
        {route.page === 'keys' && <KeysPage projects={projectList} />}
      </main>
      <StatusBar status={status.data} />
    </div>
  );
}

function NavLink({ route, current, label }: { route: Route; current: Route; label: string }) {
  const active = current.page === route.page || (current.page === 'run' && route.page === 'runs') || (current.page === 'project' && route.page === 'projects');
  return <a className={`nav-link${active ? ' active' : ''}`} href={href(route)} aria-current={active ? 'page' : undefined} data-testid={`nav-${route.page}`}>{label}</a>;
}

function SignedOut() {
  return (
    <div className="signed-out" data-testid="signed-out">
      <img src="/favicon.svg" alt="" width={48} height={48} />
      <h1>Open the console with its link</h1>
      <p>The console needs the link that <code>npm start</code> prints:</p>
      <pre className="inline-code">Console: http://127.0.0.1:7400/?token=…</pre>
      <p>It is also in <code>server.json</code> in the data dir (<code>~/.swiftlambda-local</code> by default) as <code>url</code> and <code>consoleToken</code>. The desktop app signs in by itself.</p>
    </div>
  );
}
