import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect, RawStation, waitForHydration, watchConsole, whenAttribute } from './fixtures';

const SCREENSHOTS = join(import.meta.dirname, '..', 'screenshots');

test.describe('open registration', () => {
  test.use({ centraleArgs: ['--registration', 'open'] });

  test('a station appears live, its connector turns Charging, then it goes offline', async ({ page, centrale }) => {
    const errors = watchConsole(page);
    await page.goto(centrale.url + '/stations');
    await expect(page.getByTestId('stations-empty')).toBeVisible();
    await waitForHydration(page);
    await expect(page.locator('.link-badge')).toHaveAttribute('data-state', 'live');

    const station = await RawStation.connect(centrale, 'E2E-ST-1');
    await station.call('b1', 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'Wallbox 22', firmwareVersion: '1.4.2' });
    const row = page.getByTestId('station-E2E-ST-1');
    await expect(row).toContainText('online');
    await expect(row).toContainText('Acme Wallbox 22');
    await expect(page.getByTestId('stat-online')).toHaveText('1');

    await station.call('s1', 'StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available' });
    const badge = page.getByTestId('connector-E2E-ST-1-1');
    await expect(badge).toHaveAttribute('data-status', 'Available');
    // Status-to-screen latency: from sending the frame to the badge changing in the DOM
    // (recorded in the page by a MutationObserver, so test polling does not count).
    const latencies: number[] = [];
    for (const [n, status] of ['Charging', 'SuspendedEV', 'Charging', 'SuspendedEVSE', 'Charging'].entries()) {
      const seen = await whenAttribute(page, '[data-testid="connector-E2E-ST-1-1"]', 'data-status', status);
      const sent = Date.now();
      await station.call(`s2-${n}`, 'StatusNotification', { connectorId: 1, errorCode: 'NoError', status });
      latencies.push((await seen()) - sent);
    }
    await expect(badge).toHaveAttribute('data-status', 'Charging');
    console.log(`StatusNotification -> badge on the Stations page: ${latencies.map((l) => l.toFixed(1)).join(', ')} ms`);
    await expect(page.getByTestId('stat-charging')).toHaveText('1');

    await station.call('s3', 'StatusNotification', { connectorId: 2, errorCode: 'GroundFailure', status: 'Faulted', info: 'RCD tripped' });
    const faulted = page.getByTestId('connector-E2E-ST-1-2');
    await expect(faulted).toHaveAttribute('data-status', 'Faulted');
    await expect(faulted).toHaveAttribute('title', 'GroundFailure (RCD tripped)');
    await expect(page.getByTestId('stat-faulted')).toHaveText('1');

    // Filters work in the browser.
    await page.getByLabel('Filter by status').selectOption('Faulted');
    await expect(row).toBeVisible();
    await page.getByLabel('Filter stations').fill('nothing-matches');
    await expect(row).toHaveCount(0);
    await page.getByLabel('Filter stations').fill('');
    await page.getByLabel('Filter by status').selectOption('');

    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, 'stations.png'), fullPage: true });

    await station.close();
    await expect(row).toContainText('offline');
    await expect(page.getByTestId('stat-online')).toHaveText('0');
    expect(errors).toEqual([]);
  });
});

test('a pending station is accepted with a click and then boots Accepted', async ({ page, centrale }) => {
  const errors = watchConsole(page);
  const station = await RawStation.connect(centrale, 'E2E-PENDING');
  const boot = await station.call('b1', 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'M' });
  expect(boot[2].status).toBe('Pending');

  await page.goto(centrale.url + '/stations');
  await waitForHydration(page);
  const row = page.getByTestId('station-E2E-PENDING');
  await expect(row.locator('.registration')).toHaveText('Pending');
  await expect(page.getByTestId('stat-pending')).toHaveText('1');
  await row.getByRole('button', { name: 'Accept' }).click();
  await expect(row.locator('.registration')).toHaveText('Accepted');

  // Centrale asks the station to boot again at once; it does, and is accepted.
  await expect.poll(() => station.received.find((m: any) => m[0] === 2 && m[2] === 'TriggerMessage')).toBeTruthy();
  const trigger: any = station.received.find((m: any) => m[0] === 2 && m[2] === 'TriggerMessage');
  expect(trigger[3]).toEqual({ requestedMessage: 'BootNotification' });
  station.socket.send(JSON.stringify([3, trigger[1], { status: 'Accepted' }]));
  const again = await station.call('b2', 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'M' });
  expect(again[2].status).toBe('Accepted');
  await expect(page.getByTestId('stat-pending')).toHaveText('0');
  expect(errors).toEqual([]);
  await station.close();
});
