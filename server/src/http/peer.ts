import type { IncomingMessage } from 'node:http';

/**
 * The caller's address, as the front door (src/front-door) passes it to the main thread's server,
 * which only listens on a private socket. The front door replaces any copy a caller sends, and the
 * proxy never forwards it to a container.
 */
export const PEER_HEADER = 'x-swiftlambda-peer';

/** The caller's address on the main thread's side of the front door. */
export function clientAddress(req: IncomingMessage): string {
  const relayed = req.headers[PEER_HEADER];
  return typeof relayed === 'string' ? relayed : (req.socket.remoteAddress ?? '');
}
