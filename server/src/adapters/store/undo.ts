/**
 * Undo of one change to the store's data, so that a change whose write failed leaves memory as it
 * is on disk. Objects keep their identity (services, live runs and the change feed hold references
 * to records): touched records get their old field values back in place, and each collection loses
 * exactly the records the change added and gets back the ones it removed. Changes made meanwhile by
 * others are left alone, so no lock between writers is needed.
 */
export type Undo = () => void;

type Collections = Record<string, unknown>;

interface ArrayDelta {
  readonly key: string;
  readonly added: ReadonlySet<unknown>;
  readonly removed: ReadonlyArray<readonly [index: number, item: unknown]>;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Gives `target` the fields of `snapshot` again, recursing into nested plain objects in place. */
export function restoreInPlace(target: Record<string, unknown>, snapshot: Record<string, unknown>): void {
  for (const key of Object.keys(target)) if (!(key in snapshot)) delete target[key];
  for (const [key, value] of Object.entries(snapshot)) {
    const current = target[key];
    if (isPlainObject(current) && isPlainObject(value)) restoreInPlace(current, value);
    else target[key] = value;
  }
}

function deltaOf(key: string, before: readonly unknown[], after: readonly unknown[]): ArrayDelta | null {
  // the common changes, cheaply: nothing, or records appended
  let prefix = 0;
  const shorter = Math.min(before.length, after.length);
  while (prefix < shorter && before[prefix] === after[prefix]) prefix++;
  if (prefix === before.length) {
    return after.length === before.length ? null : { key, added: new Set(after.slice(prefix)), removed: [] };
  }
  const afterSet = new Set(after);
  const beforeSet = new Set(before);
  const removed: Array<readonly [number, unknown]> = [];
  before.forEach((item, i) => {
    if (!afterSet.has(item)) removed.push([i, item]);
  });
  return { key, added: new Set(after.filter((item) => !beforeSet.has(item))), removed };
}

/**
 * Call before a change: remembers every array-valued field of `data` and a copy of each `touched`
 * record. Returns `settle`, to call right after the change, which gives the change's own undo.
 */
export function trackChange(data: Collections, touched: readonly object[]): () => Undo {
  const arrays = Object.entries(data).filter((e): e is [string, unknown[]] => Array.isArray(e[1]));
  const before = arrays.map(([key, list]) => [key, list.slice()] as const);
  const copies = touched.map((record) => [record, structuredClone(record)] as const);
  return () => {
    const deltas: ArrayDelta[] = [];
    for (const [key, list] of before) {
      const after = data[key];
      const delta = deltaOf(key, list, Array.isArray(after) ? after : []);
      if (delta) deltas.push(delta);
    }
    return () => {
      for (const [record, copy] of copies)
        restoreInPlace(record as Record<string, unknown>, copy as Record<string, unknown>);
      for (const { key, added, removed } of deltas) {
        const list = (Array.isArray(data[key]) ? data[key] : (data[key] = [])) as unknown[];
        for (let i = list.length - 1; i >= 0; i--) if (added.has(list[i])) list.splice(i, 1);
        for (const [index, item] of removed) list.splice(Math.min(index, list.length), 0, item);
      }
    };
  };
}
