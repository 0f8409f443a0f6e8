// Issues 16 and 17: the console a newcomer lives in. Live data instead of polling, projects made
// from a folder with the target and image picked from lists, a missing image fixed in one click,
// project delete, Stop all asking first, curl snippets with a real key, Enter and focus, 800×600.
// Runs use a host program imported as the binary (/usr/bin/sleep), so no Swift build is needed
// except for AWS Lambda mode's function. Everything made here is deleted or revoked afterwards.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { E2E_TOKEN } from './playwright.config.js';
import { ConsoleApi } from './pages/console-api.js';
import { ConsolePage } from './pages/console-page.js';
import { ProjectPage } from './pages/project-page.js';
import { RunsListPage } from './pages/runs-list-page.js';

const HELLO = fileURLToPath(new URL('../resources/examples/hello', import.meta.url));
const AWS_ECHO = fileURLToPath(new URL('../resources/examples/aws-echo', import.meta.url));
const DOCS_SCREENSHOT = fileURLToPath(new URL('../docs/screenshot.png', import.meta.url));
const IMAGE = process.env.SWIFTLAMBDA_DEFAULT_IMAGE || 'swiftlambda/swift:6.0-trixie-git';
/** a host program that runs for as many seconds as its argument says, and stops at once on SIGTERM */
const SLEEP = '/usr/bin/sleep';

test.describe.configure({ mode: 'serial' });

let api: ConsoleApi;
test.beforeAll(({ playwright }) => {
  // a context of its own, so cleanup still works after a test's fixtures are gone
  return playwright.request.newContext({ baseURL: test.info().project.use.baseURL }).then((request) => {
    api = new ConsoleApi(request, E2E_TOKEN);
  });
});
test.afterAll(async () => {
  await api.cleanUp();
  await api.request.dispose();
});

/** A project whose binary is /usr/bin/sleep: its runs start in a second and stop at once. */
const sleepyProject = (name: string) => api.projectWithBinary({ name, sourcePath: HELLO, targetName: 'hello' }, SLEEP);

test('the console renders from the change stream: no requests while idle, a change shows within 100 ms', async ({
  page,
}) => {
  const projectId = await sleepyProject('console-live');
  const ui = new ConsolePage(page);
  const runs = new RunsListPage(page);
  const project = new ProjectPage(page);
  await ui.signIn(E2E_TOKEN);
  await expect(page.getByTestId('live-state')).toHaveAttribute('data-state', 'live');

  // idle on each page: nothing asks the server anything (the one events stream stays open)
  for (const open of [
    () => ui.open('runs'),
    () => ui.open('projects'),
    () => project.open(projectId),
    () => ui.open('keys'),
  ]) {
    await open();
    await page.waitForTimeout(1000);
    const calls = await ui.apiCallsDuring(() => page.waitForTimeout(3000));
    expect(calls, `requests while idle on ${page.url()}`).toEqual([]);
  }

  // a run started through the API shows on the runs list, and its stop, within 100 ms of the answer
  await ui.open('runs');
  await expect(page.getByTestId('runs-empty')).toBeVisible();
  await runs.recordStateChanges();
  const runId = await api.startRun(projectId, ['30']);
  const started = Date.now();
  expect((await runs.shownAt(runId)) - started).toBeLessThan(100);
  await expect(runs.state(runId)).toHaveAttribute('data-state', 'running');
  const stop = await api.request.post(`/lambdas/${projectId}/runs/${runId}/stop`, { headers: api.headers, data: {} });
  const stopped = Date.now();
  expect(stop.status()).toBe(200);
  expect((await runs.shownAt(runId, 'stopped')) - stopped).toBeLessThan(100);
  await ui.screenshot('console-live-runs');
});

