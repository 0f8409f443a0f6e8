// Which source addresses belong to this emulator's own containers, for the in-network listener.
import type { DockerEngine } from '../../adapters/docker/docker-engine.js';
import { inSubnet } from '../aws/index.js';

/** How long a list of the containers' addresses is trusted before an address is checked again. */
const FRESH_MS = 2000;

export class EmulatorPeers {
  private known = new Set<string>();
  private refreshedAt = 0;
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
   * ranges, or the gateway's own, is refused without asking the engine; an unknown one is checked
   * against a list read after the connection arrived (a run calling at once is known).
   */
  async admits(address: string): Promise<boolean> {
    if (address === this.gateway || !this.subnets.some((s) => inSubnet(address, s))) return false;
    const arrived = Date.now();
    if (this.known.has(address) && arrived - this.refreshedAt < FRESH_MS) return true;
    await this.refreshSince(arrived);
    return this.known.has(address);
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
        this.known = new Set(list.filter((c) => c.running).flatMap((c) => c.ipAddresses ?? []));
        this.refreshedAt = startedAt;
      })
      .finally(() => {
        if (this.inFlight?.done === done) this.inFlight = null;
      });
    this.inFlight = { startedAt, done };
    return done;
  }
}
