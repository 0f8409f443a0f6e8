// Where the runtime API listens so that function containers, and nothing else, reach it.
import { networkInterfaces } from 'node:os';
import type { DockerEngine, EngineProduct, NetworkInfo } from '../../adapters/docker/docker-engine.js';

export interface RuntimeNetwork {
  /** `bridge`: the engine's bridge is on this machine; `loopback`: it is inside a VM (Docker Desktop) */
  readonly kind: 'bridge' | 'loopback';
  /** the address each container's listener binds (never 0.0.0.0) */
  readonly bindHost: string;
  /** the host part of AWS_LAMBDA_RUNTIME_API */
  readonly advertiseHost: string;
  /** /etc/hosts lines for the containers: `host.docker.internal` is this machine */
  readonly extraHosts: readonly string[];
  /** true when a caller's address must equal the container's own */
  readonly checkPeerAddress: boolean;
  /** the bridge's IPv4 ranges (bridge kind): only containers' addresses come from them */
  readonly subnets?: readonly string[];
  /** SWIFTLAMBDA_API_URL: the emulator's API as containers reach it, once it listens */
  readonly apiUrl?: string | null;
}

function ipv4ToInt(ip: string): number | null {
  const parts = ip.split('.');
  if (parts.length !== 4) return null;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return null;
    n = n * 256 + Number(p);
  }
  return n;
}

export function inSubnet(ip: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  const a = ipv4ToInt(ip);
  const b = ipv4ToInt(base ?? '');
  if (a === null || b === null || !Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  const size = 2 ** (32 - bits);
  return Math.floor(a / size) === Math.floor(b / size);
}

/**
 * `host.docker.internal` → this machine. Docker maps `host-gateway` to the bridge's gateway (and
 * Docker Desktop to its host); Podman 4 writes `host-gateway` literally, so it gets the address.
 */
function hostMapping(product: EngineProduct, gateway: string | null): string[] {
  if (product !== 'podman') return ['host.docker.internal:host-gateway'];
  return gateway ? [`host.docker.internal:${gateway}`] : [];
}

/**
 * On Linux the default bridge's gateway (docker0, usually 172.17.0.1) is an address of this
 * machine that only containers (and this machine) route to: listen there and check each caller's
 * address. Otherwise (Docker Desktop: the bridge is inside its VM) listen on 127.0.0.1 and let
 * containers reach it as host.docker.internal, which Docker Desktop forwards to the host's loopback.
 */
export function chooseRuntimeNetwork(
  bridge: NetworkInfo | null,
  localAddresses: readonly string[],
  product: EngineProduct = 'docker',
): RuntimeNetwork {
  const local = new Set(localAddresses);
  const candidates = [
    ...(bridge?.gateways ?? []),
    ...localAddresses.filter((a) => (bridge?.subnets ?? []).some((s) => inSubnet(a, s))),
  ];
  const gateway = candidates.find((a) => local.has(a));
  if (gateway)
    return {
      kind: 'bridge',
      bindHost: gateway,
      advertiseHost: gateway,
      extraHosts: hostMapping(product, gateway),
      checkPeerAddress: true,
      subnets: bridge?.subnets ?? [],
    };
  // Podman names this machine host.containers.internal in every container, by itself
  return {
    kind: 'loopback',
    bindHost: '127.0.0.1',
    advertiseHost: product === 'podman' ? 'host.containers.internal' : 'host.docker.internal',
    extraHosts: hostMapping(product, null),
    checkPeerAddress: false,
  };
}

export function localIpv4Addresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .flatMap((i) => (i && i.family === 'IPv4' ? [i.address] : []));
}

export async function detectRuntimeNetwork(engine: DockerEngine): Promise<RuntimeNetwork> {
  const product = await engine.product();
  return chooseRuntimeNetwork(await engine.inspectNetwork('bridge'), localIpv4Addresses(), product);
}
