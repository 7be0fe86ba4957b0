import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect, RawStation, waitForHydration, watchConsole } from './fixtures';

const SCREENSHOTS = join(import.meta.dirname, '..', 'screenshots');

test.use({ centraleArgs: ['--registration', 'open'] });

test('the message log shows frames live, expands their JSON, filters by action, pauses and resumes', async ({ page, centrale }) => {
  const errors = watchConsole(page);
  await page.goto(centrale.url + '/messages');
  await waitForHydration(page);
  await expect(page.locator('.link-badge')).toHaveAttribute('data-state', 'live');
  await expect(page.getByTestId('messages-empty')).toBeVisible();

  const station = await RawStation.connect(centrale, 'E2E-LOG');
  await station.call('boot-1', 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'Logger' });
  await station.call('hb-1', 'Heartbeat', {});
  const frames = page.getByTestId('frame');
  const heartbeatIn = page.locator('[data-testid="frame"][data-action="Heartbeat"][data-direction="in"]');
  await expect(heartbeatIn).toHaveCount(1);
  await expect(page.locator('[data-testid="frame"][data-action="Heartbeat"][data-direction="out"]')).toHaveCount(1);
  await expect(frames).toHaveCount(4);
  // Newest first: the answer to the heartbeat.
  await expect(frames.first()).toContainText('CALLRESULT');
  await expect(frames.first()).toContainText('E2E-LOG');

  await heartbeatIn.click();
  await expect(page.getByTestId('frame-json')).toContainText('"hb-1"');
  await expect(page.getByTestId('frame-json')).toContainText('"Heartbeat"');

  await page.getByLabel('Filter by action').selectOption('BootNotification');
  await expect(frames).toHaveCount(2);
  await page.getByLabel('Filter by action').selectOption('');
  await expect(frames).toHaveCount(4);

  await page.getByRole('button', { name: 'Pause' }).click();
  await station.call('hb-2', 'Heartbeat', {});
  await expect(page.getByRole('button', { name: 'Resume (2 new)' })).toBeVisible();
  await expect(frames).toHaveCount(4);
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, 'messages.png'), fullPage: true });
  await page.getByRole('button', { name: 'Resume (2 new)' }).click();
  await expect(frames).toHaveCount(6);

  // A reload shows the same frames, from the database.
  await page.reload();
  await waitForHydration(page);
  await expect(frames).toHaveCount(6);
  await station.close();
  expect(errors).toEqual([]);
});
