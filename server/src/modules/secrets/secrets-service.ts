import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileDurably } from '../../adapters/store/durable-json-file.js';
import type { Clock } from '../../clock.js';
import { unixSeconds } from '../../clock.js';
import type { SecretInfo } from '../../contract/types.js';
import { checkEnvName, checkEnvValue, MAX_ENV_ENTRIES } from '../../domain/env-names.js';
import { createSecretMask, type SecretMask } from '../../domain/secret-mask.js';
import { AppError } from '../../errors.js';

/** The data dir's secrets file: the only place a secret's value is kept (docs/decisions/0090). */
export const SECRETS_FILE = 'secrets.json';

interface StoredSecret {
  readonly value: string;
  /** unix seconds */
  readonly updated: number;
}

interface SecretsFile {
  version: 1;
  /** by project id, then by name */
  projects: Record<string, Record<string, StoredSecret>>;
}

/**
 * A project's secrets: values the program gets back in its environment, so they are kept as they
 * are (not hashed like API keys), in their own file (mode 0600, written atomically), never in
 * db.json. Nothing here returns a value except `values()`, which only the run environment reads.
 */
export class SecretsService {
  private readonly listeners: Array<(projectId: string) => void> = [];
  private readonly masks = new Map<string, SecretMask>();
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly file: string,
    private data: SecretsFile,
    private readonly clock: Clock,
  ) {}

  static async open(dataDir: string, clock: Clock): Promise<SecretsService> {
    const file = join(dataDir, SECRETS_FILE);
    let data: SecretsFile = { version: 1, projects: {} };
    let text: string | null = null;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (text !== null) {
      let parsed: SecretsFile | null = null;
      try {
        parsed = JSON.parse(text) as SecretsFile;
      } catch {
        // the message never quotes the file: it holds the values
      }
      if (parsed?.version !== 1 || typeof parsed.projects !== 'object' || parsed.projects === null)
        throw new Error(
          `${file} is not a secrets file this emulator can read; move it aside to start without the projects' secrets`,
        );
      data = parsed;
    }
    return new SecretsService(file, data, clock);
  }

  /** Calls `listener` after a project's secrets changed (its names, never its values, may be told). */
  onChanged(listener: (projectId: string) => void): void {
    this.listeners.push(listener);
  }

  list(projectId: string): SecretInfo[] {
    return Object.entries(this.data.projects[projectId] ?? {})
      .map(([name, s]) => ({ name, updated: s.updated }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The values by name, for a run's environment only. */
  values(projectId: string): Record<string, string> {
    return Object.fromEntries(Object.entries(this.data.projects[projectId] ?? {}).map(([n, s]) => [n, s.value]));
  }

  /**
   * Every project's values, each also URL-encoded (as a query or an echoed request line holds it):
   * for the server's redactor (error bodies, request-log records).
   */
  allValues(): string[] {
    return Object.values(this.data.projects).flatMap((secrets) =>
      Object.values(secrets).flatMap(({ value }) => [...new Set([value, encodeURIComponent(value)])]),
    );
  }

  /** Masks this project's secret values in output. */
  maskFor(projectId: string): SecretMask {
    let mask = this.masks.get(projectId);
    if (!mask) {
      mask = createSecretMask(Object.values(this.values(projectId)));
      this.masks.set(projectId, mask);
    }
    return mask;
  }

  async set(projectId: string, name: string, value: string): Promise<void> {
    checkEnvName(name);
    checkEnvValue(name, value, 'invalid_secret');
    await this.change(projectId, (current) => {
      if (!Object.hasOwn(current, name) && Object.keys(current).length >= MAX_ENV_ENTRIES)
        throw new AppError('invalid_secret', `at most ${MAX_ENV_ENTRIES} secrets per project`);
      return { ...current, [name]: { value, updated: unixSeconds(this.clock.now()) } };
    });
  }

  async remove(projectId: string, name: string): Promise<void> {
    await this.change(projectId, (current) => {
      if (!Object.hasOwn(current, name)) throw new AppError('secret_not_found', `no secret named ${name.slice(0, 64)}`);
      const { [name]: _gone, ...rest } = current;
      return rest;
    });
  }

  /** Forgets every secret of a project that is gone. */
  async forgetProject(projectId: string): Promise<void> {
    if (this.data.projects[projectId]) await this.change(projectId, () => ({}));
  }

  /**
   * Changes one project's secrets, one change at a time; a failed write leaves memory and disk as
   * they were.
   */
  private change(
    projectId: string,
    update: (current: Readonly<Record<string, StoredSecret>>) => Record<string, StoredSecret>,
  ): Promise<void> {
    const work = this.writing.then(async () => {
      const secrets = update(this.data.projects[projectId] ?? {});
      const projects = { ...this.data.projects };
      if (Object.keys(secrets).length) projects[projectId] = secrets;
      else delete projects[projectId];
      const next: SecretsFile = { version: 1, projects };
      await writeFileDurably(this.file, JSON.stringify(next) + '\n', 0o600);
      this.data = next;
      this.masks.delete(projectId);
      for (const listener of this.listeners) listener(projectId);
    });
    this.writing = work.catch(() => undefined);
    return work;
  }
}
