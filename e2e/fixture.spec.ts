// Issue 18, dogfood: the `swiftlambda-local/playwright` fixture a user's suite would use, with an
// emulator of its own (not the console server the other specs share).
import { fileURLToPath } from 'node:url';
import { expect, test } from 'swiftlambda-local/playwright';

test.use({
  swiftlambdaOptions: {
    projects: {
      echo: {
        path: fileURLToPath(new URL('../resources/examples/echo-service', import.meta.url)),
        target: 'echo-service',
        runTimeoutSeconds: 600,
      },
    },
    image: process.env.SWIFTLAMBDA_DEFAULT_IMAGE || 'swiftlambda/swift:6.0-trixie-git',
  },
});

test('the fixture builds the echo service; a service run answers through the proxy', async ({
  swiftlambda,
  request,
}) => {
  expect(swiftlambda.projects.echo).toMatch(/^[0-9a-f-]{36}$/);
  const service = await swiftlambda.startService('echo');
  expect(service.url).toBe(`${swiftlambda.url}/instances/${service.runId}/api/`);
  const headers = { 'X-API-Key': swiftlambda.apiKey };

  const hello = await request.get(`${service.url}hello`, { headers });
  expect(hello.status()).toBe(200);
  expect(await hello.text()).toBe(`Hello from run ${service.runId}\n`);
  const echoed = await request.post(`${service.url}echo`, { headers, data: { message: 'from the fixture' } });
  expect(echoed.status()).toBe(200);
  expect(await echoed.text()).toContain('from the fixture');

  // the same public API as the hosted platform: the run is listed, and stopping it ends it
  const runs = await request.get(`${swiftlambda.url}/lambdas/${swiftlambda.projects.echo}/runs`, { headers });
  expect((await runs.json()).runs.map((r: { uuid: string }) => r.uuid)).toContain(service.runId);
  await service.stop();
  expect((await request.get(`${service.url}hello`, { headers })).status()).toBe(409);
});
