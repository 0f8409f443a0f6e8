import { useEffect, useRef, useState } from 'react';

type TerminalState = 'connecting' | 'open' | 'closed';

/**
 * A shell in the run's container (bash, else sh), drawn by xterm.js over the console's terminal
 * WebSocket: keystrokes go out as binary frames, the terminal's size as a resize frame. xterm.js
 * loads only when a terminal is opened.
 */
export function TerminalPanel({ runId }: { runId: string }) {
  const [open, setOpen] = useState(false);
  return (
    <section className="panel terminal-panel" data-testid="terminal-panel">
      <h2>
        Terminal{' '}
        {open ? (
          <button type="button" className="btn btn-small" onClick={() => setOpen(false)} data-testid="close-terminal">
            Close
          </button>
        ) : (
          <button type="button" className="btn btn-small" onClick={() => setOpen(true)} data-testid="open-terminal">
            Open a shell in the container
          </button>
        )}
      </h2>
      {open ? (
        <TerminalView runId={runId} />
      ) : (
        <p className="muted small">
          A shell inside this run's container, as <code>docker exec -it</code> gives: look at files, the environment, or{' '}
          <code>curl localhost:8080</code> from inside. Closing it ends the shell, not the run.
        </p>
      )}
    </section>
  );
}

function TerminalView({ runId }: { runId: string }) {
  const host = useRef<HTMLDivElement>(null);
  const [state, setState] = useState<TerminalState>('connecting');
  useEffect(() => {
    let disposed = false;
    const cleanups: Array<() => void> = [];
    void (async () => {
      const [{ Terminal }, { FitAddon }] = await Promise.all([import('@xterm/xterm'), import('@xterm/addon-fit')]);
      await import('@xterm/xterm/css/xterm.css');
      if (disposed || !host.current) return;
      const term = new Terminal({ cursorBlink: true, fontSize: 13, convertEol: false, scrollback: 5000 });
      const fit = new FitAddon();
      term.loadAddon(fit);
      term.open(host.current);
      fit.fit();
      cleanups.push(() => term.dispose());
      const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
      const ws = new WebSocket(
        `${scheme}://${location.host}/console/api/runs/${encodeURIComponent(runId)}/terminal?cols=${term.cols}&rows=${term.rows}`,
      );
      ws.binaryType = 'arraybuffer';
      cleanups.push(() => ws.close());
      const encoder = new TextEncoder();
      ws.onopen = () => {
        setState('open');
        term.focus();
      };
      ws.onmessage = (e) => term.write(typeof e.data === 'string' ? e.data : new Uint8Array(e.data as ArrayBuffer));
      ws.onclose = (e) => {
        setState('closed');
        term.write(
          `\r\n\x1b[2m[${e.code === 1000 ? 'the shell exited' : e.reason || 'the terminal closed'}]\x1b[0m\r\n`,
        );
      };
      const input = term.onData((data) => ws.readyState === WebSocket.OPEN && ws.send(encoder.encode(data)));
      cleanups.push(() => input.dispose());
      const observer = new ResizeObserver(() => {
        fit.fit();
        if (ws.readyState === WebSocket.OPEN)
          ws.send(JSON.stringify({ type: 'resize', cols: term.cols, rows: term.rows }));
      });
      observer.observe(host.current);
      cleanups.push(() => observer.disconnect());
    })();
    return () => {
      disposed = true;
      for (const cleanup of cleanups.reverse()) cleanup();
    };
  }, [runId]);
  return (
    <div className="terminal" data-testid="terminal" data-state={state}>
      <div ref={host} className="terminal-host" />
    </div>
  );
}
