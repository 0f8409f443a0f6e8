// Why a Swift program died, read from the end of its stderr: the runtime's `Fatal error:` line and
// the backtrace that Swift's crash handler (swift-backtrace) prints there. Pure functions only.
import type { CrashFrame, CrashReport } from '../../contract/run-diagnostics.js';

/** What the crash handler is asked for: plain text on stderr, the crashed thread only, no register dump. */
export const SWIFT_BACKTRACE_SETTINGS =
  'enable=yes,interactive=no,color=no,threads=crashed,registers=none,images=none,sanitize=no';

/** The end of stderr that is parsed: a backtrace of the crashed thread fits easily. */
export const CRASH_TAIL_BYTES = 64 * 1024;

const MAX_FRAMES = 64;
const MAX_MESSAGE = 500;

const SIGNALS: Readonly<Record<number, string>> = {
  1: 'SIGHUP',
  2: 'SIGINT',
  3: 'SIGQUIT',
  4: 'SIGILL',
  5: 'SIGTRAP',
  6: 'SIGABRT',
  7: 'SIGBUS',
  8: 'SIGFPE',
  9: 'SIGKILL',
  10: 'SIGUSR1',
  11: 'SIGSEGV',
  12: 'SIGUSR2',
  13: 'SIGPIPE',
  14: 'SIGALRM',
  15: 'SIGTERM',
  24: 'SIGXCPU',
  25: 'SIGXFSZ',
  31: 'SIGSYS',
};

/** The signal that killed the program, from the exit code docker-init reports (128 + n). */
export function signalOfExitCode(exitCode: number): string | null {
  return exitCode > 128 ? (SIGNALS[exitCode - 128] ?? null) : null;
}

export function signalName(n: number): string {
  return SIGNALS[n] ?? `signal ${n}`;
}

// `crashy/main.swift:14: Fatal error: boom` (or without the location); the runtime's own line,
// printed whether or not the backtracer runs
const FATAL_LINE = /^(?:(.+?):(\d+): )?(Fatal error|Precondition failed|Assertion failed)(?:: (.*))?$/;
// runtime errors that end in abort() without a `Fatal error:` prefix
const RUNTIME_ERROR_LINE = /^(Could not cast value of type .*|Simultaneous accesses to .*)$/;
const SIGNAL_BANNER = /^\*\*\* Signal (\d+): Backtracing/;
const RUNTIME_FAILURE = /^\*\*\* Swift runtime failure: (.*) \*\*\*$/;
const PROGRAM_CRASHED = /^\*\*\* Program crashed: (.*) \*\*\*$/;
const CRASHED_THREAD = /^Thread \d+(?: ".*")? crashed:$/;
// `1 [ra] [system] 0x00005626bfb1871c explode(_:) + 91 in crashy at /src/main.swift:14:5`
const FRAME = /^\d+((?: \[[a-z]+\])*)\s+0x[0-9a-fA-F]+ (.*)$/;

/** A crash as the console shows it, and where it happened (`App/main.swift:14`) for the summary. */
export interface ParsedCrash {
  readonly crash: CrashReport;
  readonly location: string | null;
}

/**
 * The crash of a program that `signal` killed, from the end of its stderr; the signal may also come
 * from the crash handler's banner. Null when no signal killed it: a program that printed
 * `Fatal error:` and exited by itself did not crash.
 */
export function parseCrash(stderrTail: string, signal: string | null): ParsedCrash | null {
  let fatal: { message: string; location: string | null } | null = null;
  let bannerSignal: string | null = null;
  let runtimeFailure: string | null = null;
  let crashed: string | null = null;
  let frames: CrashFrame[] = [];
  let inFrames = false;
  for (const raw of stderrTail.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (inFrames) {
      const frame = parseFrame(line);
      if (frame) {
        if (frames.length < MAX_FRAMES) frames.push(frame);
        continue;
      }
      // the list ends at the first line that is not a frame (`...` marks frames left out)
      if ((line.trim() === '' && frames.length === 0) || line.trim() === '...') continue;
      inFrames = false;
    }
    let m: RegExpExecArray | null;
    if ((m = FATAL_LINE.exec(line))) {
      fatal = { message: m[4] ? `${m[3]}: ${m[4]}` : m[3]!, location: m[1] && m[2] ? `${m[1]}:${m[2]}` : null };
    } else if ((m = RUNTIME_ERROR_LINE.exec(line))) {
      fatal = { message: m[1]!, location: null };
    } else if ((m = SIGNAL_BANNER.exec(line))) {
      // a later crash report replaces an earlier one
      bannerSignal = signalName(Number(m[1]));
      runtimeFailure = null;
      crashed = null;
      frames = [];
    } else if ((m = RUNTIME_FAILURE.exec(line))) {
      runtimeFailure = m[1]!;
    } else if ((m = PROGRAM_CRASHED.exec(line))) {
      crashed = m[1]!;
    } else if (CRASHED_THREAD.test(line)) {
      inFrames = true;
      frames = [];
    }
  }
  const sig = signal ?? bannerSignal;
  if (!sig) return null;
  const message =
    fatal?.message ??
    (runtimeFailure ? `Swift runtime failure: ${runtimeFailure}` : crashed ? describeFault(crashed) : null);
  // the first frame in source code is the user's line even when the fatal error names the
  // standard library's file (`Swift/ContiguousArrayBuffer.swift:600: Fatal error: Index out of range`)
  const frame = frames.find((f) => f.file !== null && f.line !== null);
  const location = frame ? `${shortPath(frame.file!)}:${frame.line}` : (fatal?.location ?? null);
  return { crash: { signal: sig, message: message ? clip(message) : null, frames }, location };
}

/** The summary's tail after `killed by SIGILL`: the message and where it happened. */
export function describeCrash({ crash, location }: ParsedCrash): string {
  return [crash.message, location ? `at ${location}` : null].filter((p): p is string => !!p).join(' ');
}

/**
 * One frame line, or null. The source location is whatever follows ` at /`; the image is the word
 * after the last ` in ` before it (a symbol such as `closure #1 in main` has its own ` in `).
 */
export function parseFrame(line: string): CrashFrame | null {
  const m = FRAME.exec(line.trim());
  if (!m) return null;
  let rest = m[2]!;
  let file: string | null = null;
  let lineNumber: number | null = null;
  const at = rest.indexOf(' at /');
  if (at >= 0) {
    const where = /^(.*?)(?::(\d+)(?::\d+)?)?$/.exec(rest.slice(at + 4))!;
    if (where[2] && !where[1]!.startsWith('//')) {
      file = where[1]!;
      lineNumber = Number(where[2]);
    }
    rest = rest.slice(0, at);
  }
  const inAt = rest.lastIndexOf(' in ');
  const image = inAt >= 0 ? rest.slice(inAt + 4) : '';
  let symbol = (inAt >= 0 ? rest.slice(0, inAt) : rest).replace(/ \+ \d+$/, '');
  if (symbol === '<unknown>' && image) symbol = `<unknown> in ${image}`;
  return { symbol, file, line: lineNumber };
}

/** `Illegal instruction at 0x7f…` → `Illegal instruction`: a code address says nothing to the user; a bad pointer's does. */
function describeFault(description: string): string {
  return /^Bad pointer dereference/.test(description) ? description : description.replace(/ at 0x[0-9a-fA-F]+$/, '');
}

/** The last two parts of a path, like Swift's #fileID: `/Users/me/App/Sources/App/main.swift` → `App/main.swift`. */
function shortPath(path: string): string {
  return path.split('/').filter(Boolean).slice(-2).join('/');
}

function clip(text: string): string {
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}…` : text;
}