test('a project from a typed folder: the target from Package.swift, an image from the local ones, friendly errors', async ({
  page,
}) => {
  const ui = new ConsolePage(page);
  await ui.signIn(E2E_TOKEN);
  await ui.open('projects');
  await page.getByTestId('new-project').click();
  const path = page.getByTestId('project-path');
  await expect(path).toBeFocused();

  // paths that are not a package say why, in a sentence
  const empty = await mkdtemp(join(tmpdir(), 'swiftlambda-e2e-empty-'));
  try {
    for (const [typed, says] of [
      ['relative/folder', 'must be an absolute path'],
      ['/no/such/folder/anywhere', '/no/such/folder/anywhere does not exist on this machine'],
      [join(HELLO, 'Package.swift'), 'is a file, not a folder'],
      [empty, 'has no Package.swift'],
    ] as const) {
      await path.fill(typed);
      await expect(page.getByTestId('path-error')).toContainText(says);
    }
  } finally {
    await rm(empty, { recursive: true, force: true });
  }

  // the hello package: its one executable in the select, its folder's name as the name
  await path.fill(HELLO);
  const target = page.getByTestId('project-target');
  await expect(target.locator('option')).toHaveText(['hello']);
  await expect(target).toHaveValue('hello');
  await expect(page.getByTestId('project-name')).toHaveValue('hello');

  // the image picker: the server's default first, local images with their Swift version
  const image = page.getByTestId('project-image');
  await expect(image.locator('option').first()).toContainText(`Server default (${IMAGE})`);
  await expect(image.locator(`option[value="${IMAGE}"]`)).toHaveText(
    new RegExp(`^${IMAGE.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} · Swift \\d+\\.\\d+`),
  );
  await image.selectOption(IMAGE);
  await page.getByTestId('project-name').fill('console-created');
  await ui.screenshot('console-create-project');
  await page.getByTestId('create-project').click();
  await expect(page.getByTestId('project-detail')).toBeVisible();
  const id = (await page.getByTestId('project-detail').getAttribute('data-project-id'))!;
  api.adoptProject(id);
  await expect(page.getByTestId('setting-image')).toHaveValue(IMAGE);
  await expect(page.getByTestId('image-missing')).toHaveCount(0);

  // a second project with the same name: a friendly 409
  await ui.open('projects');
  await page.getByTestId('new-project').click();
  await page.getByTestId('project-path').fill(HELLO);
  await expect(page.getByTestId('project-target')).toHaveValue('hello');
  await page.getByTestId('project-name').fill('Console-Created');
  await page.getByTestId('create-project').click();
  const taken = page.getByTestId('create-project-error');
  await expect(taken).toHaveAttribute('data-reason', 'name_taken');
  await expect(taken).toHaveText('A project named “Console-Created” already exists. Choose another name.');

  // a setting out of range: the reason as a sentence, not the validator's words
  const project = new ProjectPage(page);
  await project.open(id);
  await page.getByTestId('setting-timeout').fill('0');
  await page.getByTestId('save-settings').click();
  await expect(project.settingsError()).toHaveText(
    'The run timeout is a whole number of seconds from 1 to 86,400 (one day).',
  );
  await page.getByTestId('setting-timeout').fill('');
  await page.getByTestId('save-settings').click();
  await expect(project.settingsError()).toHaveAttribute('data-reason', 'invalid_run_timeout');
  await expect(project.settingsError()).not.toContainText(/expected|Too small|Invalid input/);
});

