// Issue 27: the console's Debug button and the run page's debugger panel. The project has only a
// release configuration and no build: Debug switches it to debug builds, builds, starts the debug
// run and opens its page, which shows the lldb command and launch.json with copy buttons and the
// debugger's state live as the image's lldb attaches and the program runs to its end.
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { E2E_TOKEN } from './playwright.config.js';
import { ConsolePage } from './pages/console-page.js';
import { ProjectPage } from './pages/project-page.js';
import { RunPage } from './pages/run-page.js';

const HELLO = fileURLToPath(new URL('../resources/examples/hello', import.meta.url));
const IMAGE = process.env.SWIFTLAMBDA_DEFAULT_IMAGE ?? 'swiftlambda/swift:6.0-trixie-git';
const auth = { Authorization: `Bearer ${E2E_TOKEN}` };
const BUILD_MS = 5 * 60_000;

let projectId = '';
let lldb: ChildProcess | undefined;

test.afterAll(async ({ request }) => {
  lldb?.kill('SIGKILL');
  if (projectId)
    expect((await request.delete(`/console/api/projects/${projectId}`, { headers: auth })).status()).toBe(204);
});

test('Debug builds debug, starts the run, and its page follows the debugger', async ({ page, request, context }) => {
  test.setTimeout(BUILD_MS + 3 * 60_000);
  const res = await request.post('/console/api/projects', {
    headers: auth,
    data: { name: 'debug-hello', sourcePath: HELLO, targetName: 'hello', runTimeoutSeconds: 60 },
  });
  expect(res.status(), await res.text()).toBe(201);
  projectId = (await res.json()).project.id as string;

  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await new ConsolePage(page).signIn(E2E_TOKEN);
  await new ProjectPage(page).open(projectId);
  await page.getByTestId('debug-button').click();
  const dialog = page.getByTestId('debug-run-dialog');
  await expect(dialog).toContainText('switches to debug builds and builds first');
  await dialog.getByTestId('debug-mode-oneShot').check();
  await expect(dialog.getByTestId('debug-timeout')).toHaveValue('1800');
  await dialog.getByTestId('confirm-debug-run').click();

  const run = new RunPage(page);
  await expect(run.root()).toBeVisible({ timeout: BUILD_MS });
  const runId = (await run.root().getAttribute('data-run-id'))!;
  const panel = run.root().getByTestId('debug-panel');
  await expect(panel.getByTestId('debug-state')).toHaveText('waiting');
  const lldbLine = panel.getByTestId('debug-lldb');
  await expect(lldbLine).toContainText("-o 'platform select remote-linux'");
  const port = /gdb-remote 127\.0\.0\.1:(\d+)/.exec((await lldbLine.textContent())!)![1]!;
  await panel.getByTestId('copy-debug-lldb').click();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(await lldbLine.textContent());
  const launch = JSON.parse((await panel.getByTestId('debug-vscode').textContent())!);
  expect(launch.configurations.map((c: { type: string }) => c.type)).toEqual(['swift', 'lldb']);
  await panel.getByTestId('copy-debug-vscode').click();
  expect(JSON.parse(await page.evaluate(() => navigator.clipboard.readText()))).toEqual(launch);
  const project = (await (await request.get(`/console/api/projects/${projectId}`, { headers: auth })).json()).project;
  expect(project.buildConfiguration).toBe('debug');

  // the image's lldb attaches: the page says so without a reload; then the program runs to its end
  const binary = launch.configurations[0].program as string;
  lldb = spawn(
    'docker',
    [
      'run',
      '--rm',
      '-i',
      '--network',
      'host',
      '-v',
      `${dirname(binary)}:${dirname(binary)}:ro`,
      IMAGE,
      '/usr/libexec/swift/bin/lldb',
    ],
    {
      stdio: ['pipe', 'ignore', 'ignore'],
    },
  );
  lldb.stdin!.write(`platform select remote-linux\ntarget create ${binary}\ngdb-remote 127.0.0.1:${port}\n`);
  await expect(panel.getByTestId('debug-state')).toHaveText('attached', { timeout: 60_000 });
  lldb.stdin!.write('process handle SIGSTOP -s false -n false -p false\ncontinue\n');
  await expect(run.state()).toHaveAttribute('data-state', 'succeeded', { timeout: 60_000 });
  await expect(run.root().getByText('Hello from SwiftLambda!')).toBeVisible();
  lldb.stdin!.end('quit\n');
  const detail = (await (await request.get(`/console/api/runs/${runId}`, { headers: auth })).json()).run;
  expect(detail.debug.port).toBe(Number(port));
});
