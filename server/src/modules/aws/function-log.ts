// A function's log (every container's output and AWS's START/END/REPORT lines): it lives as long
// as the function, so past the size cap it starts afresh.
import type { OutputStream } from '../../adapters/docker/docker-engine.js';
import { errorMessage } from '../../errors.js';
import type { LogStore, LogWriter } from '../logs/index.js';

export class FunctionLog {
  private rotating: Promise<void> | null = null;
  private closed = false;

  private constructor(
    private readonly projectId: string,
    private readonly logs: LogStore,
    private readonly log: (line: string) => void,
    private writer: LogWriter,
  ) {}

  static async open(projectId: string, logs: LogStore, log: (line: string) => void): Promise<FunctionLog> {
    return new FunctionLog(projectId, logs, log, await logs.openWriter('functions', projectId));
  }

  /** One line of the platform's own (a newline is added when missing). */
  system(text: string): void {
    this.writer.system(text.endsWith('\n') ? text : text + '\n');
    this.rotateIfFull();
  }

  output(stream: OutputStream, line: string): void {
    this.writer.pushOutput(stream, Buffer.from(line));
    this.rotateIfFull();
  }

  /** No more rotation; resolves once one under way is done. The log stays. */
  async close(): Promise<void> {
    this.closed = true;
    await this.rotating;
  }

  private rotateIfFull(): void {
    if (!this.writer.truncated || this.rotating || this.closed) return;
    this.rotating = this.logs
      .remove('functions', this.projectId)
      .then(() => this.logs.openWriter('functions', this.projectId))
      .then((w) => {
        this.writer = w;
        w.system('[swiftlambda] the function log passed its size cap; the lines before this one were removed');
      })
      .catch((err) => this.log(`function ${this.projectId}: log rotation failed: ${errorMessage(err)}`))
      .finally(() => (this.rotating = null));
  }
}
