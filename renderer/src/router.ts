import { useEffect, useState } from 'react';

export type Route =
  | { page: 'runs' }
  | { page: 'run'; projectId: string; runId: string }
  | { page: 'projects' }
  | { page: 'project'; projectId: string }
  | { page: 'keys' };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'runs' && parts[1] && parts[2]) return { page: 'run', projectId: parts[1], runId: parts[2] };
  if (parts[0] === 'projects' && parts[1]) return { page: 'project', projectId: parts[1] };
  if (parts[0] === 'projects') return { page: 'projects' };
  if (parts[0] === 'keys') return { page: 'keys' };
  return { page: 'runs' };
}

export function href(route: Route): string {
  switch (route.page) {
    case 'runs':
      return '#/runs';
    case 'run':
      return `#/runs/${encodeURIComponent(route.projectId)}/${encodeURIComponent(route.runId)}`;
    case 'projects':
      return '#/projects';
    case 'project':
      return `#/projects/${encodeURIComponent(route.projectId)}`;
    case 'keys':
      return '#/keys';
  }
}

export function navigate(route: Route): void {
  window.location.hash = href(route);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const update = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return route;
}
