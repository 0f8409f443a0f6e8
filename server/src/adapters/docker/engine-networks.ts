// User networks: joining a created container to them, and listing them for the console's picker.
import type Docker from 'dockerode';
import { NetworkMissingError, type NetworkSummary } from './docker-engine.js';
import { engineCall, statusCodeOf } from './engine-errors.js';

/**
 * Connects a created container to more networks; `remove` takes the container away when one is
 * missing (Docker 20.10 accepts a missing network here and fails only at start, so each is looked
 * up first).
 */
export async function joinNetworks(
  docker: Docker,
  id: string,
  networks: readonly string[],
  remove: (id: string) => Promise<void>,
): Promise<void> {
  for (const name of networks) {
    try {
      await engineCall(async () => {
        const network = docker.getNetwork(name);
        await network.inspect();
        await network.connect({ Container: id });
      });
    } catch (err) {
      await remove(id).catch(() => undefined);
      if (statusCodeOf(err) === 404) throw new NetworkMissingError(name);
      throw err;
    }
  }
}

export async function listNetworks(docker: Docker): Promise<NetworkSummary[]> {
  // the list leaves Containers empty; each network's inspect fills it
  const list = await engineCall(() => docker.listNetworks());
  return Promise.all(
    list.map(async (n) => {
      const info = (await docker
        .getNetwork(n.Id)
        .inspect()
        .catch(() => n)) as Docker.NetworkInspectInfo;
      return { name: n.Name, driver: n.Driver, containers: Object.keys(info.Containers ?? {}).length };
    }),
  );
}
