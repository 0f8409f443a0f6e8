// Which source addresses belong to this emulator's own containers, for the in-network listener.
import type { DockerEngine } from '../../adapters/docker/docker-engine.js';
import { inSubnet } from '../aws/index.js';

/** when an unknown address is asked about again (ms after the previous answer) */
const RETRY_DELAYS_MS = [0, 50, 150, 300, 500, 1000];

export class EmulatorPeers {
  private known = new Set<string>();
  private inFlight: { startedAt: number; done: Promise<void> } | null = null;

  constructor(
    private readonly engine: Pick<DockerEngine, 'listContainers'>,
    /** the labels every container of this emulator carries (its instance id) */
    private readonly labels: Readonly<Record<string, string>>,
    /** the bridge's ranges: a container's address on it is the only source a call can have */
    private readonly subnets: readonly string[],
    /** the bridge's gateway: this machine itself, never a container */
    private readonly gateway: string,
  ) {}

  /**
   * true when `address` is a running container of this emulator. An address outside the bridge's
   * ranges, or the gateway's own, is refused without asking the engine; any other is checked
   * against a list read after the connection arrived: Docker gives an exited container's address
   * to the next container at once, so no earlier list can vouch for it. Concurrent connections
   * share one list call (about 5 ms); a kept-alive connection is checked once. A program that
   * calls within milliseconds of its start can be ahead of the engine's list, which shows the
   * container running a little after its process runs: an unknown address is asked about again
   * for up to two seconds before it is refused (Docker 20.10 here: 400–650 ms between a start and
   * the list showing the container running with its address).
   */
  async admits(address: string): Promise<boolean> {
    if (address === this.gateway || !this.subnets.some((s) => inSubnet(address, s))) return false;
    for (const waitMs of RETRY_DELAYS_MS) {
      if (waitMs) await new Promise((r) => setTimeout(r, waitMs));
      await this.refreshSince(Date.now());
      if (this.known.has(address)) return true;
    }
    return false;
  }

  /** One list call at a time; a caller waits for one that started after it arrived. */
  private refreshSince(arrived: number): Promise<void> {
    const current = this.inFlight;
    if (current && current.startedAt >= arrived) return current.done;
    if (current) return current.done.catch(() => undefined).then(() => this.refreshSince(arrived));
    const startedAt = Date.now();
    const done: Promise<void> = this.engine
      .listContainers(this.labels)
      .then((list) => {
        // runs and functions; a build container is not one of them
        const peers = list.filter((c) => c.running && c.labels['swiftlambda.kind'] !== 'build');
        this.known = new Set(peers.flatMap((c) => c.ipAddresses ?? []));
      })
      .finally(() => {
        if (this.inFlight?.done === done) this.inFlight = null;
      });
    this.inFlight = { startedAt, done };
    return done;
  }
}
