// A client in a process of its own that calls a URL every few milliseconds and reports each answer
// as a JSON line on stdout, until its stdin closes: what a user's client sees across a hot swap,
// without sharing the server's event loop (the test process is the server's main thread).
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { trackChild } from './children.js';

const self = fileURLToPath(import.meta.url);

/** One call: when it was sent and answered (unix ms), its status (0: a network error) and body. */
export interface ClientAnswer {
  readonly sentAt: number;
  readonly at: number;
  readonly status: number;
  readonly body: string;
}

export interface RunningClient {
  readonly answers: readonly ClientAnswer[];
  /** resolves with the first answer `match` accepts */
  firstAnswer(match: (a: ClientAnswer) => boolean, timeoutMs: number): Promise<ClientAnswer>;
  /** stops calling, waits for the calls in flight, and resolves with every answer */
  stop(): Promise<readonly ClientAnswer[]>;
}

/** Starts a tracked child that sends GET `url` every `intervalMs` (not waiting for the previous answer). */
export function startUrlClient(url: string, headers: Record<string, string>, intervalMs = 20): RunningClient {
  const child: ChildProcess = trackChild(
    spawn(process.execPath, [self, url, JSON.stringify(headers), String(intervalMs)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    }),
  );
  const answers: ClientAnswer[] = [];
  const waiters: Array<{ match: (a: ClientAnswer) => boolean; resolve: (a: ClientAnswer) => void }> = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const answer = JSON.parse(line) as ClientAnswer;
    answers.push(answer);
    for (const w of [...waiters]) {
      if (w.match(answer)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(answer);
      }
    }
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    answers,
    firstAnswer(match, timeoutMs) {
      const seen = answers.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(new Error(`no matching answer within ${timeoutMs} ms (last: ${JSON.stringify(answers.at(-1))})`)),
          timeoutMs,
        );
        waiters.push({ match, resolve: (a) => (clearTimeout(timer), resolve(a)) });
      });
    },
    async stop() {
      child.stdin!.end();
      await exited;
      return answers;
    },
  };
}

function callEvery(url: string, headers: Record<string, string>, intervalMs: number): void {
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  let open = 0;
  let stopping = false;
  const call = () => {
    open++;
    const sentAt = Date.now();
    const report = (status: number, body: string) => {
      open--;
      process.stdout.write(`${JSON.stringify({ sentAt, at: Date.now(), status, body })}\n`);
      if (stopping && open === 0) process.exit(0);
    };
    const req = request(url, { agent, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => report(res.statusCode ?? 0, body));
      res.on('error', (err) => report(0, String(err)));
    });
    req.on('error', (err) => report(0, String(err)));
    req.end();
  };
  const timer = setInterval(call, intervalMs);
  process.stdin.resume();
  process.stdin.on('end', () => {
    clearInterval(timer);
    stopping = true;
    if (open === 0) process.exit(0);
  });
}

if (process.argv[1] === self)
  callEvery(process.argv[2]!, JSON.parse(process.argv[3]!) as Record<string, string>, Number(process.argv[4]));