test('a project whose image is missing says so; the failed build reads in full; one click switches to a local toolchain', async ({
  page,
}) => {
  const id = await api.createProject({
    name: 'console-no-image',
    sourcePath: HELLO,
    targetName: 'hello',
    dockerImage: 'swiftlambda/not-on-this-machine:0.1',
  });
  const other = await sleepyProject('console-has-image');
  const ui = new ConsolePage(page);
  const project = new ProjectPage(page);
  await ui.signIn(E2E_TOKEN);
  // straight from one project's page to another's: nothing of the first (its settings) stays
  await project.open(other);
  await expect(page.getByTestId('setting-image')).toHaveValue(IMAGE);
  await project.open(id);
  await expect(project.imageMissing()).toContainText('swiftlambda/not-on-this-machine:0.1 is not on this machine');
  await expect(page.getByTestId('setting-image').locator('option:checked')).toHaveText(
    'swiftlambda/not-on-this-machine:0.1 · not on this machine',
  );

  // pulling cannot work here (no such image, no registry): the error says so
  await page.getByTestId('image-fix-pull').click();
  await expect(page.getByTestId('image-fix-error')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('image-fix-error')).toHaveAttribute('data-reason', 'image_unavailable');

  // a build fails on the image; its whole summary is on screen, wrapped rather than cut off
  await page.getByTestId('build-button').click();
  const summary = page.getByTestId('compilation-summary').first();
  await expect(page.getByTestId('compilation-state').first()).toHaveAttribute('data-state', 'failed', {
    timeout: 60_000,
  });
  const compilations = await api.request.get(`/console/api/projects/${id}/compilations`, { headers: api.headers });
  const errorSummary = ((await compilations.json()) as { compilations: Array<{ errorSummary: string }> })
    .compilations[0]!.errorSummary;
  expect(errorSummary.length).toBeGreaterThan(40);
  await expect(summary).toHaveText(errorSummary);
  expect(
    await summary.evaluate((el) => el.scrollWidth <= el.clientWidth && getComputedStyle(el).whiteSpace === 'pre-wrap'),
  ).toBe(true);
  await ui.screenshot('console-image-missing');

  // the fix: the local toolchain image, in one click
  await page.getByTestId('image-fix-local').click();
  await expect(project.imageMissing()).toHaveCount(0);
  await expect(page.getByTestId('setting-image')).toHaveValue(IMAGE);
});

test('Stop all asks first, naming how many live runs of which projects', async ({ page }) => {
  const first = await sleepyProject('console-stop-a');
  const second = await sleepyProject('console-stop-b');
  const runIds = [
    await api.startRun(first, ['60']),
    await api.startRun(first, ['60']),
    await api.startRun(second, ['60']),
  ];
  const ui = new ConsolePage(page);
  const runs = new RunsListPage(page);
  await ui.signIn(E2E_TOKEN);
  await ui.open('runs');
  for (const id of runIds) await expect(runs.state(id)).toHaveAttribute('data-state', /queued|running/);
  await expect(runs.stopAllButton()).toHaveText('Stop all (3)');

  const dialog = await runs.askStopAll();
  await expect(dialog).toContainText('Stop 3 live runs?');
  await expect(dialog.getByTestId('stop-all-project')).toHaveCount(2);
  await expect(dialog.locator(`[data-project-id="${first}"]`)).toContainText('console-stop-a: 2 runs');
  await expect(dialog.locator(`[data-project-id="${second}"]`)).toContainText('console-stop-b: 1 run');
  await expect(dialog.getByTestId('confirm-cancel')).toBeFocused();
  await ui.screenshot('console-stop-all');
  await dialog.getByTestId('confirm-cancel').click();
  await expect(dialog).toHaveCount(0);
  expect(await api.runState(first, runIds[0]!)).toMatch(/queued|running/);

  await (await runs.askStopAll()).getByTestId('confirm-action').click();
  for (const id of runIds) await expect(runs.state(id)).toHaveAttribute('data-state', 'stopped');
  await expect(runs.stopAllButton()).toBeDisabled();
});

