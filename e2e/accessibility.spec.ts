// Issue 29: every console page has no serious or critical axe-core violation (WCAG 2 A/AA), in the
// light and the dark theme: the runs, projects, project, run and keys pages, with data on them.
// Runs use /usr/bin/sleep imported as the binary. Everything made here is deleted afterwards.
import { fileURLToPath } from 'node:url';
import { AxeBuilder } from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { E2E_TOKEN } from './playwright.config.js';
import { ConsoleApi } from './pages/console-api.js';
import { ConsolePage } from './pages/console-page.js';
import { ProjectPage } from './pages/project-page.js';
import { RunPage } from './pages/run-page.js';

const HELLO = fileURLToPath(new URL('../resources/examples/hello', import.meta.url));

test.describe.configure({ mode: 'serial' });

let api: ConsoleApi;
let projectId = '';
let runId = '';
let endedRunId = '';
test.beforeAll(async ({ playwright }) => {
  const request = await playwright.request.newContext({ baseURL: test.info().project.use.baseURL });
  api = new ConsoleApi(request, E2E_TOKEN);
  projectId = await api.createProject({ name: 'axe-check', sourcePath: HELLO, targetName: 'hello' });
  await api.importBinary(projectId, '/usr/bin/sleep');
  await expect
    .poll(async () => (endedRunId = await api.startRun(projectId, ['0']).catch(() => '')), { timeout: 30_000 })
    .not.toBe('');
  runId = await api.startRun(projectId, ['120']);
  await api.request.post(`/console/api/projects/${projectId}/schedules`, {
    headers: api.headers,
    data: { cron: '0 3 * * *', arguments: ['nightly'] },
  });
  await api.request.post('/console/api/keys', { headers: api.headers, data: { name: 'axe key', expiresInDays: 30 } });
});
test.afterAll(async () => {
  await api.request.post(`/lambdas/${projectId}/runs/${runId}/stop`, { headers: api.headers });
  await api.cleanUp();
  await api.request.dispose();
});

/** The serious and critical violations on the page as it is now, one line each. */
async function violations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) =>
      v.nodes.map((n) => `${v.id} (${v.impact}): ${n.target.join(' ')} — ${n.failureSummary?.split('\n')[1] ?? ''}`),
    );
}

for (const scheme of ['light', 'dark'] as const) {
  test(`no serious or critical axe violation on any page (${scheme})`, async ({ page }) => {
    await page.emulateMedia({ colorScheme: scheme });
    const console_ = new ConsolePage(page);
    await console_.signIn(E2E_TOKEN);
    const found: Record<string, string[]> = {};

    await console_.open('runs');
    await expect(page.getByTestId('run-row').first()).toBeVisible();
    found.runs = await violations(page);

    await console_.open('projects');
    await expect(console_.projectRow('axe-check')).toBeVisible();
    found.projects = await violations(page);

    await new ProjectPage(page).open(projectId);
    await expect(page.getByTestId('schedule-row')).toHaveCount(1);
    found.project = await violations(page);

    const run = new RunPage(page);
    await run.open(projectId, runId);
    await expect(page.getByTestId('terminal-panel')).toBeVisible();
    found.run = await violations(page);
    await run.open(projectId, endedRunId);
    found.endedRun = await violations(page);

    await console_.open('keys');
    await expect(page.getByTestId('key-row').first()).toBeVisible();
    found.keys = await violations(page);

    expect(found).toEqual({ runs: [], projects: [], project: [], run: [], endedRun: [], keys: [] });
  });
}
