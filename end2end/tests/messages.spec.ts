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

  // The filter is the database's, and in the address.
  await page.getByLabel('Filter by action').fill('BootNotification');
  await page.getByLabel('Filter by action').press('Enter');
  await expect(page).toHaveURL(/\?action=BootNotification$/);
  await expect(frames).toHaveCount(2);
  await page.goBack();
  await expect(page).toHaveURL(/\/messages$/);
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

test('the message log pages back to older frames and filters CALLERRORs, its state in the address', async ({ page, centrale }) => {
  const errors = watchConsole(page);
  const station = await RawStation.connect(centrale, 'E2E-PAGES');
  await station.call('boot', 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'Pager' });
  for (let n = 0; n < 60; n++) await station.call(`hb-${n}`, 'Heartbeat', {});
  // A frame the station garbles: its CALLERROR.
  station.socket.send('[2,"broken","Heartbeat",[]]');
  await expect.poll(() => station.received.some((m: any) => m[1] === 'broken')).toBe(true);
  const other = await RawStation.connect(centrale, 'E2E-OTHER');
  await other.call('hb', 'Heartbeat', {});
  // 124 frames of E2E-PAGES are written once the log's writer has caught up.
  await expect.poll(async () => (await (await centrale.api('/api/messages?station=E2E-PAGES&limit=1000')).json()).length,
    { timeout: 10_000 }).toBe(124);

  await page.goto(centrale.url + '/messages?station=E2E-PAGES');
  await waitForHydration(page);
  const frames = page.getByTestId('frame');
  await expect(frames).toHaveCount(100);
  await expect(frames.first()).toContainText('CALLERROR');
  await expect(page.getByTestId('messages-newest')).toHaveCount(0);
  await page.getByTestId('messages-older').click();
  await expect(page).toHaveURL(/\/messages\?station=E2E-PAGES&before=\d+$/);
  await expect(frames).toHaveCount(24);
  await expect(frames.last()).toContainText('BootNotification');
  await expect(page.getByTestId('messages-older')).toHaveCount(0);
  await page.goBack();
  await expect(frames).toHaveCount(100);

  await page.getByLabel('Only CALLERRORs').check();
  await expect(page).toHaveURL(/errors=true/);
  await expect(frames).toHaveCount(1);
  await expect(frames.first()).toContainText('broken');
  // Any station's: the other one sent none.
  await page.getByLabel('Station').fill('E2E-OTHER');
  await page.getByLabel('Station').press('Enter');
  await expect(page.getByTestId('messages-empty')).toBeVisible();

  await station.close();
  await other.close();
  expect(errors).toEqual([]);
});
