// Issue 17: the run page. A service run of the echo service shows every call in the request log
// (headers with credentials redacted, bodies, Replay, Copy as curl) beside its log, and its CPU
// and memory as charts; crashy's trap and segfault show a crash panel whose frames link to the
// user's file; the log viewer's `/`, stream filter and wrap; going from one run's page straight to
// another's never blanks the console. Projects are made through the API (the project pages have
// specs of their own) and deleted afterwards, so the next spec finds the console as it was.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { E2E_TOKEN } from './playwright.config.js';
import { ConsolePage } from './pages/console-page.js';
import { RunPage } from './pages/run-page.js';

const ECHO = fileURLToPath(new URL('../resources/examples/echo-service', import.meta.url));
const CRASHY = fileURLToPath(new URL('../resources/test-packages/crashy', import.meta.url));
const CRASHY_MAIN = `${CRASHY}/Sources/crashy/main.swift`;
const auth = { Authorization: `Bearer ${E2E_TOKEN}` };
/** a Swift build on 2 busy cores */
const BUILD_MS = 5 * 60_000;

test.describe.configure({ mode: 'serial' });

const created: string[] = [];
const keys: string[] = [];
let echoId = '';
let crashyId = '';

test.afterAll(async ({ request }) => {
  for (const id of created)
    expect((await request.delete(`/console/api/projects/${id}`, { headers: auth })).status()).toBe(204);
  // keys cannot be deleted: revoked, they call nothing
  for (const id of keys)
    expect((await request.post(`/console/api/keys/${id}/revoke`, { headers: auth })).status()).toBe(200);
});

async function createKey(request: APIRequestContext, name: string): Promise<{ id: string; secret: string }> {
  const res = await request.post('/console/api/keys', { headers: auth, data: { name, expiresInDays: 1 } });
  expect(res.status(), await res.text()).toBe(201);
  const body = await res.json();
  keys.push(body.key.id);
  return { id: body.key.id, secret: body.secret };
}

/** The 1-based line of crashy's main.swift holding `text`, so the test follows edits of the fixture. */
function crashyLine(text: string): number {
  return (
    readFileSync(CRASHY_MAIN, 'utf8')
      .split('\n')
      .findIndex((l) => l.includes(text) && !l.trim().startsWith('//')) + 1
  );
}

async function createAndBuild(
  request: APIRequestContext,
  name: string,
  sourcePath: string,
  targetName: string,
): Promise<string> {
  const res = await request.post('/console/api/projects', {
    headers: auth,
    data: { name, sourcePath, targetName, runTimeoutSeconds: 600 },
  });
  expect(res.status(), await res.text()).toBe(201);
  const id = (await res.json()).project.id as string;
  created.push(id);
  const build = await request.post(`/console/api/projects/${id}/compilations`, { headers: auth, data: {} });
  expect(build.status()).toBe(202);
  const compilation = (await build.json()).compilation.id as string;
  await expect
    .poll(
      async () =>
        (await (await request.get(`/console/api/projects/${id}/compilations/${compilation}`, { headers: auth })).json())
          .compilation.state,
      { timeout: BUILD_MS, intervals: [2000] },
    )
    .toMatch(/succeeded|failed/);
  const state = (
    await (await request.get(`/console/api/projects/${id}/compilations/${compilation}`, { headers: auth })).json()
  ).compilation;
  expect(state.state, state.errorSummary ?? '').toBe('succeeded');
  return id;
}

async function startRun(
  request: APIRequestContext,
  projectId: string,
  mode: 'oneShot' | 'service',
  args: string[] = [],
): Promise<string> {
  const res = await request.post(`/lambdas/${projectId}/runs`, { headers: auth, data: { mode, arguments: args } });
  expect(res.status(), await res.text()).toBe(201);
  return (await res.json()).run.uuid as string;
}

async function signedIn(page: Page): Promise<RunPage> {
  await new ConsolePage(page).signIn(E2E_TOKEN);
  return new RunPage(page);
}

// set-up, not a test: the two projects every test below runs
test.beforeAll(async ({ request }) => {
  test.setTimeout(2 * BUILD_MS);
  echoId = await createAndBuild(request, 'run-page-echo', ECHO, 'echo-service');
  crashyId = await createAndBuild(request, 'run-page-crashy', CRASHY, 'crashy');
});

