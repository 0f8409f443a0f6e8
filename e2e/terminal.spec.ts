// Issue 29: the run page's Terminal. A shell in a live run's container through the console's
// WebSocket: what is typed runs there, its answer shows, and the run's own environment is there.
// The run is /usr/bin/sleep imported as the binary. Everything made here is deleted afterwards.
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { E2E_TOKEN } from './playwright.config.js';
import { ConsoleApi } from './pages/console-api.js';
import { ConsolePage } from './pages/console-page.js';
import { RunPage } from './pages/run-page.js';

const HELLO = fileURLToPath(new URL('../resources/examples/hello', import.meta.url));

let api: ConsoleApi;
test.beforeAll(async ({ playwright }) => {
  const request = await playwright.request.newContext({ baseURL: test.info().project.use.baseURL });
  api = new ConsoleApi(request, E2E_TOKEN);
});
test.afterAll(async () => {
  await api.cleanUp();
  await api.request.dispose();
});

test('a shell in a live run from its page; closing it leaves the run running', async ({ page }) => {
  const projectId = await api.createProject({ name: 'terminal-e2e', sourcePath: HELLO, targetName: 'hello' });
  await api.importBinary(projectId, '/usr/bin/sleep');
  // the import finishes in a moment; a run can start once it has
  let runId = '';
  await expect
    .poll(async () => (runId = await api.startRun(projectId, ['120']).catch(() => '')), { timeout: 30_000 })
    .not.toBe('');
  await expect.poll(() => api.runState(projectId, runId), { timeout: 30_000 }).toBe('running');

  await new ConsolePage(page).signIn(E2E_TOKEN);
  await new RunPage(page).open(projectId, runId);
  await page.getByTestId('open-terminal').click();
  const terminal = page.getByTestId('terminal');
  await expect(terminal).toHaveAttribute('data-state', 'open');
  await page.keyboard.type('echo "answer=$((6*7)) run=$LAMBDA_RUN_UUID"');
  await page.keyboard.press('Enter');
  await expect(terminal.locator('.xterm-rows')).toContainText(`answer=42 run=${runId}`);
  await page.keyboard.type('exit');
  await page.keyboard.press('Enter');
  await expect(terminal).toHaveAttribute('data-state', 'closed');
  await expect(terminal.locator('.xterm-rows')).toContainText('the shell exited');
  expect(await api.runState(projectId, runId)).toBe('running');
  await api.request.post(`/lambdas/${projectId}/runs/${runId}/stop`, { headers: api.headers });
  await expect(page.getByTestId('terminal-panel')).toHaveCount(0);
});
