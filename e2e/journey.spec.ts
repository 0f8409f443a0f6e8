// Issue 4: the whole journey in the real console, against the real server, engine and Swift.
import { expect, test } from '@playwright/test';
import { E2E_TOKEN } from './playwright.config.js';
import { ConsolePage } from './pages/console-page.js';

test.describe.configure({ mode: 'serial' });

test('without the console link the page explains where to find it and shows no data', async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto('/');
  await expect(page.getByTestId('signed-out')).toBeVisible();
  await expect(page.getByTestId('signed-out')).toContainText('?token=');
  await expect(page.getByTestId('run-row')).toHaveCount(0);
  await expect(page.getByTestId('project-row')).toHaveCount(0);
  const res = await page.request.get('/console/api/keys');
  expect(res.status()).toBe(401);
  await page.goto('/?token=wrong-token');
  await expect(page.getByTestId('signed-out')).toBeVisible();
  await context.close();
});

test('build, key, oneShot with live logs, service through the proxy, stop, revoke', async ({ page, request }) => {
  const ui = new ConsolePage(page);
  await ui.signIn(E2E_TOKEN);
  expect(page.url()).not.toContain('token=');
  await expect(page.getByTestId('runs-empty')).toBeVisible();
  await ui.screenshot('01-runs-empty');

  // the bundled hello example: add, build, watch the compiler output
  await ui.open('projects');
  await expect(page.getByTestId('projects-empty')).toBeVisible();
  const helloId = await ui.addExample('hello');
  await ui.buildCurrentProject();
  await expect(page.getByTestId('build-log').getByTestId('log-line').first()).toBeVisible();
  await expect(page.getByTestId('build-log')).toContainText('build succeeded');
  await ui.screenshot('02-project-built');

  // a key, whose secret is shown once
  const secret = await ui.createKey('e2e');
  expect(secret).toMatch(/^slk_[0-9A-Za-z]{36}$/);
  await ui.screenshot('03-key-secret');
  await page.getByTestId('key-done').click();
  await expect(page.getByTestId('key-secret')).toHaveCount(0);
  await expect(page.getByTestId('key-row').filter({ hasText: 'e2e' })).toContainText(secret.slice(0, 12));
  expect(await page.content()).not.toContain(secret);

  // a oneShot run whose lines appear while it is still running
  await ui.open('projects');
  await ui.projectRow('hello').click();
  await ui.startRun('oneShot', ['first-arg', 'lines:3', 'sleep:4', 'stderr:late-warning']);
  await expect(ui.logLines().filter({ hasText: '[0] first-arg' })).toBeVisible({ timeout: 10_000 });
  await expect(ui.runState()).toHaveAttribute('data-state', 'running');
  await expect(ui.logLines().filter({ hasText: 'line 2' })).toBeVisible();
  await expect(ui.runState()).toHaveAttribute('data-state', 'succeeded', { timeout: 20_000 });
  await expect(page.locator('[data-testid="log-line"][data-stream="stderr"]')).toHaveText(/late-warning/);
  await expect(ui.logLines().filter({ hasText: '[3] stderr:late-warning' })).toHaveAttribute('data-stream', 'stdout');
  await page.getByTestId('log-search').fill('line ');
  await expect(page.getByTestId('log-match-count')).toHaveText('1/3');
  await expect(page.locator('.log-line mark').first()).toHaveText('line ');
  await ui.screenshot('04-run-detail-oneshot');

  // the echo service, made public so a browser can open its pages
  const echoId = await ui.addExample('echo-service');
  await ui.buildCurrentProject();
  await page.getByTestId('setting-public').check();
  await page.getByTestId('save-settings').click();
  await expect(page.getByTestId('project-settings')).toContainText('Saved');
  const serviceRunId = await ui.startRun('service');
  await expect(ui.runState()).toHaveAttribute('data-state', 'running', { timeout: 20_000 });
  const proxyUrl = (await page.getByTestId('proxy-url').textContent())!;
  expect(proxyUrl).toMatch(new RegExp(`/instances/${serviceRunId}/api/$`));
  // the key created above in this tab, not a placeholder that answers 401
  await expect(page.getByTestId('proxy-curl-code')).toContainText(`X-API-Key: ${secret}`);
  await expect
    .poll(async () => (await request.get(`${proxyUrl}hello`, { headers: { 'X-API-Key': secret } })).status(), {
      timeout: 15_000,
    })
    .toBe(200);
  expect(await (await request.get(`${proxyUrl}hello`, { headers: { 'X-API-Key': secret } })).text()).toBe(
    `Hello from run ${serviceRunId}\n`,
  );
  await ui.screenshot('05-run-detail-service');

  // a page served by the user's service cannot use the console's session or read its secrets
  const servicePage = await page.context().newPage();
  await servicePage.goto(`${proxyUrl}index.html`);
  await expect(servicePage.locator('#run')).toHaveText(`Run ${serviceRunId}`);
  const probe = await servicePage.evaluate(async () => {
    const out: Record<string, string> = { origin: String(window.origin) };
    try {
      const res = await fetch('/console/api/keys', { credentials: 'include' });
      out.keys = `${res.status} ${(await res.text()).slice(0, 80)}`;
    } catch (err) {
      out.keys = `blocked: ${(err as Error).name}`;
    }
    try {
      out.cookie = document.cookie;
    } catch (err) {
      out.cookie = `blocked: ${(err as Error).name}`;
    }
    try {
      out.storage = String(window.localStorage.length);
    } catch (err) {
      out.storage = `blocked: ${(err as Error).name}`;
    }
    return out;
  });
  expect(probe.origin).toBe('null');
  expect(probe.keys).not.toContain('"keys"');
  expect(probe.keys).toMatch(/^(blocked|401)/);
  expect(probe.cookie).not.toContain('swiftlambda_console');
  expect(probe.storage).toMatch(/^blocked/);
  await servicePage.close();

  // stop it from the run page
  await page.getByTestId('stop-run').click();
  await expect(ui.runState()).toHaveAttribute('data-state', 'stopped', { timeout: 10_000 });
  expect((await request.get(`${proxyUrl}hello`, { headers: { 'X-API-Key': secret } })).status()).toBe(409);

  // the runs list shows both, newest first, and filters by project
  await ui.open('runs');
  await expect(page.getByTestId('run-row')).toHaveCount(2);
  await expect(page.getByTestId('run-row').first()).toHaveAttribute('data-run-id', serviceRunId);
  await page.getByTestId('filter-project').selectOption(helloId);
  await expect(page.getByTestId('run-row')).toHaveCount(1);
  await page.getByTestId('filter-project').selectOption('');
  await ui.screenshot('06-runs');
  expect(echoId).not.toBe(helloId);

  // revoke the key: the next curl gets 401
  await ui.open('keys');
  await page.getByTestId('key-row').filter({ hasText: 'e2e' }).getByTestId('revoke-key').click();
  await page.getByTestId('confirm-revoke').click();
  await expect(page.getByTestId('key-row').filter({ hasText: 'e2e' }).getByTestId('key-status')).toHaveAttribute(
    'data-state',
    'revoked',
  );
  const after = await request.get(`/lambdas/${helloId}/runs`, { headers: { 'X-API-Key': secret } });
  expect(after.status()).toBe(401);
  expect((await after.json()).reason).toBe('revoked_api_key');
  await ui.screenshot('07-keys');
});
