// Raw-socket HTTP for tests that must see exactly what crosses the wire.
import net from 'node:net';

export interface RawResponse {
  statusLine: string;
  status: number;
  headers: Array<[string, string]>;
  body: Buffer;
  raw: Buffer;
}

export function header(res: RawResponse, name: string): string | undefined {
  return res.headers.find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
}

/** Sends `request` bytes and reads one response (Content-Length or chunked, or until close). */
export function rawRequest(port: number, request: string | Buffer, timeoutMs = 10_000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('raw request timed out'));
    }, timeoutMs);
    const tryParse = (final: boolean) => {
      const length = answerLength(data, false, final);
      if (length === null) {
        if (final) reject(new Error(`incomplete response: ${data.toString()}`));
        return;
      }
      const headEnd = data.indexOf('\r\n\r\n');
      const lines = data.subarray(0, headEnd).toString('latin1').split('\r\n');
      const statusLine = lines.shift()!;
      const headers = lines.map((l) => {
        const i = l.indexOf(':');
        return [l.slice(0, i), l.slice(i + 1).trim()] as [string, string];
      });
      const rest = data.subarray(headEnd + 4, length);
      const chunked = headers.some(([k, v]) => k.toLowerCase() === 'transfer-encoding' && /chunked/i.test(v));
      done({
        statusLine,
        status: Number(statusLine.split(' ')[1]),
        headers,
        body: chunked ? unchunked(rest) : rest,
        raw: data,
      });
    };
    const done = (r: RawResponse) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    socket.on('data', (chunk) => {
      data = Buffer.concat([data, chunk]);
      tryParse(false);
    });
    socket.on('end', () => tryParse(true));
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.write(request);
  });
}

/** The body of a chunked answer, its framing (and any trailers) removed. */
function unchunked(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let pos = 0; ;) {
    const lineEnd = body.indexOf('\r\n', pos);
    const size = parseInt(body.subarray(pos, lineEnd).toString('latin1'), 16);
    if (!(size > 0)) return Buffer.concat(parts);
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    pos = lineEnd + 2 + size + 2;
  }
}

/**
 * The length in bytes of the whole answer at the start of `data` (head and body), or null while it
 * is not all there. `bodyless` for the answer to a HEAD request; `ended` when no more will come.
 */
function answerLength(data: Buffer, bodyless: boolean, ended: boolean): number | null {
  const headEnd = data.indexOf('\r\n\r\n');
  if (headEnd < 0) return null;
  const head = data.subarray(0, headEnd).toString('latin1');
  const start = headEnd + 4;
  if (bodyless || /^HTTP\/1\.1 (1\d\d|204|304)/.test(head)) return start;
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (length) return data.length >= start + Number(length[1]) ? start + Number(length[1]) : null;
  if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
    for (let pos = start; ;) {
      const lineEnd = data.indexOf('\r\n', pos);
      if (lineEnd < 0) return null;
      const size = parseInt(data.subarray(pos, lineEnd).toString('latin1'), 16);
      if (size === 0) {
        const trailerEnd = data.indexOf('\r\n\r\n', lineEnd);
        return trailerEnd < 0 ? null : trailerEnd + 4;
      }
      pos = lineEnd + 2 + size + 2;
      if (pos > data.length) return null;
    }
  }
  return ended ? data.length : null;
}

/**
 * On one connection: sends `primer` (when given) and reads its answer, then sends `request` and
 * returns the raw bytes of the next `methods.length` answers (one per pipelined request, whose
 * methods tell which answers have no body), and whether the server closed the connection after.
 */
export function rawAnswers(
  port: number,
  request: string | Buffer,
  methods: readonly string[],
  primer?: string | Buffer,
  timeoutMs = 10_000,
): Promise<{ answers: Buffer; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = Buffer.alloc(0);
    let primed = primer === undefined;
    let wanted = [...methods];
    let answers = Buffer.alloc(0);
    let ended = false;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer within ${timeoutMs} ms: ${data.toString('latin1')}`));
    }, timeoutMs);
    const finish = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ answers, closed });
    };
    const take = () => {
      for (;;) {
        const length = answerLength(data, primed && wanted[0] === 'HEAD', ended);
        if (length === null) break;
        const answer = data.subarray(0, length);
        data = data.subarray(length);
        if (!primed) {
          primed = true;
          socket.write(request);
          continue;
        }
        answers = Buffer.concat([answers, answer]);
        wanted = wanted.slice(1);
        if (wanted.length === 0) {
          // a close that follows at once belongs to this answer
          setTimeout(() => finish(socket.readableEnded || ended), 50);
          return;
        }
      }
      if (ended && wanted.length) {
        clearTimeout(timer);
        reject(new Error(`the connection closed with ${wanted.length} answers missing: ${answers.toString('latin1')}`));
      }
    };
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      take();
    });
    socket.on('end', () => {
      ended = true;
      take();
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.write(primer ?? request);
  });
}
