import { defineConfig } from '@playwright/test';

// Each test starts its own Centrale (see tests/fixtures.ts), so tests run in parallel safely.
export default defineConfig({
  testDir: './tests',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  workers: 2,
  forbidOnly: !!process.env.CI,
  // The JSON report feeds the summary of failures make test prints last (failures.mjs).
  reporter: [['list'], ['json', { outputFile: 'report.json' }]],
  outputDir: 'test-results',
  use: {
    browserName: 'chromium',
    headless: true,
    launchOptions: {
      // Debian's Chromium; Playwright downloads no browser of its own here.
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
});
