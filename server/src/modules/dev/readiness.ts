import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { isTerminal } from '../../domain/run-states.js';
import type { RunsService } from '../runs/index.js';

/**
 * Whether something accepts connections on a run's published port. Docker's port proxy accepts a
 * connection even when nothing listens in the container and then closes it at once, so a
 * connection counts only if it is still open `holdMs` later.
 */
export function acceptsConnections(port: number, holdMs = 150): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let settled = false;
    const done = (ok: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    // no connection within a second is no listener (a dropped SYN, an overloaded engine)
    const timer = setTimeout(() => done(false), 1000);
    socket.once('connect', () => {
      clearTimeout(timer);
      setTimeout(() => done(true), holdMs);
    });
    socket.once('end', () => done(false));
    socket.once('close', () => done(false));
    socket.once('error', () => done(false));
  });
}

/**
 * A connection straight to the container's own address: no port proxy in between, so it is
 * accepted only when the program listens, and refused at once while it does not. `unreachable`
 * where the host cannot reach container addresses (Docker Desktop's VM): then the published port
 * is tried instead.
 */
export function connectsDirectly(ip: string, port: number, timeoutMs = 300): Promise<'yes' | 'no' | 'unreachable'> {
  return new Promise((resolve) => {
    const socket = net.connect(port, ip);
    const done = (answer: 'yes' | 'no' | 'unreachable') => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => done('unreachable'), timeoutMs);
    socket.once('connect', () => done('yes'));
    socket.once('error', (err: NodeJS.ErrnoException) => done(err.code === 'ECONNREFUSED' ? 'no' : 'unreachable'));
  });
}

/** how often a starting run's port is tried */
const POLL_MS = 25;

/**
 * Resolves with null once the run accepts connections on its port, else with why it never will
 * (it ended) or no longer need (`superseded` returned a reason). `onSlow` is called once after
 * `slowMs`.
 */
export async function waitUntilListening(
  runs: RunsService,
  runId: string,
  superseded: () => string | null,
  slowMs: number,
  onSlow: () => void,
): Promise<string | null> {
  const slowAt = Date.now() + slowMs;
  let slow = false;
  let direct = true;
  for (;;) {
    const record = runs.find(runId);
    if (!record) return 'the run was removed';
    const { run } = record;
    if (isTerminal(run.state)) {
      return run.exitCode !== null
        ? `the run ${run.state} with exit code ${run.exitCode} before it listened on $PORT`
        : `the run ${run.state}: ${run.errorSummary ?? ''}`.trim();
    }
    const ip = direct ? runs.liveRun(runId)?.ipAddress : null;
    if (run.state === 'running' && ip && run.containerPort) {
      const answer = await connectsDirectly(ip, run.containerPort);
      if (answer === 'yes') return null;
      if (answer === 'unreachable') direct = false;
    } else if (run.state === 'running' && run.hostPort && (await acceptsConnections(run.hostPort))) return null;
    const reason = superseded();
    if (reason) return reason;
    if (!slow && Date.now() > slowAt) {
      slow = true;
      onSlow();
    }
    await sleep(POLL_MS);
  }
}
