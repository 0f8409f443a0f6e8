import { expect, type APIRequestContext } from '@playwright/test';

/**
 * Setup and cleanup through the console's API (the console token as a bearer), for what a spec
 * needs but does not test. It remembers what it made: `cleanUp()` deletes those projects (with
 * their runs, logs and builds) and revokes those keys, so the next spec finds the console as before.
 */
export class ConsoleApi {
  private readonly projects = new Set<string>();
  private readonly keys = new Set<string>();

  constructor(
    readonly request: APIRequestContext,
    private readonly token: string,
  ) {}

  get headers(): Record<string, string> {
    return { Authorization: `Bearer ${this.token}` };
  }

  async createProject(body: {
    name: string;
    sourcePath: string;
    targetName: string;
    dockerImage?: string;
    runtime?: 'process' | 'awsLambda';
    runTimeoutSeconds?: number;
  }): Promise<string> {
    const res = await this.request.post('/console/api/projects', { headers: this.headers, data: body });
    expect(res.status(), await res.text()).toBe(201);
    const id = ((await res.json()) as { project: { id: string } }).project.id;
    this.projects.add(id);
    return id;
  }

  /** A project whose binary is a host program, imported: its runs need no Swift build. */
  async projectWithBinary(body: { name: string; sourcePath: string; targetName: string }, binaryPath: string) {
    const id = await this.createProject(body);
    await this.importBinary(id, binaryPath);
    return id;
  }

  /** Forgets a project the console made (so cleanUp deletes it too). */
  adoptProject(id: string): void {
    this.projects.add(id);
  }

  adoptKey(id: string): void {
    this.keys.add(id);
  }

  /** A host program as the project's binary: runs without a Swift build (`/usr/bin/sleep 30` runs 30 s). */
  async importBinary(projectId: string, binaryPath: string): Promise<void> {
    const res = await this.request.post(`/console/api/projects/${projectId}/compilations`, {
      headers: this.headers,
      data: { binaryPath },
    });
    expect(res.status(), await res.text()).toBe(202);
  }

  /** Builds the project's package and waits for the build to succeed. */
  async build(projectId: string, timeoutMs: number): Promise<void> {
    const started = await this.request.post(`/console/api/projects/${projectId}/compilations`, {
      headers: this.headers,
      data: {},
    });
    expect(started.status(), await started.text()).toBe(202);
    const url = `/console/api/projects/${projectId}/compilations/${(await started.json()).compilation.id}`;
    const compilation = async () =>
      (await (await this.request.get(url, { headers: this.headers })).json()).compilation as {
        state: string;
        errorSummary: string | null;
      };
    await expect
      .poll(async () => (await compilation()).state, { timeout: timeoutMs, intervals: [2000] })
      .toMatch(/succeeded|failed/);
    const done = await compilation();
    expect(done.state, done.errorSummary ?? '').toBe('succeeded');
  }

  /** A key valid for a day; cleanUp revokes it. */
  async createKey(name: string): Promise<{ id: string; secret: string }> {
    const res = await this.request.post('/console/api/keys', {
      headers: this.headers,
      data: { name, expiresInDays: 1 },
    });
    expect(res.status(), await res.text()).toBe(201);
    const body = (await res.json()) as { key: { id: string }; secret: string };
    this.keys.add(body.key.id);
    return { id: body.key.id, secret: body.secret };
  }

  async startRun(projectId: string, args: string[], mode: 'oneShot' | 'service' = 'oneShot'): Promise<string> {
    const res = await this.request.post(`/lambdas/${projectId}/runs`, {
      headers: this.headers,
      data: { mode, arguments: args },
    });
    expect(res.status(), await res.text()).toBe(201);
    return ((await res.json()) as { run: { uuid: string } }).run.uuid;
  }

  async runState(projectId: string, runId: string): Promise<string> {
    const res = await this.request.get(`/lambdas/${projectId}/runs/${runId}`, { headers: this.headers });
    return ((await res.json()) as { run: { state: string } }).run.state;
  }

  async projectStatus(projectId: string): Promise<number> {
    return (await this.request.get(`/console/api/projects/${projectId}`, { headers: this.headers })).status();
  }

  async keyIdOf(prefixOfSecret: string): Promise<string | undefined> {
    const res = await this.request.get('/console/api/keys', { headers: this.headers });
    const keys = ((await res.json()) as { keys: Array<{ id: string; prefix: string }> }).keys;
    return keys.find((k) => prefixOfSecret.startsWith(k.prefix))?.id;
  }

  async cleanUp(): Promise<void> {
    for (const id of this.projects) {
      const res = await this.request.delete(`/console/api/projects/${id}`, { headers: this.headers });
      expect([204, 404]).toContain(res.status());
    }
    for (const id of this.keys) {
      const res = await this.request.post(`/console/api/keys/${id}/revoke`, { headers: this.headers });
      expect([200, 409]).toContain(res.status());
    }
    this.projects.clear();
    this.keys.clear();
  }
}
