// Issue 17: the console's live stream. Every change arrives as an event, so the console needs no polling.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { readEventStream } from '../emulator/event-stream.js';
import { PACKAGES, startTestServer, type TestServer } from '../testing/harness.js';

interface StreamEvent {
  type: string;
  data: any;
}

/** Follows /console/api/events; `next(predicate)` resolves with the first matching event. */
async function openEvents(t: TestServer): Promise<{
  events: StreamEvent[];
  next(p: (e: StreamEvent) => boolean, timeoutMs?: number): Promise<StreamEvent>;
  close(): void;
}> {
  const controller = new AbortController();
  const res = await fetch(`${t.url}/console/api/events`, {
    headers: { authorization: `Bearer ${t.api.consoleToken}` },
    signal: controller.signal,
  });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
  const events: StreamEvent[] = [];
  const waiters: Array<{ p: (e: StreamEvent) => boolean; resolve: (e: StreamEvent) => void; from: number }> = [];
  void (async () => {
    try {
      for await (const message of readEventStream(res.body!)) {
        const event = { type: message.type, data: JSON.parse(message.data) };
        events.push(event);
        for (const w of [...waiters])
          if (w.p(event)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(event);
          }
      }
    } catch {
      // aborted
    }
  })();
  return {
    events,
    next(p, timeoutMs = 60_000) {
      const seen = events.find(p);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no matching event in ${timeoutMs} ms; got ${events.map((e) => e.type).join(', ')}`)),
          timeoutMs,
        );
        waiters.push({
          p,
          from: events.length,
          resolve: (e) => {
            clearTimeout(timer);
            resolve(e);
          },
        });
      });
    },
    close: () => controller.abort(),
  };
}

describe('console events stream', { timeout: 600_000 }, () => {
  let t: TestServer;
  let stream: Awaited<ReturnType<typeof openEvents>> | undefined;
  before(async () => {
    t = await startTestServer();
  });
  after(async () => {
    stream?.close();
    await t?.dispose();
  });

  test('projects, keys, compilations, runs, the dev loop and deletions arrive as events', async () => {
    stream = await openEvents(t);
    await stream.next((e) => e.type === 'ready');
    const project = await t.api.createProject(PACKAGES.hello, 'hello', { name: 'events-hello' });
    assert.equal(
      (await stream.next((e) => e.type === 'project' && e.data.id === project.id)).data.name,
      'events-hello',
    );
    const key = await t.api.createKey({ name: 'events' });
    const keyEvent = await stream.next((e) => e.type === 'key' && e.data.name === 'events');
    assert.equal(keyEvent.data.secretHash, undefined, 'no secret or hash in events');
    assert.ok(!JSON.stringify(stream.events).includes(key), 'the secret never appears');
    const c = await t.api.build(project.id);
    assert.equal(
      (await stream.next((e) => e.type === 'compilation' && e.data.id === c.id && e.data.state === 'succeeded')).data
        .project,
      project.id,
    );
    const run = (
      await t.api.public('POST', `/lambdas/${project.id}/runs`, key, { mode: 'oneShot', arguments: ['sleep:1'] })
    ).body.run;
    for (const state of ['queued', 'running', 'succeeded']) {
      const e = await stream.next((x) => x.type === 'run' && x.data.uuid === run.uuid && x.data.state === state);
      assert.equal(e.data.startedBy, 'key', 'runs carry the console fields');
    }
    await t.api.console('PATCH', `/projects/${project.id}`, { watch: true });
    const dev = await stream.next((e) => e.type === 'dev' && e.data.project === project.id && e.data.watching === true);
    assert.equal(dev.data.servingRun, null);
    await t.api.console('PATCH', `/projects/${project.id}`, { watch: false });
    // saved within the same second as the one before (whose `updated` it shares): still sent
    await t.api.console('PATCH', `/projects/${project.id}`, { runTimeoutSeconds: 61 });
    await stream.next((e) => e.type === 'project' && e.data.id === project.id && e.data.watch === false);
    await stream.next((e) => e.type === 'project' && e.data.id === project.id && e.data.runTimeoutSeconds === 61);
    assert.equal((await t.api.console('DELETE', `/projects/${project.id}`)).status, 204);
    await stream.next((e) => e.type === 'deleted' && e.data.kind === 'project' && e.data.id === project.id);
    await stream.next((e) => e.type === 'deleted' && e.data.kind === 'run' && e.data.id === run.uuid);
  });

  test("the stream needs the console's credentials", async () => {
    const res = await fetch(`${t.url}/console/api/events`);
    assert.equal(res.status, 401);
    await res.body?.cancel();
  });
});
