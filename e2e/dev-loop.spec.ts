// Issue 15: the development loop in the console. Watch is turned on for a project on a temporary
// copy of the echo service; the test edits the file as an editor would and sees the new version
// answer on the dev URL the page shows, then saves a compile error and sees it in Problems.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type APIRequestContext } from '@playwright/test';
import { E2E_TOKEN } from './playwright.config.js';
import { ConsolePage } from './pages/console-page.js';
import { ProjectPage } from './pages/project-page.js';

const ECHO = fileURLToPath(new URL('../resources/examples/echo-service', import.meta.url));
const DOCS_SCREENSHOT = fileURLToPath(new URL('../docs/screenshot-dev-loop.png', import.meta.url));
const auth = { Authorization: `Bearer ${E2E_TOKEN}` };
/** a Swift build on 2 busy cores */
const BUILD_MS = 5 * 60_000;

let workDir = '';
let projectId = '';

test.afterAll(async ({ request }) => {
  // the project goes with its runs, so the other specs see the console as they left it
  if (projectId)
    expect((await request.delete(`/console/api/projects/${projectId}`, { headers: auth })).status()).toBe(204);
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

async function devAnswer(request: APIRequestContext, url: string): Promise<string> {
  const res = await request.get(url, { headers: auth });
  return res.ok() ? res.text() : `${res.status()}`;
}

test('watch on: a save answers on the dev URL, a compile error shows in Problems with its file and line', async ({
  page,
  request,
}) => {
  test.setTimeout(15 * 60_000);
  workDir = await mkdtemp(join(tmpdir(), 'swiftlambda-e2e-dev-'));
  const source = join(workDir, 'echo-service');
  await cp(ECHO, source, { recursive: true });
  const main = join(source, 'Sources/echo-service/main.swift');

  const ui = new ConsolePage(page);
  const project = new ProjectPage(page);
  await ui.signIn(E2E_TOKEN);
  projectId = await ui.createProject('echo-dev-loop', source, 'echo-service');
  // the New project form's development deadline, kept in the settings
  await expect(page.getByTestId('setting-dev-timeout')).toHaveValue('3600');
  await project.saveSettings({ stopGraceSeconds: 2 });
  await project.setWatch(true);
  // a release project with watch on is offered debug builds, which rebuild faster
  await page.getByTestId('use-debug-builds').click();
  await expect(page.getByTestId('offer-debug')).toHaveCount(0);
  await expect(page.getByTestId('dev-watching')).toContainText('Every save builds (debug)');

  // the first build, with its progress while it runs; Watch then starts a service run behind the dev URL
  await page.getByTestId('build-button').click();
  await expect(page.getByTestId('build-log-progress')).toBeVisible({ timeout: BUILD_MS });
  await expect(page.getByTestId('compilation-state').first()).toHaveAttribute('data-state', 'succeeded', {
    timeout: BUILD_MS,
  });
  const firstRun = await project.firstServedRun();
  const devUrl = await project.devUrl();
  expect(devUrl).toBe(`${new URL(page.url()).origin}/dev/${projectId}/api/`);
  await expect(page.getByTestId('serving-run-url')).toHaveText(
    `${new URL(page.url()).origin}/instances/${firstRun}/api/`,
  );
  await expect
    .poll(() => devAnswer(request, `${devUrl}hello`), { timeout: 60_000 })
    .toBe(`Hello from run ${firstRun}\n`);

  // a save: the loop rebuilds, and the dev URL answers from a new run that replaced the first
  await writeFile(main, (await readFile(main, 'utf8')).replaceAll('Hello from run', 'Howdy from run'));
  await expect.poll(() => devAnswer(request, `${devUrl}hello`), { timeout: BUILD_MS }).toMatch(/^Howdy from run /);
  await expect(project.servingRun()).not.toHaveAttribute('data-run-id', firstRun);
  const secondRun = (await project.servingRun().getAttribute('data-run-id'))!;
  expect(await devAnswer(request, `${devUrl}hello`)).toBe(`Howdy from run ${secondRun}\n`);
  await expect(project.runReplacing(firstRun.slice(0, 8))).toBeVisible();
  await expect(page.getByTestId('problems')).toContainText('none reported');

  // a compile error: listed with its file and line, linked to the editor; the previous version keeps serving
  const text = await readFile(main, 'utf8');
  const line = text.split('\n').findIndex((l) => l.startsWith('let runID =')) + 1;
  await writeFile(main, text.replace('let runID =', 'let broken: Int = "nope"\nlet runID ='));
  await expect(project.problems()).toHaveCount(1, { timeout: BUILD_MS });
  const problem = project.problems().first();
  await expect(problem).toHaveAttribute('data-severity', 'error');
  await expect(problem.getByTestId('problem-location')).toHaveText(
    new RegExp(`^Sources/echo-service/main\\.swift:${line}:\\d+$`),
  );
  await expect(problem.getByTestId('problem-location')).toHaveAttribute(
    'href',
    new RegExp(`^vscode://file${main.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${line}:\\d+$`),
  );
  await expect(problem).toContainText("cannot convert value of type 'String'");
  await expect(project.loopProblem()).toContainText('the previous version keeps serving');
  expect(await devAnswer(request, `${devUrl}hello`)).toBe(`Howdy from run ${secondRun}\n`);
  await ui.screenshot('dev-loop');
  if (process.env.UPDATE_DOCS_SCREENSHOTS) await page.screenshot({ path: DOCS_SCREENSHOT });

  // at 800×600 the loop's controls are in view and nothing scrolls sideways
  await page.setViewportSize({ width: 800, height: 600 });
  await page.locator('.content').evaluate((el) => el.scrollTo(0, 0));
  for (const id of ['watch-switch', 'dev-url', 'copy-dev-url', 'serving-run-link'])
    await expect(page.getByTestId(id)).toBeInViewport();
  expect(await page.locator('.content').evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(0);
  await ui.screenshot('dev-loop-800x600');

  await project.setWatch(false);
});
