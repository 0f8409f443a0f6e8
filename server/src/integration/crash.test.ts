// Issue 17: why a run died (the signal, a Swift trap's message and line, out of memory with the
// limit) and what it used (live CPU and memory, the peak kept on the run), against real containers
// and the crashy fixture.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { readEventStream } from '../emulator/event-stream.js';
import type { Project } from '../contract/types.js';
import { PUBLIC_RUN_FIELDS, startTestServer, waitFor, type TestServer } from '../testing/harness.js';

const CRASHY = fileURLToPath(new URL('../../../resources/test-packages/crashy', import.meta.url));
const MAIN_SWIFT = join(CRASHY, 'Sources/crashy/main.swift');
const MiB = 1024 * 1024;

/** The 1-based line of main.swift that holds `text`, so the tests follow edits of the fixture. */
function lineOf(text: string): number {
  const index = readFileSync(MAIN_SWIFT, 'utf8')
    .split('\n')
    .findIndex((l) => l.includes(text) && !l.trim().startsWith('//'));
  assert.ok(index >= 0, `main.swift has no line with ${text}`);
  return index + 1;
}

describe('crash diagnosis and live stats', () => {
  let t: TestServer;
  let crashy: Project;
  let key: string;
  const terminal = (run: { state: string }) => !['queued', 'running'].includes(run.state);

  async function crash(args: string[]) {
    const res = await t.api.public('POST', `/lambdas/${crashy.id}/runs`, key, { mode: 'oneShot', arguments: args });
    assert.equal(res.status, 201);
    const done = await t.api.waitForRun(crashy.id, res.body.run.uuid, key, terminal, 60_000);
    assert.deepEqual(Object.keys(done).sort(), PUBLIC_RUN_FIELDS, 'the public run keeps exactly the public Run fields');
    const consoleRun = (await t.api.console('GET', `/runs/${done.uuid}`)).body.run;
    return { done, consoleRun };
  }

  before(async () => {
    t = await startTestServer();
    crashy = await t.api.createProject(CRASHY, 'crashy', { runTimeoutSeconds: 120 });
    const c = await t.api.build(crashy.id);
    assert.equal(c.state, 'succeeded', c.errorSummary ?? '');
    key = await t.api.createKey({ name: 'crash' });
  });
  after(async () => {
    await t?.dispose();
  });

  test("fatalError: SIGILL, the message and main.swift:<line>, frames at the user's own file", async () => {
    const line = lineOf('fatalError("boom');
    const { done, consoleRun } = await crash(['fatal']);
    assert.deepEqual([done.state, done.exitCode], ['failed', 132]);
    assert.match(done.errorSummary, /killed by SIGILL/);
    assert.match(done.errorSummary, /Fatal error: boom: the answer was 42/);
    assert.match(done.errorSummary, new RegExp(`main\\.swift:${line}\\b`));
    assert.equal(consoleRun.crash.signal, 'SIGILL');
    assert.equal(consoleRun.crash.message, 'Fatal error: boom: the answer was 42');
    // the build saw the package at its own path, so frames link to the user's file
    assert.ok(
      consoleRun.crash.frames.some(
        (f: { symbol: string; file: string; line: number }) =>
          f.symbol === 'explode(_:)' && f.file === MAIN_SWIFT && f.line === line,
      ),
      JSON.stringify(consoleRun.crash.frames),
    );
    const listed = (await t.api.console('GET', `/runs?project=${crashy.id}`)).body.runs.find(
      (r: { uuid: string }) => r.uuid === done.uuid,
    );
    assert.deepEqual(listed.crash, consoleRun.crash, 'the runs list carries the same console field');
  });

  test("force-unwrapping nil and reading past an array's end: SIGILL at the line", async () => {
    const unwrap = await crash(['unwrap']);
    assert.match(unwrap.done.errorSummary, /killed by SIGILL/);
    assert.match(unwrap.done.errorSummary, /Unexpectedly found nil while unwrapping an Optional value/);
    assert.match(unwrap.done.errorSummary, new RegExp(`main\\.swift:${lineOf('value!')}\\b`));
    const index = await crash(['index']);
    assert.match(index.done.errorSummary, /killed by SIGILL/);
    assert.match(index.done.errorSummary, new RegExp(`main\\.swift:${lineOf('values[index]')}\\b`));
    assert.equal(index.consoleRun.crash.frames[0].symbol, 'specialized Array.subscript.getter');
  });

  test('a null pointer write is SIGSEGV; abort() is SIGABRT', async () => {
    const segv = await crash(['segv']);
    assert.deepEqual([segv.done.exitCode, segv.consoleRun.crash.signal], [139, 'SIGSEGV']);
    assert.match(segv.done.errorSummary, /killed by SIGSEGV\): Bad pointer dereference/);
    assert.match(segv.done.errorSummary, new RegExp(`main\\.swift:${lineOf('pointer.pointee = 42')}\\b`));
    const abort = await crash(['abort']);
    assert.deepEqual(
      [abort.done.exitCode, abort.consoleRun.crash.signal, abort.consoleRun.crash.message],
      [134, 'SIGABRT', 'Aborted'],
    );
    assert.match(abort.done.errorSummary, /killed by SIGABRT/);
  });

  test('a run that exits by itself has no crash; a stopped one neither', async () => {
    const { done, consoleRun } = await crash(['nothing']);
    assert.equal(done.state, 'succeeded');
    assert.equal(consoleRun.crash, null);
    assert.equal((await t.api.console('GET', '/runs/no-such-run')).status, 404);
  });

  test("a service's CPU and memory while it runs, live over SSE; the peak is kept after it stops and a restart", async () => {
    const run = (
      await t.api.public('POST', `/lambdas/${crashy.id}/runs`, key, { mode: 'service', arguments: ['hold:64'] })
    ).body.run;
    await t.api.waitForRun(crashy.id, run.uuid, key, (r) => r.state === 'running');
    const stats = await waitFor(
      async () => {
        const body = (await t.api.console('GET', `/runs/${run.uuid}/stats`)).body;
        return body.samples.length >= 2 && body.samples.at(-1).memoryBytes >= 64 * MiB ? body : undefined;
      },
      20_000,
      'two samples with the 64 MiB in use',
      250,
    );
    assert.equal(stats.live, true);
    const last = stats.samples.at(-1);
    assert.equal(last.memoryLimitBytes, 1024 * MiB, "the project's limit");
    assert.ok(last.cpuPercent >= 0 && Math.abs(last.at - Date.now()) < 10_000);
    assert.ok(stats.peakMemoryBytes >= 64 * MiB);

    // the SSE variant: the kept samples, new ones, and `end` once the run stops
    const res = await fetch(`${t.url}/console/api/runs/${run.uuid}/stats?follow=true`, {
      headers: { authorization: `Bearer ${t.api.consoleToken}` },
    });
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    const events = readEventStream(res.body!);
    for (let samples = 0; samples < stats.samples.length + 1;) {
      const { value, done } = await events.next();
      assert.ok(!done, 'the stream ended before the samples');
      if (value.type === 'sample') samples++;
    }
    await t.api.public('POST', `/lambdas/${crashy.id}/runs/${run.uuid}/stop`, key, {});
    let end: { peakMemoryBytes: number } | undefined;
    for await (const e of events) if (e.type === 'end') end = JSON.parse(e.data);
    assert.ok(end, 'an end event');
    assert.ok(end.peakMemoryBytes >= 64 * MiB);

    const stopped = (await t.api.console('GET', `/runs/${run.uuid}`)).body.run;
    assert.equal(stopped.state, 'stopped');
    assert.equal(stopped.crash, null, 'a stop is not a crash');
    assert.equal(stopped.peakMemoryBytes, end.peakMemoryBytes);
    const after = (await t.api.console('GET', `/runs/${run.uuid}/stats`)).body;
    assert.equal(after.live, false);
    assert.ok(after.samples.length >= 2, 'the last samples stay readable after the end');

    await t.stop();
    const again = await startTestServer({ dataDir: t.dataDir });
    t = again;
    assert.equal(
      (await t.api.console('GET', `/runs/${run.uuid}`)).body.run.peakMemoryBytes,
      end.peakMemoryBytes,
      'persisted',
    );
  });

  test('out of memory: the limit in MiB in the summary and the crash, the peak at the limit', async () => {
    assert.equal((await t.api.console('PATCH', `/projects/${crashy.id}`, { memoryLimitMb: 64 })).status, 200);
    const { done, consoleRun } = await crash(['hold:256']);
    assert.equal(done.state, 'failed');
    assert.match(done.errorSummary, /out of memory.*64 MiB/);
    assert.deepEqual(consoleRun.crash, { signal: 'SIGKILL', message: 'out of memory (limit 64 MiB)', frames: [] });
    assert.equal(consoleRun.peakMemoryBytes, 64 * MiB);
  });
});
