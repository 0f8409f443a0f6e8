// Issue 25: a project's Environment (a table: add, edit, remove, with the validation messages) and
// Secrets (set, replace, remove; the value never shown) in the console, at 800×600 too. The
// project's binary is the host's /usr/bin/env, so a run prints the environment it was given
// without a Swift build.
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { E2E_TOKEN } from './playwright.config.js';
import { ConfigurationPanels } from './pages/configuration-panels.js';
import { ConsoleApi } from './pages/console-api.js';
import { ConsolePage } from './pages/console-page.js';
import { ProjectPage } from './pages/project-page.js';

const HELLO = fileURLToPath(new URL('../resources/examples/hello', import.meta.url));
const SECRET = 'e2e-Pa55word/do-not-show';
const REPLACED = 'e2e-replaced-value-42';

test.describe.configure({ mode: 'serial' });

let api: ConsoleApi;
let projectId: string;
test.beforeAll(async ({ playwright }) => {
  const request = await playwright.request.newContext({ baseURL: test.info().project.use.baseURL });
  api = new ConsoleApi(request, E2E_TOKEN);
  projectId = await api.createProject({ name: 'configuration-e2e', sourcePath: HELLO, targetName: 'hello' });
  await api.importBinary(projectId, '/usr/bin/env');
});
test.afterAll(async () => {
  await api.cleanUp();
  await api.request.dispose();
});

/** A run's whole output, once it has ended. */
async function runOutput(runId: string): Promise<string> {
  await expect.poll(() => api.runState(projectId, runId), { timeout: 60_000 }).toBe('succeeded');
  const res = await api.request.get(`/lambdas/${projectId}/runs/${runId}/logs?afterSequence=-1&limit=500`, {
    headers: api.headers,
  });
  return ((await res.json()) as { logs: Array<{ data: string }> }).logs.map((c) => c.data).join('');
}

async function openProject(page: Page): Promise<ConfigurationPanels> {
  await new ConsolePage(page).signIn(E2E_TOKEN);
  await new ProjectPage(page).open(projectId);
  return new ConfigurationPanels(page);
}

test('Environment: add, edit and remove variables, with the validation messages', async ({ page }) => {
  const ui = await openProject(page);
  await expect(ui.environment().getByTestId('environment-empty')).toBeVisible();

  const bad = await ui.addVariable('1BAD', 'x');
  await expect(bad.getByTestId('env-name-problem')).toContainText('not starting with a digit');
  await expect(ui.environment().getByTestId('env-save')).toBeDisabled();
  await bad.getByTestId('env-name').fill('LOG_LEVEL');
  await bad.getByTestId('env-value').fill('debug');
  await ui.addVariable('PORT', '9000');
  await ui.saveEnvironment();
  // refused by the server with its reason: nothing is saved
  await expect(ui.environmentError()).toContainText('PORT is set by the emulator itself');
  expect(
    (await (await api.request.get(`/console/api/projects/${projectId}`, { headers: api.headers })).json()).project
      .environment,
  ).toEqual({});
  await ui.envRow('PORT').getByTestId('env-remove').click();
  await ui.addVariable('DATABASE_URL', 'postgres://app@127.0.0.1:5432/app');
  await ui.saveEnvironment();
  await ui.expectSaved();

  // kept across a reload; edit one value, remove the other
  await page.reload();
  await expect(ui.envRows()).toHaveCount(2);
  await ui.envRow('LOG_LEVEL').getByTestId('env-value').fill('trace');
  await ui.envRow('DATABASE_URL').getByTestId('env-remove').click();
  await ui.saveEnvironment();
  await ui.expectSaved();
  await page.reload();
  await expect(ui.envRows()).toHaveCount(1);
  await expect(ui.envRow('LOG_LEVEL').getByTestId('env-value')).toHaveValue('trace');
});

test('Secrets: set, replace and remove; the value is never shown and reaches the run masked', async ({ page }) => {
  const ui = await openProject(page);
  await expect(ui.secrets().getByTestId('secrets-empty')).toBeVisible();
  await ui.secrets().getByTestId('secret-name').fill('9LIVES');
  await expect(ui.secrets().getByTestId('secret-name-problem')).toBeVisible();
  await expect(ui.secrets().getByTestId('secret-set')).toBeDisabled();

  await ui.setSecret('DB_PASSWORD', SECRET);
  await expect(ui.secretRow('DB_PASSWORD').getByTestId('secret-updated')).toHaveText('set just now');
  await expect(ui.secrets().getByTestId('secret-value')).toHaveValue('');
  await page.reload();
  await expect(ui.secretRow('DB_PASSWORD')).toBeVisible();
  expect(await page.content()).not.toContain(SECRET);

  await ui.replaceSecret('DB_PASSWORD', REPLACED);
  const runId = await api.startRun(projectId, []);
  const output = await runOutput(runId);
  expect(output).toContain('LOG_LEVEL=trace');
  expect(output).toContain('DB_PASSWORD=***');
  expect(output).not.toContain(REPLACED);

  await ui.removeSecret('DB_PASSWORD');
  await expect(ui.secrets().getByTestId('secrets-empty')).toBeVisible();
  const after = await runOutput(await api.startRun(projectId, []));
  expect(after).not.toContain('DB_PASSWORD');
});

test('800×600: both panels fit without scrolling sideways', async ({ page }) => {
  await page.setViewportSize({ width: 800, height: 600 });
  const ui = await openProject(page);
  await ui.setSecret('API_TOKEN', 'a-token-for-the-small-window');
  await ui.addVariable('A_RATHER_LONG_VARIABLE_NAME_FOR_SMALL_WINDOWS', 'and a value that is long as well, too long');
  for (const target of [ui.environment().getByTestId('env-save'), ui.secrets().getByTestId('secret-set')]) {
    await target.scrollIntoViewIfNeeded();
    await expect(target).toBeInViewport({ ratio: 1 });
  }
  await expect(ui.secretRow('API_TOKEN').getByTestId('secret-remove')).toBeInViewport({ ratio: 1 });
  expect(await page.locator('.content').evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(0);
  await new ConsolePage(page).screenshot('console-800-secrets');
  await ui.environment().scrollIntoViewIfNeeded();
  await new ConsolePage(page).screenshot('console-800-environment');
});
