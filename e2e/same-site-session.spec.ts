// Issue 23: a page on another local port is same-site with the console (cookies ignore ports), so
// Chromium sends the SameSite=Strict session cookie with its <img>, <script> and no-cors fetch,
// without an Origin. The emulator must refuse those (Sec-Fetch-Site: same-site) on the proxy and
// the dev URL, and still serve the console's own page. And Copy as curl never prints a redacted
// value. The service is this machine's node, imported as a prebuilt binary: no Swift build.
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { E2E_TOKEN } from './playwright.config.js';
import { ConsoleApi } from './pages/console-api.js';
import { ConsolePage } from './pages/console-page.js';
import { RunPage } from './pages/run-page.js';

const ECHO = fileURLToPath(new URL('../resources/examples/echo-service', import.meta.url));
/** answers every call with its method and path */
const SERVICE = "require('http').createServer((q,s)=>s.end(q.method+' '+q.url)).listen(+process.env.PORT,'0.0.0.0')";

type Logged = { path: string; status: number; reason: string | null; via: string };

test.describe.configure({ mode: 'serial' });

let api: ConsoleApi;
let other: http.Server | undefined;
let projectId: string;
let runId: string;
test.beforeAll(async ({ playwright }) => {
  const baseURL = test.info().project.use.baseURL!;
  const request = await playwright.request.newContext({ baseURL });
  api = new ConsoleApi(request, E2E_TOKEN);
  projectId = await api.createProject({ name: 'same-site-probe', sourcePath: ECHO, targetName: 'echo-service' });
  await api.importBinary(projectId, process.execPath);
  await expect
    .poll(
      async () =>
        (
          await api.request.post(`/lambdas/${projectId}/runs`, {
            headers: api.headers,
            data: { mode: 'service', arguments: ['-e', SERVICE] },
          })
        ).status(),
      { timeout: 30_000 },
    )
    .toBe(201);
  const runs = await api.request.get(`/lambdas/${projectId}/runs`, { headers: api.headers });
  runId = ((await runs.json()) as { runs: Array<{ uuid: string }> }).runs[0]!.uuid;
  await expect
    .poll(async () => (await api.request.get(`/instances/${runId}/api/ready`, { headers: api.headers })).status(), {
      timeout: 30_000,
    })
    .toBe(200);
});
test.afterAll(async () => {
  await new Promise((resolve) => (other ? other.close(resolve) : resolve(undefined)));
  await api.cleanUp();
  await api.request.dispose();
});

test('a same-site page on another port cannot use the console session on /instances or /dev; the console can', async ({
  page,
  baseURL,
}) => {
  const instance = `${baseURL}/instances/${runId}/api`;
  const dev = `${baseURL}/dev/${projectId}/api`;

  await new ConsolePage(page).signIn(E2E_TOKEN);

  // another site's page on 127.0.0.1, another port: same-site, cross-origin
  const html = `<!doctype html><title>other</title>
    <img src="${instance}/from-img"><img src="${dev}/from-dev-img">
    <script src="${instance}/from-script.js"></script>
    <script>
      Promise.allSettled([
        fetch('${instance}/from-fetch', { mode: 'no-cors', credentials: 'include' }),
        fetch('${dev}/from-dev-fetch', { mode: 'no-cors', credentials: 'include' }),
      ]).then(() => (document.title = 'done'));
    </script>`;
  other = http.createServer((_req, res) => res.end(html));
  await new Promise<void>((resolve) => other!.listen(0, '127.0.0.1', resolve));
  const otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}/`;
  await page.goto(otherUrl);
  await expect(page).toHaveTitle('done');

  // the request log shows what the emulator answered each load: 403, refused before the service
  const expected = ['/from-img', '/from-dev-img', '/from-script.js', '/from-fetch', '/from-dev-fetch'];
  const answered = async () => {
    const res = await api.request.get(`/console/api/runs/${runId}/requests?limit=50`, { headers: api.headers });
    const logged = ((await res.json()) as { requests: Logged[] }).requests;
    return expected.map((path) => {
      const r = logged.find((l) => l.path === path);
      return r ? `${path} ${r.status} ${r.reason}` : `${path} not yet`;
    });
  };
  await expect.poll(answered, { timeout: 10_000 }).toEqual(expected.map((p) => `${p} 403 forbidden_origin`));

  // the console's own page (same-origin) still uses its session on both URLs
  await page.goto('/');
  const own = await page.evaluate(
    async (urls) =>
      Promise.all(
        urls.map(async (u) => {
          const res = await fetch(u);
          return `${res.status} ${await res.text()}`;
        }),
      ),
    [`/instances/${runId}/api/from-console`, `/dev/${projectId}/api/from-console-dev`],
  );
  expect(own).toEqual(['200 GET /from-console', '200 GET /from-console-dev']);
});

test('Copy as curl reads redacted headers and query values from shell variables, and the command works', async ({
  page,
  context,
}) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const call = await api.request.get(`/instances/${runId}/api/orders?page=2&token=t-secret-1&api_key=k-secret-2`, {
    headers: { ...api.headers, 'Proxy-Authorization': 'Basic cHJveHk6c2VjcmV0', 'X-Trace': 'abc' },
  });
  expect(await call.text()).toBe('GET /orders?page=2&token=t-secret-1&api_key=k-secret-2');

  await new ConsolePage(page).signIn(E2E_TOKEN);
  const run = new RunPage(page);
  await run.open(projectId, runId);
  const row = run.requestRows().filter({ hasText: '/orders' });
  await expect(row).toContainText('token=[redacted]');
  const detail = await run.selectRequest(row);
  await expect(run.requestHeader('request', 'proxy-authorization')).toHaveText('[redacted]');
  await detail.getByTestId('request-copy-curl').click();
  const curl = await page.evaluate(() => navigator.clipboard.readText());
  for (const hidden of ['[redacted]', 't-secret-1', 'k-secret-2', 'cHJveHk6c2VjcmV0', E2E_TOKEN])
    expect(curl).not.toContain(hidden);
  expect(curl).toContain(`/orders?page=2&token='"$TOKEN"'&api_key='"$API_KEY"`);
  expect(curl).toContain(`-H 'Proxy-Authorization: '"$PROXY_AUTHORIZATION"`);
  expect(curl).toContain('-H "X-API-Key: $SWIFTLAMBDA_API_KEY"');

  const key = await api.request.post('/console/api/keys', { headers: api.headers, data: { name: 'curl probe' } });
  const created = (await key.json()) as { key: { id: string }; secret: string };
  api.adoptKey(created.key.id);
  const answer = execFileSync('sh', ['-c', `${curl} --fail-with-body --silent --show-error`], {
    env: { PATH: process.env.PATH, SWIFTLAMBDA_API_KEY: created.secret, TOKEN: 't-again', API_KEY: 'k-again' },
    encoding: 'utf8',
  });
  expect(answer).toBe('GET /orders?page=2&token=t-again&api_key=k-again');
});
