// Where a command's results go. For people: tables and lines on stdout, the program's output as it
// was written, notes on stderr. With --json: stdout holds only JSON (one document, or one object a
// line for commands that follow output) and stderr only `{ error: true, reason, message }`.
import type { LogChunk } from '../contract/types.js';
import { writeChunk } from './client.js';

export class Output {
  constructor(readonly json: boolean) {}

  /** The API's JSON (or one line of a stream of it); nothing for people. */
  data(value: unknown): void {
    if (this.json) process.stdout.write(`${JSON.stringify(value)}\n`);
  }

  /** Text for people on stdout; nothing with --json. */
  text(text: string): void {
    if (!this.json) process.stdout.write(text);
  }

  /** A note for people on stderr (what is happening, how it ended); nothing with --json. */
  note(text: string): void {
    if (!this.json) process.stderr.write(`${text}\n`);
  }

  /** A chunk of a run's or build's output: as written, or `{ "log": chunk }` with --json. */
  chunk(chunk: LogChunk): void {
    if (this.json) this.data({ log: chunk });
    else writeChunk(chunk);
  }
}

/** --json among the options: before `--`, and for exec before its command (which may take a --json of its own). */
export function wantsJson(argv: readonly string[]): boolean {
  if (argv[0] !== 'exec') {
    const end = argv.indexOf('--');
    return (end < 0 ? argv : argv.slice(0, end)).includes('--json');
  }
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--json') return true;
    if (arg === '--' || !arg.startsWith('-')) return false;
    if (['--project', '--data-dir', '--image', '--env', '--secret'].includes(arg)) i++;
  }
  return false;
}
