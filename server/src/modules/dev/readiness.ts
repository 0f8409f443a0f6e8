import net from 'node:net';

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