test('a service run: CPU and memory charts, every call in the request log, Replay, Copy as curl', async ({
  page,
  request,
  context,
}) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const run = await signedIn(page);
  const runId = await startRun(request, echoId, 'service');
  await run.open(echoId, runId);
  await expect(run.state()).toHaveAttribute('data-state', 'running', { timeout: 30_000 });

  // live CPU and memory: samples arrive about once a second and draw two lines
  const stats = run.stats();
  await expect(stats).toBeVisible();
  await expect(stats.getByTestId('cpu-chart')).toHaveAttribute('data-points', /^([2-9]|\d\d+)$/, { timeout: 20_000 });
  await expect(stats.getByTestId('memory-chart').locator('polyline')).toHaveCount(1);
  await expect(stats.getByTestId('memory-peak')).toHaveText(/^peak \d+(\.\d)? (KiB|MiB)$/);
  await expect(stats.getByTestId('memory-limit')).toHaveText(' · limit 1 GiB');
  await expect(stats.getByTestId('cpu-chart-value')).toHaveText(/^\d+\.\d %$/);

  // calls through the proxy appear as rows, newest first, without a reload
  const proxy = `/instances/${runId}/api`;
  await expect(run.root().getByTestId('requests-empty')).toBeVisible();
  await expect
    .poll(async () => (await request.get(`${proxy}/hello`, { headers: auth })).status(), { timeout: 20_000 })
    .toBe(200);
  expect(
    (
      await request.post(`${proxy}/orders?priority=high`, {
        headers: { ...auth, 'X-Trace': 'abc' },
        data: { item: 'swift book', quantity: 2 },
      })
    ).status(),
  ).toBe(200);
  // not UTF-8: a PNG's signature, then bytes counting up
  const binary = Buffer.from([
    0x89,
    0x50,
    0x4e,
    0x47,
    0x0d,
    0x0a,
    0x1a,
    0x0a,
    0xff,
    0xfe,
    ...Array.from({ length: 30 }, (_, i) => i),
  ]);
  expect(
    (
      await request.put(`${proxy}/blob`, {
        headers: { ...auth, 'content-type': 'application/octet-stream' },
        data: binary,
      })
    ).status(),
  ).toBe(200);
  expect((await request.get(`${proxy}/status/404`, { headers: auth })).status()).toBe(404);
  await expect(run.requestRows()).toHaveCount(4);
  await expect(run.requestRows().first()).toContainText('/status/404');
  await expect(run.requestRows().first().getByTestId('request-status')).toHaveText('404');
  const orders = run.requestRows().filter({ hasText: '/orders?priority=high' });
  await expect(orders).toContainText('POST');
  await expect(orders.getByTestId('request-status')).toHaveText('200');

  // the detail pane: the credential redacted, other headers as sent, the JSON body pretty-printed
  const detail = await run.selectRequest(orders);
  await expect(run.requestHeader('request', 'authorization')).toHaveText('[redacted]');
  await expect(run.requestHeader('request', 'x-trace')).toHaveText('abc');
  await expect(detail.getByTestId('request-body')).toHaveAttribute('data-kind', 'json');
  await expect(detail.getByTestId('request-body').locator('pre')).toHaveText(
    '{\n  "item": "swift book",\n  "quantity": 2\n}',
  );
  // the echo service answers with the request it received: the proxy did not forward the credential
  await expect(detail.getByTestId('response-body')).toContainText('POST /orders?priority=high HTTP/1.1');
  await expect(detail.getByTestId('response-body')).not.toContainText(E2E_TOKEN);
  expect(await page.content()).not.toContain(E2E_TOKEN);

  // Copy as curl: the credential becomes the snippets' key variable, the body and headers go
  // along; the command, run in a shell with the variable set, makes the same call
  await detail.getByTestId('request-copy-curl').click();
  const curl = await page.evaluate(() => navigator.clipboard.readText());
  expect(curl).toContain(`curl -X POST '${new URL(page.url()).origin}${proxy}/orders?priority=high'`);
  expect(curl).toContain('-H "X-API-Key: $SWIFTLAMBDA_API_KEY"');
  expect(curl).toContain(`-H 'X-Trace: abc'`);
  expect(curl).toContain(`--data-binary '{"item":"swift book","quantity":2}'`);
  expect(curl).not.toContain('[redacted]');
  const key = await createKey(request, 'run page curl');
  const answer = execFileSync('sh', ['-c', `${curl} --fail-with-body --silent --show-error`], {
    env: { ...process.env, SWIFTLAMBDA_API_KEY: key.secret },
    encoding: 'utf8',
  });
  expect(answer).toContain('POST /orders?priority=high HTTP/1.1');
  await expect(run.requestRows()).toHaveCount(5);
  await expect(run.requestRows().first()).toContainText('/orders?priority=high');

  // with the key's secret given to the page's snippet, the copied command carries it
  await run.root().getByTestId('snippet-key').selectOption(key.id);
  await run.root().getByTestId('snippet-paste-secret').fill(key.secret);
  await expect(run.root().getByTestId('proxy-curl-code')).toContainText(`X-API-Key: ${key.secret}`);
  await detail.getByTestId('request-copy-curl').click();
  await expect
    .poll(() => page.evaluate(() => navigator.clipboard.readText()))
    .toContain(`-H 'X-API-Key: ${key.secret}'`);

  // Replay: the call goes to the run again and its record appears at the top, selected
  const before = (await detail.getAttribute('data-request-id'))!;
  await detail.getByTestId('request-replay').click();
  await expect(run.requestRows()).toHaveCount(6);
  const top = run.requestRows().first();
  await expect(top).toContainText('/orders?priority=high');
  expect(Number(await top.getAttribute('data-request-id'))).toBeGreaterThan(Number(before));
  await expect(run.requestDetail()).toHaveAttribute('data-request-id', (await top.getAttribute('data-request-id'))!);
  await expect(run.requestDetail().getByTestId('response-body')).toContainText('"quantity":2');

  // a binary body in hex
  const blob = await run.selectRequest(run.requestRows().filter({ hasText: '/blob' }));
  await expect(blob.getByTestId('request-body')).toHaveAttribute('data-kind', 'hex');
  await expect(blob.getByTestId('request-body').locator('pre')).toContainText(
    '00000000  89 50 4e 47 0d 0a 1a 0a  ff fe 00 01 02 03 04 05  |.PNG............|',
  );

  await new ConsolePage(page).screenshot('run-page-requests');

  // at 800×600 the request log goes under the logs: nothing scrolls sideways, Stop stays in view
  await page.setViewportSize({ width: 800, height: 600 });
  await expect(run.requestRows().first()).toBeVisible();
  expect(await page.locator('.content').evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(0);
  await expect(page.getByTestId('stop-run')).toBeInViewport();
  await new ConsolePage(page).screenshot('run-page-800x600');
  await page.setViewportSize({ width: 1360, height: 860 });

  // idle, the page asks the server nothing (its streams stay open); a stop through the API shows
  // within 100 ms of the answer
  await page.waitForTimeout(1000);
  expect(await run.apiCallsDuring(() => page.waitForTimeout(3000))).toEqual([]);
  await run.recordStates();
  const stop = await request.post(`/lambdas/${echoId}/runs/${runId}/stop`, { headers: auth, data: {} });
  const stopped = Date.now();
  expect(stop.status()).toBe(200);
  expect((await stop.json()).run.state).toBe('stopped');
  expect((await run.stateShownAt('stopped')) - stopped).toBeLessThan(100);

  // after the run stops, its last samples stay drawn and the calls stay listed
  await expect(run.state()).toHaveAttribute('data-state', 'stopped');
  await expect(stats).toHaveAttribute('data-live', 'false');
  await expect(stats.getByTestId('cpu-chart')).toHaveAttribute('data-points', /^([2-9]|\d\d+)$/);
  await expect(run.requestRows()).toHaveCount(6);
  await expect(run.requestDetail().getByTestId('request-replay')).toBeDisabled();
});

