import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from '@playwright/test';

// The e2e suite drives the real console in Debian's Chromium against the real server (started
// here the way `npm start` starts it, on its own port and a fresh data dir), the real Docker
// engine and the Swift examples.
const port = Number(process.env.E2E_PORT ?? 7491);
const dataDir = process.env.E2E_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'swiftlambda-e2e-'));
process.env.E2E_DATA_DIR = dataDir;
export const E2E_TOKEN = 'e2e-console-token-0123456789';

export default defineConfig({
  testDir: '.',
  testMatch: '**/*.spec.ts',
  // per test (a Swift build on 2 busy cores takes minutes), and for the whole run, so it cannot hang
  timeout: 240_000,
  globalTimeout: 30 * 60_000,
  expect: { timeout: 20_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  outputDir: '../test-results',
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    viewport: { width: 1360, height: 860 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    },
  },
  webServer: {
    command: `node ../dist/server/main.js --port ${port} --data-dir ${dataDir}`,
    url: `http://127.0.0.1:${port}/`,
    reuseExistingServer: false,
    timeout: 30_000,
    stdout: 'ignore',
    stderr: 'pipe',
    env: {
      SWIFTLAMBDA_DEFAULT_IMAGE: process.env.SWIFTLAMBDA_DEFAULT_IMAGE || 'swiftlambda/swift:6.0-trixie-git',
      SWIFTLAMBDA_CONSOLE_TOKEN: E2E_TOKEN,
    },
  },
});