test("Enter creates a key from its dialog; the project page's curl carries that key, and it works", async ({
  page,
}) => {
  const projectId = await sleepyProject('console-curl');
  const ui = new ConsolePage(page);
  const project = new ProjectPage(page);
  await ui.signIn(E2E_TOKEN);

  // the dialog focuses its name field, and Enter there creates the key
  await ui.open('keys');
  await page.getByTestId('create-key').click();
  await expect(page.getByTestId('key-name')).toBeFocused();
  await page.keyboard.type('console curl key');
  await page.keyboard.press('Enter');
  const secret = (await page.getByTestId('key-secret').textContent())!.trim();
  expect(secret).toMatch(/^slk_/);
  api.adoptKey((await api.keyIdOf(secret))!);
  await page.getByTestId('key-done').click();
  expect(await page.content()).not.toContain(secret);

  // the project page's commands carry the secret kept in this tab; the listed call answers 200
  await project.open(projectId);
  await expect(page.getByTestId('project-curl')).toHaveAttribute('data-has-secret', 'true');
  const code = (await project.curlCode().textContent())!;
  expect(code).toContain(`X-API-Key: ${secret}`);
  expect(code).not.toContain('{API_KEY}');
  const list = /curl (\S+\/lambdas\/\S+\/runs) \\\n\s+-H "X-API-Key: (slk_\w+)"/.exec(code);
  expect(list, code).not.toBeNull();
  const res = await api.request.get(list![1]!, { headers: { 'X-API-Key': list![2]! } });
  expect(res.status()).toBe(200);

  // Enter in an argument field starts the run
  await page.getByTestId('start-run').click();
  const dialog = page.getByTestId('start-run-dialog');
  await expect(dialog.getByTestId('confirm-start-run')).toBeFocused();
  await dialog.getByTestId('add-argument').click();
  await expect(dialog.getByTestId('run-argument')).toBeFocused();
  await page.keyboard.type('2');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('run-detail')).toBeVisible();
  const runId = (await page.getByTestId('run-detail').getAttribute('data-run-id'))!;
  await expect.poll(() => api.runState(projectId, runId), { timeout: 20_000 }).toBe('succeeded');

  // after a reload the secret is gone (it was never stored): the snippet asks for it instead
  await page.reload();
  await project.open(projectId);
  await expect(page.getByTestId('project-curl')).toHaveAttribute('data-has-secret', 'false');
  expect(await project.curlCode().textContent()).toContain('X-API-Key: $SWIFTLAMBDA_API_KEY');
  expect(await page.evaluate(() => JSON.stringify(localStorage) + JSON.stringify(sessionStorage))).not.toContain(
    secret,
  );
});