test('a Swift trap and a segfault: the crash panel names the signal, the message and frames linked to main.swift', async ({
  page,
  request,
}) => {
  const run = await signedIn(page);
  const fatal = await startRun(request, crashyId, 'oneShot', ['fatal']);
  await run.open(crashyId, fatal);
  await expect(run.state()).toHaveAttribute('data-state', 'failed', { timeout: 60_000 });
  const panel = run.crashPanel();
  await expect(panel).toHaveAttribute('data-signal', 'SIGILL');
  await expect(panel.getByTestId('crash-signal')).toHaveText('SIGILL');
  await expect(panel).toContainText('a Swift runtime trap');
  await expect(panel.getByTestId('crash-message')).toHaveText('Fatal error: boom: the answer was 42');
  const explode = panel.getByTestId('crash-frame').filter({ hasText: 'explode(_:)' });
  await expect(explode.getByTestId('crash-frame-location')).toHaveText(
    `Sources/crashy/main.swift:${crashyLine('fatalError("boom')}`,
  );
  await expect(explode.getByTestId('crash-frame-location')).toHaveAttribute(
    'href',
    `vscode://file${encodeURI(CRASHY_MAIN)}:${crashyLine('fatalError("boom')}`,
  );

  await new ConsolePage(page).screenshot('run-page-crash');

  const segv = await startRun(request, crashyId, 'oneShot', ['segv']);
  await run.open(crashyId, segv);
  await expect(run.state()).toHaveAttribute('data-state', 'failed', { timeout: 60_000 });
  await expect(panel).toHaveAttribute('data-signal', 'SIGSEGV');
  await expect(panel).toContainText('segmentation fault');
  await expect(panel.getByTestId('crash-message')).toContainText('Bad pointer dereference');
  const write = panel.getByTestId('crash-frame').filter({ hasText: 'writeThroughNull' });
  await expect(write.getByTestId('crash-frame-location')).toHaveAttribute(
    'href',
    `vscode://file${encodeURI(CRASHY_MAIN)}:${crashyLine('pointer.pointee = 42')}`,
  );

  // a run that ended without a signal has no crash panel
  const fine = await startRun(request, crashyId, 'oneShot', ['nothing']);
  await run.open(crashyId, fine);
  await expect(run.state()).toHaveAttribute('data-state', 'succeeded', { timeout: 60_000 });
  await expect(run.crashPanel()).toHaveCount(0);
});

