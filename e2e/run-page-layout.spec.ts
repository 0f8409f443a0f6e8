// Issue 29: the run page at a laptop's 1280 px. The request table shows whole paths and sizes,
// the log toolbar stays on one line, a call's details open in view beside the table; the curl
// snippets use a path the service was called with; Edit and replay sends a changed call and
// shows its record on top. The echo service answers with the request it received.
import { fileURLToPath } from 'node:url';
import { expect, test, type Locator } from '@playwright/test';
import { E2E_TOKEN } from './playwright.config.js';
import { axeViolations } from './pages/axe.js';
import { ConsolePage } from './pages/console-page.js';
import { RunPage } from './pages/run-page.js';

const ECHO = fileURLToPath(new URL('../resources/examples/echo-service', import.meta.url));
const auth = { Authorization: `Bearer ${E2E_TOKEN}` };
/** a Swift build on 2 busy cores */
const BUILD_MS = 5 * 60_000;
const LONG_PATH = '/todos/8c1f2a7e-4b1d-4d3c-9a55-1e2f3a4b5c6d/items?sort=desc&page=2';

test.describe.configure({ mode: 'serial' });

let projectId = '';
let runId = '';

test.beforeAll(async ({ request }) => {
  test.setTimeout(BUILD_MS + 60_000);
  const res = await request.post('/console/api/projects', {
    headers: auth,
    data: { name: 'run-layout-echo', sourcePath: ECHO, targetName: 'echo-service', runTimeoutSeconds: 600 },
  });
  expect(res.status(), await res.text()).toBe(201);
  projectId = (await res.json()).project.id;
  const build = await request.post(`/console/api/projects/${projectId}/compilations`, { headers: auth, data: {} });
  const compilation = (await build.json()).compilation.id as string;
  const state = async () =>
    (
      await (
        await request.get(`/console/api/projects/${projectId}/compilations/${compilation}`, { headers: auth })
      ).json()
    ).compilation.state;
  await expect.poll(state, { timeout: BUILD_MS, intervals: [2000] }).toMatch(/succeeded|failed/);
  expect(await state()).toBe('succeeded');
  const run = await request.post(`/lambdas/${projectId}/runs`, { headers: auth, data: { mode: 'service' } });
  expect(run.status()).toBe(201);
  runId = (await run.json()).run.uuid;
});

test.afterAll(async ({ request }) => {
  if (projectId)
    expect((await request.delete(`/console/api/projects/${projectId}`, { headers: auth })).status()).toBe(204);
});

/** How far `el`'s content overflows it sideways (0: nothing clipped). */
const overflow = (el: Locator) => el.evaluate((e) => e.scrollWidth - e.clientWidth);

test('at 1280 px: whole paths and sizes, a one-line log toolbar, details in view; the curl snippets use a called path', async ({
  page,
  request,
}) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await new ConsolePage(page).signIn(E2E_TOKEN);
  const run = new RunPage(page);
  await run.open(projectId, runId);
  await expect(run.state()).toHaveAttribute('data-state', 'running', { timeout: 30_000 });
  const proxy = `/instances/${runId}/api`;
  const origin = new URL(page.url()).origin;

  // before any call the snippet names the API's root, not a made-up /hello
  const snippet = run.root().getByTestId('proxy-curl-code');
  await expect(snippet).toContainText(`curl ${origin}${proxy}/ \\`);

  await expect
    .poll(async () => (await request.get(`${proxy}/hello`, { headers: auth })).status(), { timeout: 20_000 })
    .toBe(200);
  const big = 'x'.repeat(150_000);
  expect((await request.post(`${proxy}/upload`, { headers: auth, data: big })).status()).toBe(200);
  expect((await request.get(`${proxy}${LONG_PATH}`, { headers: auth })).status()).toBe(200);
  await expect(run.requestRows()).toHaveCount(3);

  // the snippet follows the newest call
  await expect(snippet).toContainText(`curl '${origin}${proxy}${LONG_PATH}' \\`);

  // the PATH cell holds the whole path (wrapped, not cut) and has it as title; sizes are not clipped
  const longRow = run.requestRows().first();
  const pathCell = longRow.getByTestId('request-path');
  await expect(pathCell).toHaveText(LONG_PATH);
  await expect(pathCell).toHaveAttribute('title', LONG_PATH);
  expect(await overflow(pathCell)).toBeLessThanOrEqual(0);
  const sizes = run.requestRows().filter({ hasText: '/upload' }).getByTestId('request-sizes');
  await expect(sizes).toHaveText(/^146 KiB \/ \d+ KiB$/);
  expect(await overflow(sizes)).toBeLessThanOrEqual(0);
  expect(await overflow(run.root().locator('.request-table-scroll'))).toBeLessThanOrEqual(0);

  // the log toolbar is one line: every control's top within a few pixels of the first's
  const tops = await run
    .logViewer()
    .locator('.log-toolbar > *')
    .evaluateAll((els) =>
      els.map((e) => Math.round(e.getBoundingClientRect().top + e.getBoundingClientRect().height / 2)),
    );
  expect(Math.max(...tops) - Math.min(...tops)).toBeLessThanOrEqual(4);

  await new ConsolePage(page).screenshot('run-page-1280-top');

  // a call's details open beside the table, in view, without scrolling the page further
  await longRow.click();
  const detail = run.requestDetail();
  await expect(detail.getByTestId('response-body')).toContainText(`GET ${LONG_PATH} HTTP/1.1`);
  await expect(detail).toBeInViewport();
  await expect(detail.getByTestId('request-edit-replay')).toBeInViewport({ ratio: 1 });
  const [table, pane] = await Promise.all([
    run.root().locator('.request-table-scroll').boundingBox(),
    detail.boundingBox(),
  ]);
  expect(pane!.x).toBeGreaterThan(table!.x + table!.width - 1);
  await new ConsolePage(page).screenshot('run-page-1280');
  expect(await axeViolations(page)).toEqual([]);
  await page.emulateMedia({ colorScheme: 'dark' });
  expect(await axeViolations(page)).toEqual([]);
  await page.emulateMedia({ colorScheme: 'light' });

  // the project page's dev URL snippet uses the serving run's newest call too
  await page.evaluate((p) => (window.location.hash = `#/projects/${p}`), projectId);
  await expect(page.getByTestId('project-curl-code')).toContainText(`/dev/${projectId}/api${LONG_PATH}'`);

  // 800×600: one column, the details under the table, nothing scrolls sideways
  await run.open(projectId, runId);
  await page.setViewportSize({ width: 800, height: 600 });
  await run.requestRows().first().click();
  await expect(run.requestDetail()).toBeInViewport();
  expect(await overflow(page.locator('.content'))).toBeLessThanOrEqual(0);
  expect(await overflow(run.root().locator('.request-table-scroll'))).toBeLessThanOrEqual(0);
  await new ConsolePage(page).screenshot('run-page-800x600-details');
});

