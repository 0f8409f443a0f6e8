// `swiftlambda shell LAMBDA_ID RUN_ID`: a shell in a running run's container, in this terminal
// (raw mode, the window's size kept in step on SIGWINCH), over the console's terminal WebSocket.
import WebSocket from 'ws';
import { CliError, type Connection } from './client.js';

export async function openShell(conn: Connection, runId: string): Promise<number> {
  const stdin = process.stdin;
  const stdout = process.stdout;
  const size = () => ({ cols: stdout.columns || 80, rows: stdout.rows || 24 });
  const { cols, rows } = size();
  const url = `${conn.url.replace(/^http/, 'ws')}/console/api/runs/${encodeURIComponent(runId)}/terminal?cols=${cols}&rows=${rows}`;
  const ws = new WebSocket(url, { headers: { authorization: `Bearer ${conn.token}` } });

  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d));
      res.on('end', () => {
        let reason = `HTTP ${res.statusCode}`;
        let message = body;
        try {
          ({ reason, message } = JSON.parse(body) as { reason: string; message: string });
        } catch {
          // not the API's answer
        }
        reject(new CliError(`${message} (${res.statusCode} ${reason})`, reason));
      });
    });
    ws.once('error', (err) => reject(new CliError(`could not open the terminal: ${err.message}`, 'no_server')));
  });

  const raw = stdin.isTTY === true;
  if (raw) stdin.setRawMode(true);
  stdin.resume();
  const onInput = (data: Buffer) => ws.send(data, { binary: true });
  const onResize = () => ws.send(JSON.stringify({ type: 'resize', ...size() }));
  stdin.on('data', onInput);
  process.on('SIGWINCH', onResize);
  ws.on('message', (data: Buffer) => stdout.write(data));

  const code = await new Promise<number>((resolve) => {
    ws.once('close', (closeCode) => resolve(closeCode === 1000 ? 0 : 1));
    ws.once('error', () => resolve(1));
  });
  stdin.off('data', onInput);
  process.off('SIGWINCH', onResize);
  if (raw) stdin.setRawMode(false);
  stdin.pause();
  return code;
}