test("from one run's page straight to another's and back: never a blank console", async ({ page, request }) => {
  const run = await signedIn(page);
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  // a long log and a short one: the second page must not meet the first one's line count
  const long = await startRun(request, crashyId, 'oneShot', ['fatal']);
  const short = await startRun(request, crashyId, 'oneShot', ['nothing']);
  await run.open(crashyId, long);
  await expect(run.state()).toHaveAttribute('data-state', 'failed', { timeout: 60_000 });
  await expect(run.logViewer()).toHaveAttribute('data-connection', 'ended');
  const longLines = Number(await run.logViewer().getAttribute('data-lines'));
  expect(longLines).toBeGreaterThan(10);

  await run.open(crashyId, short);
  await expect(run.state()).toHaveAttribute('data-state', 'succeeded', { timeout: 60_000 });
  await expect(run.logLines().filter({ hasText: 'crashy: nothing' })).toBeVisible();
  await expect(run.logViewer()).toHaveAttribute('data-connection', 'ended');
  expect(Number(await run.logViewer().getAttribute('data-lines'))).toBeLessThan(longLines);
  await expect(run.crashPanel()).toHaveCount(0);

  await page.goBack();
  await expect(run.root()).toHaveAttribute('data-run-id', long);
  await expect(run.crashPanel()).toBeVisible();
  await expect(run.logLines().filter({ hasText: 'crashy: fatal' })).toBeVisible();
  await page.goForward();
  await expect(run.root()).toHaveAttribute('data-run-id', short);
  await expect(run.pageError()).toHaveCount(0);
  expect(errors).toEqual([]);
});

