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
      const headEnd = data.indexOf('\r\n\r\n');
      if (headEnd < 0) return final ? reject(new Error(`incomplete response: ${data.toString()}`)) : undefined;
      const lines = data.subarray(0, headEnd).toString('latin1').split('\r\n');
      const statusLine = lines.shift()!;
      const headers = lines.map((l) => {
        const i = l.indexOf(':');
        return [l.slice(0, i), l.slice(i + 1).trim()] as [string, string];
      });
      const rest = data.subarray(headEnd + 4);
      const res = (body: Buffer): RawResponse => ({ statusLine, status: Number(statusLine.split(' ')[1]), headers, body, raw: data });
      const cl = headers.find(([k]) => k.toLowerCase() === 'content-length');
      const chunked = headers.some(([k, v]) => k.toLowerCase() === 'transfer-encoding' && /chunked/i.test(v));
      if (cl) {
        const n = Number(cl[1]);
        if (rest.length >= n) return done(res(rest.subarray(0, n)));
      } else if (chunked) {
        const parts: Buffer[] = [];
        let pos = 0;
        for (;;) {
          const lineEnd = rest.indexOf('\r\n', pos);
          if (lineEnd < 0) break;
          const size = parseInt(rest.subarray(pos, lineEnd).toString(), 16);
          if (rest.length < lineEnd + 2 + size + 2) break;
          if (size === 0) return done(res(Buffer.concat(parts)));
          parts.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
          pos = lineEnd + 2 + size + 2;
        }
      } else if (final || /^HTTP\/1\.1 (204|304)/.test(statusLine)) {
        return done(res(rest));
      }
      if (final) reject(new Error(`incomplete body: ${data.toString()}`));
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
