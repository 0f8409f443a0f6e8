import { useEffect, useState } from 'react';
import { networksApi } from '../api.js';
import type { DockerNetwork } from '../../../server/src/contract/networks.js';

/** Networks every container is on already, or can never join besides the bridge. */
const BUILT_IN = new Set(['bridge', 'host', 'none']);
export const MAX_NETWORKS = 5;

/**
 * The Docker networks a project's runs join (compose's `<folder>_default`, say), picked from the
 * engine's list; a chosen network that no longer exists stays listed as missing.
 */
export function NetworkPicker({ value, onChange }: { value: string[]; onChange: (next: string[]) => void }) {
  const [networks, setNetworks] = useState<DockerNetwork[]>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    let alive = true;
    networksApi.list().then(
      (r) => alive && setNetworks(r.networks.filter((n) => !BUILT_IN.has(n.name))),
      (err: Error) => alive && setError(err.message),
    );
    return () => {
      alive = false;
    };
  }, []);
  const names = [...(networks ?? []).map((n) => n.name)];
  for (const v of value) if (!names.includes(v)) names.push(v);
  const toggle = (name: string, on: boolean) => onChange(on ? [...value, name] : value.filter((n) => n !== name));
  return (
    <div className="network-picker" data-testid="setting-networks">
      {error && <p className="muted small">Networks could not be listed: {error}</p>}
      {networks && names.length === 0 && (
        <p className="muted small">
          No networks besides Docker&apos;s own. <code className="mono">docker compose up</code> makes one per project.
        </p>
      )}
      {names.map((name) => {
        const known = networks?.find((n) => n.name === name);
        const checked = value.includes(name);
        return (
          <label className="check" key={name}>
            <input
              type="checkbox"
              checked={checked}
              disabled={!checked && value.length >= MAX_NETWORKS}
              onChange={(e) => toggle(name, e.target.checked)}
              data-testid={`network-${name}`}
            />
            <span className="mono">{name}</span>
            <span className="muted small">
              {known
                ? ` ${known.driver} · ${known.containers} container${known.containers === 1 ? '' : 's'}`
                : networks
                  ? ' · not on this machine: runs fail until it exists'
                  : ''}
            </span>
          </label>
        );
      })}
    </div>
  );
}