test('the log viewer: `/` focuses the search, streams filter in the order written, lines wrap', async ({
  page,
  request,
}) => {
  const run = await signedIn(page);
  const fatal = await startRun(request, crashyId, 'oneShot', ['fatal']);
  await run.open(crashyId, fatal);
  await expect(run.logViewer()).toHaveAttribute('data-connection', 'ended', { timeout: 60_000 });

  // `/` from anywhere on the page (but a text field) goes to the search
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('/');
  await expect(run.logSearch()).toBeFocused();
  await page.keyboard.type('boom');
  await expect(run.logSearch()).toHaveValue('boom');
  await expect(run.logViewer().getByTestId('log-match-count')).toHaveText(/^1\/\d+$/);
  await page.keyboard.press('Escape');
  await expect(run.logSearch()).not.toBeFocused();
  await run.logSearch().fill('');

  // lines in the log's order (the order the engine delivered them), never sorted or regrouped by stream
  await expect(run.logLines('stdout').filter({ hasText: 'crashy: fatal' })).toBeVisible();
  await expect(run.logLines('stderr').filter({ hasText: 'Fatal error: boom' })).toBeVisible();
  const logRes = await request.get(`/lambdas/${crashyId}/runs/${fatal}/logs?limit=500`, { headers: auth });
  const stored = ((await logRes.json()).logs as Array<{ stream: string; data: string }>).map((c) => ({
    stream: c.stream,
    text: c.data.replace(/\n$/, ''),
  }));
  const shown = await run.renderedLines();
  expect(shown.length).toBeGreaterThan(5);
  for (const line of shown) expect(line, `line ${line.n}`).toEqual({ n: line.n, ...stored[line.n - 1]! });

  // only stderr
  await run.showStream('stdout', false);
  await run.showStream('system', false);
  await expect(run.logLines('stdout')).toHaveCount(0);
  await expect(run.logLines('system')).toHaveCount(0);
  await expect(run.logLines('stderr').filter({ hasText: 'Fatal error: boom' })).toBeVisible();
  await expect(run.logViewer()).toContainText(/\d+ of \d+ lines/);
  // the shown rows are the stderr lines, consecutive, in the log's order
  const onlyStderr = (await run.renderedLines()).map((l) => l.n);
  const stderrLines = stored.flatMap((l, i) => (l.stream === 'stderr' ? [i + 1] : []));
  const from = stderrLines.indexOf(onlyStderr[0]!);
  expect(onlyStderr).toEqual(stderrLines.slice(from, from + onlyStderr.length));
  // only stdout
  await run.showStream('stdout', true);
  await run.showStream('stderr', false);
  await expect(run.logLines('stderr')).toHaveCount(0);
  await expect(run.logLines('stdout').filter({ hasText: 'crashy: fatal' })).toBeVisible();
  // every stream again
  await run.showStream('stderr', true);
  await run.showStream('system', true);
  await expect(run.logViewer()).toHaveAttribute('data-rows', (await run.logViewer().getAttribute('data-lines'))!);

  // wrap: a long line takes more than one row's height, and the log no longer scrolls sideways
  const scroll = run.logViewer().getByTestId('log-scroll');
  const wideBefore = await scroll.evaluate((el) => el.scrollWidth > el.clientWidth);
  await run.logViewer().getByTestId('log-wrap').check();
  await expect.poll(() => scroll.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(false);
  if (wideBefore) {
    const tallest = await run
      .logLines()
      .evaluateAll((rows) => Math.max(...rows.map((r) => r.getBoundingClientRect().height)));
    expect(tallest).toBeGreaterThan(18);
  }
});

test('a page that fails to draw says why, keeps the sidebar, and leads back to the runs list', async ({
  page,
  request,
}) => {
  const run = await signedIn(page);
  const runId = await startRun(request, crashyId, 'oneShot', ['nothing']);
  // a run the page cannot draw: its arguments are not a list
  await page.route(`**/console/api/runs/${runId}`, async (route) => {
    const res = await route.fetch();
    const body = await res.json();
    await route.fulfill({ response: res, json: { run: { ...body.run, arguments: null } } });
  });
  await page.evaluate(
    ([p, r]) => {
      window.location.hash = `#/runs/${p}/${r}`;
    },
    [crashyId, runId] as const,
  );
  await expect(run.pageError()).toBeVisible();
  await expect(page.getByTestId('page-error-message')).toContainText('Cannot read properties of null');
  await expect(page.getByTestId('nav-projects')).toBeVisible();
  await expect(page.getByTestId('page-error-reload')).toBeVisible();
  await page.getByTestId('page-error-runs').click();
  await expect(page).toHaveURL(/#\/runs$/);
  await expect(run.pageError()).toHaveCount(0);
  await expect(page.locator(`[data-testid="run-row"][data-run-id="${runId}"]`)).toBeVisible();
});
