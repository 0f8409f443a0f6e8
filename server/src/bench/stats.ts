import { setTimeout as sleep } from 'node:timers/promises';
export interface Summary {
  readonly n: number;
  readonly min: number;
  readonly median: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly samples: readonly number[];
}

export interface Figure {
  readonly id: number;
  readonly title: string;
  readonly measured: Record<string, Summary | number>;
  /** each ratio with its target: `value <= max` or `value >= min` */
  readonly ratios: Array<{ name: string; value: number; target: string; met: boolean }>;
  readonly notes?: string[];
}

export function percentile(values: readonly number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function summarize(samples: readonly number[]): Summary {
  return {
    n: samples.length,
    min: Math.min(...samples),
    median: percentile(samples, 50),
    p90: percentile(samples, 90),
    p99: percentile(samples, 99),
    max: Math.max(...samples),
    samples,
  };
}

export async function timeIt(fn: () => Promise<unknown>): Promise<number> {
  const began = performance.now();
  await fn();
  return performance.now() - began;
}

export async function sample(n: number, fn: () => Promise<number>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await fn());
  return out;
}

/**
 * `n` rounds of every measure, one after another, returning the samples of each in the order the
 * measures were given: the order rotates each round and each sample starts after `settleMs`, so
 * drift on the machine hits every variant alike and none inherits another's clean-up.
 */
export async function interleaved(
  n: number,
  settleMs: number,
  measures: ReadonlyArray<() => Promise<number>>,
): Promise<number[][]> {
  const out = measures.map(() => [] as number[]);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < measures.length; j++) {
      const k = (i + j) % measures.length;
      await sleep(settleMs);
      out[k]!.push(await measures[k]!());
    }
  }
  return out;
}
