// A container's peak memory read straight from its cgroup, where the engine is local: cheaper and
// fresher than a stats call. Docker and Podman, cgroup v1 and v2, cgroupfs and systemd drivers.
import { readFile } from 'node:fs/promises';

export class CgroupPeakReader {
  /** the file that held a container's peak last time: tried first next time */
  private index = 0;

  /** The peak in bytes, or null when no cgroup file of this container can be read here. */
  async read(id: string): Promise<number | null> {
    if (!/^[0-9a-f]{64}$/.test(id)) return null;
    const files = [
      `/sys/fs/cgroup/memory/docker/${id}/memory.max_usage_in_bytes`,
      `/sys/fs/cgroup/memory/system.slice/docker-${id}.scope/memory.max_usage_in_bytes`,
      `/sys/fs/cgroup/system.slice/docker-${id}.scope/memory.peak`,
      `/sys/fs/cgroup/docker/${id}/memory.peak`,
      // Podman (systemd cgroup manager, v2 and v1; cgroupfs v1, as Podman 4.3 on Debian 12)
      `/sys/fs/cgroup/machine.slice/libpod-${id}.scope/memory.peak`,
      `/sys/fs/cgroup/machine.slice/libpod-${id}.scope/container/memory.peak`,
      `/sys/fs/cgroup/memory/machine.slice/libpod-${id}.scope/memory.max_usage_in_bytes`,
      `/sys/fs/cgroup/memory/libpod_parent/libpod-${id}/memory.max_usage_in_bytes`,
    ];
    for (let i = 0; i < files.length; i++) {
      const index = (this.index + i) % files.length;
      const text = await readFile(files[index]!, 'utf8').catch(() => null);
      if (text !== null && /^\d+\s*$/.test(text)) {
        this.index = index;
        return Number(text);
      }
    }
    return null;
  }
}
