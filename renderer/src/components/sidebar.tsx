import { useEffect, useState, type ReactNode } from 'react';
import { href, type Route } from '../router.js';

const STORAGE_KEY = 'swiftlambda.sidebar';
const NARROW = '(max-width: 960px)';

/** Collapsed or not: the user's last choice, else collapsed in a narrow window. */
function useCollapsed(): [boolean, () => void] {
  const stored = () => localStorage.getItem(STORAGE_KEY);
  const [collapsed, setCollapsed] = useState(() =>
    stored() ? stored() === 'collapsed' : window.matchMedia(NARROW).matches,
  );
  useEffect(() => {
    const media = window.matchMedia(NARROW);
    const follow = () => {
      if (!stored()) setCollapsed(media.matches);
    };
    media.addEventListener('change', follow);
    return () => media.removeEventListener('change', follow);
  }, []);
  const toggle = () => {
    localStorage.setItem(STORAGE_KEY, collapsed ? 'expanded' : 'collapsed');
    setCollapsed(!collapsed);
  };
  return [collapsed, toggle];
}

const ICONS: Record<'runs' | 'projects' | 'keys', ReactNode> = {
  runs: <path d="M5 3.5v9l8-4.5z" />,
  projects: <path d="M1.5 4a1 1 0 0 1 1-1h3.6l1.4 1.5h6a1 1 0 0 1 1 1V12a1 1 0 0 1-1 1h-11a1 1 0 0 1-1-1z" />,
  keys: (
    <path d="M10.5 2a3.5 3.5 0 0 0-3.3 4.6L2 11.8V14h2.2v-1.3h1.3v-1.3h1.3l1.6-1.6A3.5 3.5 0 1 0 10.5 2zm1 2.2a1 1 0 1 1 0 2 1 1 0 0 1 0-2z" />
  ),
};

export function Sidebar({ route, warnings }: { route: Route; warnings: readonly string[] }) {
  const [collapsed, toggle] = useCollapsed();
  return (
    <nav
      className={`sidebar${collapsed ? ' collapsed' : ''}`}
      aria-label="Main"
      data-testid="sidebar"
      data-collapsed={collapsed}
    >
      <div className="brand">
        <img src="/favicon.svg" alt="" width={22} height={22} />
        <span className="brand-text">
          SwiftLambda <span>Local</span>
        </span>
      </div>
      <NavLink route={{ page: 'runs' }} current={route} label="Runs" collapsed={collapsed} />
      <NavLink route={{ page: 'projects' }} current={route} label="Projects" collapsed={collapsed} />
      <NavLink route={{ page: 'keys' }} current={route} label="API keys" collapsed={collapsed} />
      {warnings.map((w) => (
        <p key={w} className="sidebar-warning" role="alert" title={w}>
          {collapsed ? '!' : w}
        </p>
      ))}
      <span className="sidebar-spacer" />
      <button
        type="button"
        className="sidebar-toggle"
        onClick={toggle}
        aria-expanded={!collapsed}
        data-testid="sidebar-toggle"
        aria-label={collapsed ? 'Expand the sidebar' : 'Collapse the sidebar'}
        title={collapsed ? 'Expand' : 'Collapse'}
      >
        {collapsed ? '»' : '« Collapse'}
      </button>
    </nav>
  );
}

function NavLink({
  route,
  current,
  label,
  collapsed,
}: {
  route: Route & { page: 'runs' | 'projects' | 'keys' };
  current: Route;
  label: string;
  collapsed: boolean;
}) {
  const active =
    current.page === route.page ||
    (current.page === 'run' && route.page === 'runs') ||
    (current.page === 'project' && route.page === 'projects');
  return (
    <a
      className={`nav-link${active ? ' active' : ''}`}
      href={href(route)}
      aria-current={active ? 'page' : undefined}
      data-testid={`nav-${route.page}`}
      title={collapsed ? label : undefined}
      aria-label={collapsed ? label : undefined}
    >
      <svg className="nav-icon" viewBox="0 0 16 16" width={16} height={16} aria-hidden fill="currentColor">
        {ICONS[route.page]}
      </svg>
      <span className="nav-label">{label}</span>
    </a>
  );
}
