import type { CrashFrame, CrashReport } from '../api.js';

/** What each signal usually means for a Swift program. */
const SIGNALS: Record<string, string> = {
  SIGILL:
    'illegal instruction: a Swift runtime trap (fatalError, a force-unwrapped nil, an index out of range, an overflow, a precondition)',
  SIGTRAP: 'trace trap: a Swift runtime trap or a breakpoint instruction',
  SIGSEGV: 'segmentation fault: the program read or wrote memory it does not own (an unsafe pointer, a stack overflow)',
  SIGBUS: 'bus error: a misaligned or unmapped memory access',
  SIGABRT: 'abort: the program called abort() or failed an assertion in C code',
  SIGFPE: 'arithmetic error: an integer division by zero',
  SIGKILL: 'killed: out of memory, or stopped without a chance to clean up',
  SIGTERM: 'terminated: asked to stop',
};

/** `vscode://file/{file}:{line}`, as the Problems list links diagnostics (the desktop app hands it to the shell). */
export function frameLink(frame: CrashFrame): string | null {
  if (!frame.file || !frame.line) return null;
  const path = frame.file.replace(/\\/g, '/');
  return `vscode://file${encodeURI(path.startsWith('/') ? path : `/${path}`)}:${frame.line}`;
}

/** The path as the user knows it: relative to the package folder when inside it. */
function displayPath(file: string, sourcePath: string | undefined): string {
  const root = sourcePath?.replace(/\/+$/, '');
  return root && file.startsWith(`${root}/`) ? file.slice(root.length + 1) : file;
}

/** Why a run died: the signal by name, the runtime's message, and the crashed thread's frames. */
export function CrashPanel({ crash, sourcePath }: { crash: CrashReport; sourcePath?: string }) {
  const meaning = SIGNALS[crash.signal];
  // the user's own frames first catch the eye; the runtime's are there for the curious
  const firstOwn = crash.frames.findIndex((f) => f.file !== null);
  return (
    <section className="panel crash-panel" role="alert" data-testid="crash-panel" data-signal={crash.signal}>
      <h2>Crashed</h2>
      <p className="crash-signal">
        <strong className="mono" data-testid="crash-signal">
          {crash.signal}
        </strong>
        {meaning && <span className="muted"> — {meaning}</span>}
      </p>
      {crash.message && (
        <pre className="crash-message" data-testid="crash-message">
          {crash.message}
        </pre>
      )}
      {crash.frames.length > 0 ? (
        <ol className="crash-frames" data-testid="crash-frames">
          {crash.frames.map((frame, i) => {
            const link = frameLink(frame);
            return (
              <li
                key={i}
                className={`crash-frame${frame.file ? ' crash-frame-own' : ''}${i === firstOwn ? ' crash-frame-first' : ''}`}
                data-testid="crash-frame"
              >
                <span className="crash-frame-index mono">{i}</span>
                <span className="crash-frame-symbol mono" title={frame.symbol}>
                  {frame.symbol}
                </span>
                {link && (
                  <a
                    className="mono crash-frame-location"
                    href={link}
                    title={`Open ${frame.file}:${frame.line} in your editor`}
                    data-testid="crash-frame-location"
                  >
                    {displayPath(frame.file!, sourcePath)}:{frame.line}
                  </a>
                )}
              </li>
            );
          })}
        </ol>
      ) : (
        <p className="muted small" data-testid="crash-no-frames">
          No backtrace was printed (a program without Swift's backtracer, or an image without swift-backtrace). The log
          below has its last words.
        </p>
      )}
    </section>
  );
}
