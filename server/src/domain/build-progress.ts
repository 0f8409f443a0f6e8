import type { BuildProgress } from '../contract/types.js';

/** SwiftPM's step counter at the start of a line: `[12/345] Compiling Foo bar.swift`. */
const STEP = /^\s*\[(\d+)\/(\d+)\]\s/;

/** The `{ done, total }` a line of SwiftPM's output reports, or null when it reports none (the server and the CLI). */
export function progressOfLine(line: string): BuildProgress | null {
  const m = STEP.exec(line);
  if (!m) return null;
  const done = Number(m[1]);
  const total = Number(m[2]);
  if (!Number.isSafeInteger(done) || !Number.isSafeInteger(total) || total <= 0 || done > total) return null;
  return { done, total };
}
