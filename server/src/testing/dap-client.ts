// A minimal Debug Adapter Protocol client over a child's stdio (lldb-dap in the Swift image): what
// VS Code does with a launch.json configuration, for tests.
import type { ChildProcess } from 'node:child_process';

export interface DapMessage {
  readonly type: 'response' | 'event' | 'request';
  readonly command?: string;
  readonly event?: string;
  readonly success?: boolean;
  readonly message?: string;
  readonly body?: any;
}

export class DapClient {
  private seq = 1;
  private buffer = Buffer.alloc(0);
  private readonly waiting: Array<{ match: (m: DapMessage) => boolean; resolve: (m: DapMessage) => void }> = [];
  /** every message received, in order (for failure messages) */
  readonly received: DapMessage[] = [];

  constructor(private readonly child: ChildProcess) {
    child.stdout!.on('data', (data: Buffer) => this.read(data));
  }

  private read(data: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, data]);
    for (;;) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/Content-Length: (\d+)/i.exec(this.buffer.subarray(0, end).toString())?.[1]);
      if (this.buffer.length < end + 4 + length) return;
      const message = JSON.parse(this.buffer.subarray(end + 4, end + 4 + length).toString()) as DapMessage;
      this.buffer = this.buffer.subarray(end + 4 + length);
      this.received.push(message);
      for (const w of [...this.waiting])
        if (w.match(message)) {
          this.waiting.splice(this.waiting.indexOf(w), 1);
          w.resolve(message);
        }
    }
  }

  /** The next message (from now on) that `match` accepts. */
  next(match: (m: DapMessage) => boolean): Promise<DapMessage> {
    return new Promise((resolve) => this.waiting.push({ match, resolve }));
  }

  /** Sends a request and resolves with its response. */
  request(command: string, args: unknown): Promise<DapMessage> {
    const response = this.next((m) => m.type === 'response' && m.command === command);
    const text = JSON.stringify({ seq: this.seq++, type: 'request', command, arguments: args });
    this.child.stdin!.write(`Content-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
    return response;
  }
}