test('Edit and replay: a changed method, path, header and body go to the service; the new record is on top, selected', async ({
  page,
  request,
}) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await new ConsolePage(page).signIn(E2E_TOKEN);
  const run = new RunPage(page);
  await run.open(projectId, runId);
  const proxy = `/instances/${runId}/api`;
  expect(
    (
      await request.post(`${proxy}/notes?draft=1`, {
        headers: { ...auth, 'content-type': 'text/plain', 'x-trace': 'first' },
        data: 'original text',
      })
    ).status(),
  ).toBe(200);
  const original = run.requestRows().filter({ hasText: '/notes?draft=1' });
  const detail = await run.selectRequest(original);
  await detail.getByTestId('request-edit-replay').click();

  // prefilled from the call; the redacted Authorization is not offered
  const editor = page.getByTestId('replay-editor');
  await expect(editor.getByTestId('replay-method')).toHaveValue('POST');
  await expect(editor.getByTestId('replay-path')).toHaveValue('/notes?draft=1');
  await expect(editor.getByTestId('replay-body')).toHaveValue('original text');
  const headers = editor.getByTestId('replay-headers');
  await expect.poll(() => headers.inputValue()).toContain('x-trace: first');
  expect(await headers.inputValue()).not.toMatch(/authorization|redacted/i);

  // a line that is not a header is caught before anything is sent
  await headers.fill('x-trace first');
  await editor.getByTestId('replay-editor-send').click();
  await expect(editor.getByTestId('replay-editor-error')).toContainText('Header line 1');

  await editor.getByTestId('replay-method').selectOption('PUT');
  await editor.getByTestId('replay-path').fill('/notes/7?draft=0');
  await headers.fill(`content-type: text/plain\nx-trace: edited\nx-api-key: ${E2E_TOKEN}`);
  await editor.getByTestId('replay-body').fill('edited text');
  await new ConsolePage(page).screenshot('run-page-edit-and-replay');
  expect(await axeViolations(page)).toEqual([]);
  await editor.getByTestId('replay-editor-send').click();
  await expect(editor).toBeHidden();

  // the new record: on top, selected, with the edited values and the service's answer
  const top = run.requestRows().first();
  await expect(top.getByTestId('request-path')).toHaveText('/notes/7?draft=0');
  await expect(top).toContainText('PUT');
  await expect(top).toHaveAttribute('aria-selected', 'true');
  const replayed = run.requestDetail();
  await expect(replayed).toHaveAttribute('data-request-id', (await top.getAttribute('data-request-id'))!);
  await expect(run.requestHeader('request', 'x-trace')).toHaveText('edited');
  await expect(replayed.getByTestId('request-body')).toContainText('edited text');
  const answer = replayed.getByTestId('response-body');
  await expect(answer).toContainText('PUT /notes/7?draft=0 HTTP/1.1');
  await expect(answer).toContainText('x-trace: edited');
  await expect(answer).toContainText('edited text');
  // the console's own credential typed into the form never reaches the service
  await expect(answer).not.toContainText(E2E_TOKEN);
  await expect(answer).not.toContainText(/x-api-key/i);
  await expect(replayed).toBeInViewport();
});
