// Issue 31: the Function URL of an AWS Lambda mode project in the console: its address, a curl
// command with a real key that works as copied, and the call in the invocations with its method,
// path and status. Uses resources/examples/aws-http (one Swift build).
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { E2E_TOKEN } from './playwright.config.js';
import { ConsoleApi } from './pages/console-api.js';
import { ConsolePage } from './pages/console-page.js';
import { ProjectPage } from './pages/project-page.js';

const AWS_HTTP = fileURLToPath(new URL('../resources/examples/aws-http', import.meta.url));

let api: ConsoleApi;
test.beforeAll(({ playwright }) =>
  playwright.request.newContext({ baseURL: test.info().project.use.baseURL }).then((request) => {
    api = new ConsoleApi(request, E2E_TOKEN);
  }),
);
test.afterAll(async () => {
  await api.cleanUp();
  await api.request.dispose();
});

test('the Function URL: its address, a curl command with a key that answers, the call in the invocations', async ({
  page,
  baseURL,
}) => {
  test.setTimeout(10 * 60_000);
  const id = await api.createProject({
    name: 'console-aws-http',
    sourcePath: AWS_HTTP,
    targetName: 'aws-http',
    runtime: 'awsLambda',
  });
  const ui = new ConsolePage(page);
  await ui.signIn(E2E_TOKEN);
  await new ProjectPage(page).open(id);
  await ui.buildCurrentProject();

  const panel = page.getByTestId('function-url');
  await expect(panel.getByTestId('function-url-address')).toHaveText(`${baseURL}/lambda-url/${id}/`);
  const snippet = panel.getByTestId('function-url-curl');
  await snippet.getByTestId('snippet-create-key').click();
  await expect(snippet).toHaveAttribute('data-has-secret', 'true');
  api.adoptKey((await snippet.getAttribute('data-key-id'))!);
  const code = (await panel.getByTestId('function-url-curl-code').textContent())!;
  const call = /curl -i '(\S+\/hello\?name=Swift)' \\\n\s+-H "X-API-Key: (slk_\w+)"/.exec(code);
  expect(call, code).not.toBeNull();
  const res = await api.request.get(call![1]!, { headers: { 'X-API-Key': call![2]! } });
  expect(res.status()).toBe(201);
  expect(res.headers()['x-hello']).toBe('world');
  expect(await res.text()).toBe('Hello, Swift!\n');

  const row = page.getByTestId('invocation-row').first();
  await expect(row).toHaveAttribute('data-request-id', res.headers()['x-amzn-requestid']!);
  await expect(row.getByTestId('invocation-call')).toHaveText('GET /hello');
  await expect(page.getByTestId('invocation-http')).toHaveText('GET /hello?name=Swift → 201');
  await ui.screenshot('console-function-url');
});
