// Admits a listener's connections by their source address, decided once per connection before
// any request on it is handled: the AWS runtime APIs and the in-network API listener use it.
import type http from 'node:http';
import type { Socket } from 'node:net';

/** The caller's IPv4 address, without the `::ffff:` prefix of a dual-stack socket. */
export function peerAddress(socket: Socket): string {
  const a = socket.remoteAddress ?? '';
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}

export class PeerGate {
  private readonly verdicts = new WeakMap<Socket, Promise<boolean>>();

  /** `isAllowedPeer` may wait (for a container's address to be known); a rejection refuses. */
  constructor(
    server: http.Server,
    private readonly isAllowedPeer: (address: string) => boolean | Promise<boolean>,
  ) {
    server.on('connection', (socket: Socket) => this.check(socket));
  }

  private check(socket: Socket): void {
    const verdict = Promise.resolve(this.isAllowedPeer(peerAddress(socket))).catch(() => false);
    this.verdicts.set(socket, verdict);
    void verdict.then((ok) => {
      if (!ok) socket.destroy();
    });
  }

  /** true when the request's connection was admitted; a refused one is destroyed unanswered. */
  async admits(req: http.IncomingMessage): Promise<boolean> {
    if (await (this.verdicts.get(req.socket) ?? Promise.resolve(false))) return true;
    req.socket.destroy();
    return false;
  }
}
