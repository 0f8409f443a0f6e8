import type http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { Pool } from '../adapters/http/undici-dispatchers.js';
import { PEER_HEADER } from '../http/peer.js';
import { isHopByHop, namedByConnection } from '../modules/proxy/hop-by-hop.js';
import type { ForwardedRequest, ReadRequest } from '../modules/proxy/instance-proxy.js';
import { RelayExchange, ResponseSink, type RelayOptions } from '../modules/proxy/relay.js';
import { WireSink, type WireConnection } from '../modules/proxy/wire-sink.js';

/**
 * The front door's way to the main thread, for every call it does not answer itself: the request
 * goes on unchanged over the main thread's private socket (less hop-by-hop headers and `Expect`,
 * which Node has answered, plus the caller's address), and the answer comes back unchanged.
 */
export class MainHop {
  private readonly pool: Pool;
  private readonly options: RelayOptions;

  constructor(
    private readonly socketPath: string,
    /** holds an answer until the state the main thread had when it answered is applied */
    beforeHead: () => Promise<void> | null,
  ) {
    // log streams and held proxy calls last as long as they need to: no timeouts of undici's own
    this.pool = new Pool('http://swiftlambda.main', { socketPath, pipelining: 1, headersTimeout: 0, bodyTimeout: 0 });
    this.options = {
      extraHeaders: null,
      mirrorClose: true,
      beforeHead,
      unreachable: (code) => ['internal_error', `the server's main thread did not answer (${code})`],
    };
  }

  relay(req: http.IncomingMessage, res: http.ServerResponse): void {
    const length = req.headers['content-length'];
    const hasBody = length !== undefined ? length !== '0' : req.headers['transfer-encoding'] !== undefined;
    // the main thread's answer carries its own Date
    res.sendDate = false;
    this.pool.dispatch(
      { path: req.url ?? '/', method: req.method ?? 'GET', headers: headersToMain(req, req.socket.remoteAddress ?? ''), body: hasBody ? req : null },
      new RelayExchange(req, new ResponseSink(res), this.options, null),
    );
  }

  /** A request the fast lane read itself (its body in hand), its answer written onto the lane's connection. */
  relayRead(req: ReadRequest & { readonly url: string }, body: Buffer | null, connection: WireConnection): void {
    this.pool.dispatch(
      { path: req.url, method: req.method, headers: headersToMain(req, connection.socket.remoteAddress ?? ''), body },
      new RelayExchange(req, new WireSink(connection, req.method, req.close), this.options, null),
    );
  }

  /**
   * An upgrade request (WebSocket…) is passed to the main thread as raw bytes, both ways, so that it
   * answers it as it would on its own socket.
   */
  tunnel(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const upstream = net.connect(this.socketPath);
    const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
    const raw = req.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      if (raw[i]!.toLowerCase() !== PEER_HEADER) lines.push(`${raw[i]}: ${raw[i + 1]}`);
    }
    lines.push(`${PEER_HEADER}: ${req.socket.remoteAddress ?? ''}`, '', '');
    upstream.write(lines.join('\r\n'));
    if (head.length) upstream.write(head);
    const cut = () => {
      socket.destroy();
      upstream.destroy();
    };
    upstream.on('error', cut);
    socket.on('error', cut);
    socket.on('close', () => upstream.destroy());
    socket.pipe(upstream).pipe(socket);
  }

  close(): void {
    void this.pool.destroy().catch(() => undefined);
  }
}

/** The caller's headers as they came (case, order, duplicates), for the main thread. */
function headersToMain(req: ForwardedRequest, clientIp: string): string[] {
  const raw = req.rawHeaders;
  const named = req.headers.connection === undefined ? null : namedByConnection(raw);
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const lower = raw[i]!.toLowerCase();
    if (isHopByHop(lower, named) || lower === 'expect' || lower === PEER_HEADER) continue;
    out.push(raw[i]!, raw[i + 1]!);
  }
  out.push(PEER_HEADER, clientIp);
  return out;
}
