// Issue 26: the project settings pick Docker networks from the engine's list; a run's container
// joins them; a chosen network that is gone is marked. The network made here is removed afterwards.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { E2E_TOKEN } from './playwright.config.js';
import { ConsoleApi } from './pages/console-api.js';
import { ConsolePage } from './pages/console-page.js';
import { ProjectPage } from './pages/project-page.js';

const HELLO = fileURLToPath(new URL('../resources/examples/hello', import.meta.url));
const NETWORK = `swiftlambda-e2e-net-${Math.random().toString(36).slice(2, 8)}`;
const docker = (...args: string[]) =>
  execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

let api: ConsoleApi;
test.beforeAll(async ({ playwright }) => {
  api = new ConsoleApi(await playwright.request.newContext({ baseURL: test.info().project.use.baseURL }), E2E_TOKEN);
  docker('network', 'create', NETWORK);
});
test.afterAll(async () => {
  await api.cleanUp();
  await api.request.dispose();
  try {
    docker('network', 'rm', NETWORK);
  } catch {
    // already gone
  }
});

test('networks are picked in the settings, joined by runs, and a missing one is marked', async ({ page }) => {
  const projectId = await api.createProject({ name: 'networks-e2e', sourcePath: HELLO, targetName: 'hello' });
  await api.importBinary(projectId, '/usr/bin/sleep');
  await new ConsolePage(page).signIn(E2E_TOKEN);
  await new ProjectPage(page).open(projectId);

  const picker = page.getByTestId('setting-networks');
  // Docker's own networks are not offered: every run is on the bridge already
  await expect(picker.getByTestId(`network-${NETWORK}`)).toBeVisible();
  await expect(picker.getByTestId('network-host')).toHaveCount(0);
  await picker.getByTestId(`network-${NETWORK}`).check();
  await page.getByTestId('save-settings').click();
  await expect(page.getByTestId('project-settings').getByText('Saved')).toBeVisible();
  const stored = await api.request.get(`/console/api/projects/${projectId}`, { headers: api.headers });
  expect(((await stored.json()) as { project: { networks: string[] } }).project.networks).toEqual([NETWORK]);

  // a run's container is on the bridge and on the picked network
  const runId = await api.startRun(projectId, ['30']);
  await expect.poll(() => api.runState(projectId, runId), { timeout: 30_000 }).toBe('running');
  const container = docker('ps', '-q', '--filter', `label=swiftlambda.run=${runId}`);
  const networks = docker('inspect', '-f', '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}', container);
  expect(networks.split(' ').sort()).toEqual(['bridge', NETWORK].sort());
  await api.request.post(`/lambdas/${projectId}/runs/${runId}/stop`, { headers: api.headers });
  await expect.poll(() => api.runState(projectId, runId), { timeout: 30_000 }).toBe('stopped');

  // the network is removed: the setting stays, marked, until it is unticked
  docker('network', 'rm', NETWORK);
  await page.reload();
  await expect(page.getByTestId('setting-networks')).toContainText(`${NETWORK} · not on this machine`);
});