test('delete a project: the confirmation names what goes, and it is gone', async ({ page }) => {
  const id = await sleepyProject('console-doomed');
  const runId = await api.startRun(id, ['60']);
  const ui = new ConsolePage(page);
  const project = new ProjectPage(page);
  await ui.signIn(E2E_TOKEN);
  await project.open(id);
  await page.getByTestId('delete-project').click();
  const dialog = page.getByTestId('delete-project-dialog');
  await expect(dialog).toContainText('Delete “console-doomed”?');
  await expect(dialog.getByTestId('delete-what')).toContainText('its 1 run and their logs; 1 live run stopped first');
  await expect(dialog.getByTestId('delete-what')).toContainText('its 1 build, their logs and binaries');
  await expect(dialog).toContainText(HELLO);
  await ui.screenshot('console-delete-project');
  await dialog.getByTestId('confirm-action').click();

  await expect(page).toHaveURL(/#\/projects$/);
  await expect(ui.projectRow('console-doomed')).toHaveCount(0);
  expect(await api.projectStatus(id)).toBe(404);
  expect((await api.request.get(`/console/api/runs/${runId}`, { headers: api.headers })).status()).toBe(404);
});

test('800×600: a collapsed sidebar, nothing scrolls sideways, Stop and Revoke stay on screen', async ({ page }) => {
  const projectId = await sleepyProject('console-a-project-with-a-rather-long-name-for-small-windows');
  const runId = await api.startRun(projectId, ['60']);
  const ui = new ConsolePage(page);
  const runs = new RunsListPage(page);
  const project = new ProjectPage(page);
  await page.setViewportSize({ width: 800, height: 600 });
  await ui.signIn(E2E_TOKEN);
  await expect(page.getByTestId('sidebar')).toHaveAttribute('data-collapsed', 'true');

  await ui.open('runs');
  await expect(runs.state(runId)).toHaveAttribute('data-state', 'running');
  await expect(runs.row(runId).getByTestId('row-stop')).toBeInViewport({ ratio: 1 });
  expect(await ui.horizontalOverflow()).toBeLessThanOrEqual(0);
  await ui.screenshot('console-800-runs');

  await ui.open('projects');
  await expect(ui.projectRow('console-a-project')).toBeVisible();
  expect(await ui.horizontalOverflow()).toBeLessThanOrEqual(0);

  await project.open(projectId);
  expect(await ui.horizontalOverflow()).toBeLessThanOrEqual(0);
  await ui.screenshot('console-800-project');

  await page.evaluate(
    ([p, r]) => {
      window.location.hash = `#/runs/${p}/${r}`;
    },
    [projectId, runId] as const,
  );
  await expect(page.getByTestId('run-detail')).toBeVisible();
  await expect(page.getByTestId('stop-run')).toBeInViewport({ ratio: 1 });
  expect(await ui.horizontalOverflow()).toBeLessThanOrEqual(0);

  const secret = await ui.createKey('console small window key');
  api.adoptKey((await api.keyIdOf(secret))!);
  await page.getByTestId('key-done').click();
  const revoke = page.getByTestId('key-row').filter({ hasText: 'console small window key' }).getByTestId('revoke-key');
  await expect(revoke).toBeInViewport({ ratio: 1 });
  expect(await ui.horizontalOverflow()).toBeLessThanOrEqual(0);
  await ui.screenshot('console-800-keys');

  // expanded, the sidebar still leaves room for everything
  await page.getByTestId('sidebar-toggle').click();
  await expect(page.getByTestId('sidebar')).toHaveAttribute('data-collapsed', 'false');
  await expect(revoke).toBeInViewport({ ratio: 1 });
  expect(await ui.horizontalOverflow()).toBeLessThanOrEqual(0);
  await page.getByTestId('sidebar-toggle').click();
});

test('AWS Lambda mode: the runtime setting, Invoke, the invocations with cold and warm starts, invoke again', async ({
  page,
}) => {
  test.setTimeout(12 * 60_000);
  const id = await api.createProject({ name: 'console-aws-echo', sourcePath: AWS_ECHO, targetName: 'aws-echo' });
  const ui = new ConsolePage(page);
  const project = new ProjectPage(page);
  await ui.signIn(E2E_TOKEN);
  await project.open(id);
  await expect(page.getByTestId('invocations')).toHaveCount(0);
  await page.getByTestId('setting-runtime').selectOption('awsLambda');
  await page.getByTestId('save-settings').click();
  await expect(page.getByTestId('runtime-tag')).toHaveText('AWS Lambda');
  await expect(page.getByTestId('invocations-empty')).toBeVisible();
  await expect(page.getByTestId('start-run')).toHaveCount(0);
  await ui.buildCurrentProject();

  await page.getByTestId('invoke-payload').fill('{"hello":"console"}');
  await page.getByTestId('invoke').click();
  const rows = page.getByTestId('invocation-row');
  await expect(rows).toHaveCount(1);
  const first = rows.first();
  await expect(first).toHaveAttribute('data-state', 'succeeded', { timeout: 60_000 });
  await expect(first.getByTestId('invocation-start')).toHaveText('cold');
  await expect(first.getByTestId('invocation-result')).toHaveText('success');
  const detail = page.getByTestId('invocation-detail');
  await expect(detail.getByTestId('invocation-payload')).toContainText('"hello": "console"');
  await expect(detail.getByTestId('invocation-response')).toContainText('console');

  await detail.getByTestId('invoke-again').click();
  await expect(rows).toHaveCount(2);
  await expect(rows.first()).toHaveAttribute('data-state', 'succeeded', { timeout: 60_000 });
  await expect(rows.first().getByTestId('invocation-start')).toHaveText('warm');
  await expect(page.getByTestId('invocation-detail')).toHaveAttribute(
    'data-request-id',
    (await rows.first().getAttribute('data-request-id'))!,
  );
  await ui.screenshot('console-aws-invocations');
  if (process.env.UPDATE_DOCS_SCREENSHOTS) {
    await page.getByTestId('invocations').evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await page.screenshot({ path: DOCS_SCREENSHOT });
  }
});
