// Issue 30: the project page's Schedules panel. A cron expression read back in words with its next
// three times while typing, a bad one explained, a schedule added, run now (its run linked), turned
// off and deleted, live from the change stream; at 800×600 nothing scrolls sideways. The project
// runs /usr/bin/echo imported as its binary. Everything made here is deleted afterwards.
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { E2E_TOKEN } from './playwright.config.js';
import { ConsoleApi } from './pages/console-api.js';
import { ConsolePage } from './pages/console-page.js';
import { ProjectPage } from './pages/project-page.js';

const HELLO = fileURLToPath(new URL('../resources/examples/hello', import.meta.url));

test.describe.configure({ mode: 'serial' });

let api: ConsoleApi;
test.beforeAll(async ({ playwright }) => {
  const request = await playwright.request.newContext({ baseURL: test.info().project.use.baseURL });
  api = new ConsoleApi(request, E2E_TOKEN);
});
test.afterAll(async () => {
  await api.cleanUp();
  await api.request.dispose();
});

test('schedules: read while typing, added, run now, disabled and deleted, live', async ({ page }) => {
  const id = await api.createProject({ name: 'nightly-report', sourcePath: HELLO, targetName: 'hello' });
  await api.importBinary(id, '/usr/bin/echo');
  const console_ = new ConsolePage(page);
  await console_.signIn(E2E_TOKEN);
  const project = new ProjectPage(page);
  await project.open(id);
  const panel = page.getByTestId('schedules-panel');
  await panel.scrollIntoViewIfNeeded();

  // a bad expression is explained before it is sent, and Add stays off
  await panel.getByTestId('schedule-cron').fill('61 * * * *');
  await expect(panel.getByTestId('schedule-preview')).toContainText(/minute/i);
  await expect(panel.getByTestId('schedule-add')).toBeDisabled();
  await panel.getByTestId('schedule-cron').fill('30 3 * * 1-5');
  await expect(panel.getByTestId('schedule-preview')).toContainText('03:30');
  await expect(panel.getByTestId('schedule-preview')).toContainText('Monday through Friday');
  await expect(panel.getByTestId('schedule-preview')).toContainText('next:');
  await panel.getByTestId('schedule-timezone').fill('Mars/Olympus');
  await expect(panel.getByTestId('schedule-preview')).toContainText(/time zone/i);
  await expect(panel.getByTestId('schedule-add')).toBeDisabled();

  await panel.getByTestId('schedule-timezone').fill('Europe/Berlin');
  await panel.getByTestId('schedule-arguments').fill('nightly\nreport');
  await panel.getByTestId('schedule-add').click();
  const row = panel.getByTestId('schedule-row');
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('30 3 * * 1-5');
  await expect(row).toContainText('Europe/Berlin');
  await expect(row).toContainText('nightly report');
  await expect(row.getByTestId('schedule-next')).not.toHaveText('—');
  await expect(panel.getByTestId('schedule-cron')).toHaveValue('');

  // Run now starts a one-shot run; the row links to it as soon as the stream says so
  await row.getByTestId('schedule-run-now').click();
  const lastRun = row.getByTestId('schedule-last-run');
  await expect(lastRun).toBeVisible();
  await lastRun.click();
  await expect(page.getByTestId('run-detail')).toBeVisible();
  await expect(page.getByTestId('log-viewer').first()).toContainText('nightly report', { timeout: 30_000 });
  await project.open(id);

  // turning it off clears the next time, and a change made elsewhere (the API) shows without a reload
  await row.getByTestId('schedule-enabled').click();
  await expect(row.getByTestId('schedule-enabled')).not.toBeChecked();
  await expect(row.getByTestId('schedule-next')).toHaveText('—');
  const listed = await api.request.get(`/console/api/projects/${id}/schedules`, { headers: api.headers });
  const scheduleId = ((await listed.json()) as { schedules: Array<{ id: string }> }).schedules[0]!.id;
  await api.request.patch(`/console/api/projects/${id}/schedules/${scheduleId}`, {
    headers: api.headers,
    data: { enabled: true },
  });
  await expect(row.getByTestId('schedule-enabled')).toBeChecked();

  // 800×600: the panel fits without sideways scrolling
  await page.setViewportSize({ width: 800, height: 600 });
  await panel.scrollIntoViewIfNeeded();
  expect(await page.locator('.content').evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(0);
  await expect(row.getByTestId('schedule-delete')).toBeInViewport();

  await row.getByTestId('schedule-delete').click();
  await expect(panel.getByTestId('schedule-row')).toHaveCount(0);
});
