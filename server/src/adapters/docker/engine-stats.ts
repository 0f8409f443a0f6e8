// The engine's container stats, converted to the emulator's own sample before anyone else sees them.
import type { ContainerStatsSample } from './docker-engine.js';

/** The parts of the engine's stats JSON that are read (the same on cgroup v1 and v2). */
export interface EngineStats {
  read?: string;
  cpu_stats?: {
    cpu_usage?: { total_usage?: number; percpu_usage?: number[] };
    system_cpu_usage?: number;
    online_cpus?: number;
  };
  precpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number };
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
}

/**
 * An engine stats reading as `docker stats` computes it: CPU as the container's share of the
 * host's time since the previous reading times the cores, memory without inactive page cache.
 * Null for a reading without memory figures (the engine sends one after the container stopped).
 */
export function toStatsSample(json: EngineStats): ContainerStatsSample | null {
  const memory = json.memory_stats;
  if (!memory?.usage || !memory.limit) return null;
  const read = json.read ? Date.parse(json.read) : NaN;
  // the engine writes year 1 for "never"
  const at = Number.isFinite(read) && read > 0 ? read : Date.now();
  const cpu = json.cpu_stats;
  const pre = json.precpu_stats;
  const cpuDelta = (cpu?.cpu_usage?.total_usage ?? 0) - (pre?.cpu_usage?.total_usage ?? 0);
  const systemDelta = (cpu?.system_cpu_usage ?? 0) - (pre?.system_cpu_usage ?? 0);
  const cores = cpu?.online_cpus || cpu?.cpu_usage?.percpu_usage?.length || 1;
  // the first reading has no previous one (precpu is zero): no rate yet
  const cpuPercent =
    pre?.system_cpu_usage && cpuDelta > 0 && systemDelta > 0 ? (cpuDelta / systemDelta) * cores * 100 : 0;
  // cgroup v1 names it total_inactive_file, v2 inactive_file
  const inactive = memory.stats?.total_inactive_file ?? memory.stats?.inactive_file ?? 0;
  const memoryBytes = inactive < memory.usage ? memory.usage - inactive : memory.usage;
  return { at, cpuPercent: Math.round(cpuPercent * 100) / 100, memoryBytes, memoryLimitBytes: memory.limit };
}
