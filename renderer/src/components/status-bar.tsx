import type { StatusResponse } from '../api.js';
import { useLiveConnection } from '../live-data.js';
import { CopyButton } from './ui.js';

export function StatusBar({ status }: { status: StatusResponse | undefined }) {
  const live = useLiveConnection();
  if (!status) return <footer className="status-bar" />;
  const { docker } = status;
  return (
    <footer className="status-bar">
      <span
        className={`docker ${docker.available ? 'up' : 'down'}`}
        data-testid="docker-status"
        data-available={docker.available}
      >
        <span className="badge-dot" aria-hidden />
        {docker.available ? `Docker ${docker.version}` : 'Docker is not running'}
      </span>
      {!docker.available && (
        <span className="docker-help">
          Start Docker Desktop (or <code>sudo systemctl start docker</code>); runs and builds answer 503 until then.
        </span>
      )}
      <span className="spacer" />
      <span
        className={`live-state ${live}`}
        data-testid="live-state"
        data-state={live}
        title={
          live === 'live'
            ? 'Changes show as they happen'
            : 'The change stream is down; the console loads everything again when it is back'
        }
      >
        {live === 'reconnecting' ? 'Reconnecting…' : live === 'live' ? 'Live' : 'Connecting…'}
      </span>
      <span className="api-url">
        API <code data-testid="api-url">{status.apiUrl}</code> <CopyButton text={status.apiUrl} testId="copy-api-url" />
      </span>
      <span className="muted small" title="data dir">
        {status.dataDir}
      </span>
      <span className="muted small">v{status.version}</span>
    </footer>
  );
}
