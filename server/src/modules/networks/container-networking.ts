// How containers reach this machine and the emulator's API: the /etc/hosts line for
// host.docker.internal, and SWIFTLAMBDA_API_URL with the in-network listener behind it.
// Why it is safe: docs/decisions/0100-in-network-api-listener.md.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DockerEngine } from '../../adapters/docker/docker-engine.js';
import { errorMessage } from '../../errors.js';
import { PeerGate } from '../../http/peer-gate.js';
import { HostPolicy } from '../../http/request-guards.js';
import { detectRuntimeNetwork, type RuntimeNetwork } from '../aws/index.js';
import { EmulatorPeers } from './emulator-peers.js';

/** What a container needs to reach this machine and the API. */
export type ContainerReach = Pick<RuntimeNetwork, 'extraHosts' | 'apiUrl'>;

export interface ContainerNetworkingDeps {
  readonly engine: DockerEngine;
  readonly labels: Readonly<Record<string, string>>;
  readonly log: (line: string) => void;
  /** the public port's request handler (guards → proxy → app), for a listener with `policy` */
  readonly handler: (policy: HostPolicy) => http.RequestListener;
  /** the public port's Host policy: it also answers to host.docker.internal where that is the way in */
  readonly hostPolicy: HostPolicy;
}

export class ContainerNetworking {
  private detected: Promise<RuntimeNetwork> | null = null;
  private listener: http.Server | null = null;
  private apiPort = 0;
  private closed = false;

  constructor(private readonly deps: ContainerNetworkingDeps) {}

  /** The public port, once it listens: the in-network listener takes the same number when free. */
  listeningOn(port: number): void {
    this.apiPort = port;
  }

  /** Detected on first use (the engine may be away at start); a failure is tried again next time. */
  current(): Promise<RuntimeNetwork> {
    return (this.detected ??= this.detect().catch((err) => {
      this.detected = null;
      throw err;
    }));
  }

  private async detect(): Promise<RuntimeNetwork> {
    const network = await detectRuntimeNetwork(this.deps.engine);
    if (network.kind === 'bridge') {
      const port = await this.openListener(network).catch((err) => {
        this.deps.log(
          `containers get no SWIFTLAMBDA_API_URL: cannot listen on ${network.bindHost} (${errorMessage(err)})`,
        );
        return null;
      });
      return { ...network, apiUrl: port === null ? null : `http://${network.bindHost}:${port}` };
    }
    // Docker Desktop (and Podman's host.containers.internal): the name leads to this machine's loopback
    const hostAndPort = `${network.advertiseHost}:${this.apiPort}`;
    this.deps.hostPolicy.alsoAnswerTo(hostAndPort);
    return { ...network, apiUrl: `http://${hostAndPort}` };
  }

  /**
   * The public port's handler on the bridge's gateway, answering only this emulator's running
   * containers (each connection's source address is checked before a request on it is read).
   */
  private async openListener(network: RuntimeNetwork): Promise<number | null> {
    if (this.closed) return null;
    const policy = new HostPolicy(network.bindHost);
    const peers = new EmulatorPeers(this.deps.engine, this.deps.labels, network.subnets ?? [], network.bindHost);
    const server = http.createServer({ maxHeaderSize: 64 * 1024 });
    server.keepAliveTimeout = 65_000;
    const gate = new PeerGate(server, (address) => peers.admits(address));
    const handle = this.deps.handler(policy);
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      void gate.admits(req).then((ok) => {
        if (ok) handle(req, res);
      });
    });
    const listen = (port: number) =>
      new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, network.bindHost, () => {
          server.off('error', reject);
          resolve();
        });
      });
    // the public port's number when it is free there, so the two URLs differ only by address
    await listen(this.apiPort).catch(() => listen(0));
    const port = (server.address() as AddressInfo).port;
    policy.listeningOn(port);
    this.listener = server;
    // closed while it was opening: nothing may outlive the server
    if (this.closed) await this.close();
    return port;
  }

  async close(): Promise<void> {
    this.closed = true;
    const server = this.listener;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}
