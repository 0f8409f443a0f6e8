import { createServer, connect, type Server, type Socket } from 'node:net';
import type { DebugState } from '../../contract/types.js';

/** What the relay asks about its run each time a debugger connects. */
export interface RelayTarget {
  /** the 127.0.0.1 port Docker published for lldb-server; null while the container is starting */
  upstreamPort(): number | null;
  /** true once the run is over: connections are then refused */
  ended(): boolean;
}

const RETRY_MS = 100;
/** How long a debugger that connected early waits for lldb-server to listen. */
const UPSTREAM_WAIT_MS = 60_000;

/**
 * A TCP relay on 127.0.0.1 in front of a debug run's lldb-server. It tells the run's debugger
 * state from the connection itself: `attached` once lldb-server has answered, `detached` once
 * that connection closes. A debugger that connects while the container is still starting waits:
 * what it sent is kept and delivered once lldb-server listens (Docker's proxy accepts and then
 * closes a connection while nothing listens in the container, so a close before any answer
 * means "not yet" and is retried).
 */
export class DebugRelay {
  private readonly sockets = new Set<Socket>();
  private closed = false;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly target: RelayTarget,
    private readonly onState: (state: DebugState) => void,
  ) {
    server.on('connection', (client) => this.accept(client));
  }

  /** Listens on 127.0.0.1 (at `preferredPort` when it is free, else anywhere). */
  static async open(target: RelayTarget, onState: (state: DebugState) => void, preferredPort = 0): Promise<DebugRelay> {
    const listen = (port: number) =>
      new Promise<Server>((resolve, reject) => {
        const server = createServer({ pauseOnConnect: true });
        server.once('error', reject);
        server.listen({ port, host: '127.0.0.1' }, () => resolve(server));
      });
    const server = await listen(preferredPort).catch(() => listen(0));
    server.unref();
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    return new DebugRelay(server, port, target, onState);
  }

  private accept(client: Socket): void {
    if (this.closed || this.target.ended()) return void client.destroy();
    this.sockets.add(client);
    client.on('close', () => this.sockets.delete(client));
    client.on('error', () => undefined);
    // what the debugger sent before lldb-server first answered: replayed on each new try
    let pending: Buffer[] | null = [];
    let current: Socket | null = null;
    let connected = false;
    client.on('data', (chunk: Buffer) => {
      pending?.push(chunk);
      if (current && connected) current.write(chunk);
    });
    client.on('close', () => current?.destroy());
    client.resume();
    const giveUpAt = Date.now() + UPSTREAM_WAIT_MS;
    const attempt = () => {
      if (client.destroyed || this.closed) return;
      const port = this.target.upstreamPort();
      if (this.target.ended() || Date.now() > giveUpAt) return void client.destroy();
      if (port === null) return void setTimeout(attempt, RETRY_MS).unref();
      const upstream = connect({ port, host: '127.0.0.1' });
      current = upstream;
      connected = false;
      this.sockets.add(upstream);
      upstream.on('connect', () => {
        connected = true;
        for (const chunk of pending ?? []) upstream.write(chunk);
      });
      upstream.on('data', (chunk: Buffer) => {
        if (pending) {
          pending = null;
          this.onState('attached');
        }
        client.write(chunk);
      });
      upstream.on('error', () => undefined);
      upstream.on('close', () => {
        this.sockets.delete(upstream);
        if (pending) return void setTimeout(attempt, RETRY_MS).unref();
        client.end();
        this.onState('detached');
      });
    };
    attempt();
  }

  close(): void {
    this.closed = true;
    this.server.close();
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }
}
