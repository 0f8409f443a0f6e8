import type { Diagnostic } from '../contract/types.js';

/** `file:line:col: severity: message`, the form terminals and editors make clickable. */
export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.column}: ${d.severity}: ${d.message}`;
}
