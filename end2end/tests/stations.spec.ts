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

test.describe('a fleet of 2,000', () => {
  test.use({ centraleArgs: ['--registration', 'open'] });

  test('stations are paged, sorted and filtered by the server, the page state is in the URL and Back returns to it', async ({ page, centrale, simulator }) => {
    test.setTimeout(180_000);
    const errors = watchConsole(page);
    simulator.start(['--stations', '2000', '--ocpp', '1.6,2.0.1', '--id-prefix', 'FLEET-', '--ramp', '0.002']);
    await expect
      .poll(async () => (await (await centrale.api('/api/fleet')).json()).online, { timeout: 120_000, intervals: [1000] })
      .toBe(2000);

    const started = Date.now();
    await page.goto(centrale.url + '/stations');
    const rendered = Date.now();
    await waitForHydration(page);
    console.log(`/stations with 2,000 stations (debug build): served in ${rendered - started} ms, hydrated ${Date.now() - rendered} ms later`);
    await expect(page.getByTestId('stat-stations')).toHaveText('2000');
    await expect(page.getByTestId('stat-online')).toHaveText('2000');
    const rows = page.locator('table.stations tbody tr');
    const range = page.getByTestId('stations-range');
    await expect(rows).toHaveCount(50);
    await expect(range).toContainText('1–50 of 2000');
    await expect(rows.first()).toHaveAttribute('data-testid', 'station-FLEET-0001');

    // Next page: a new address, the next 50.
    await page.getByRole('link', { name: 'Next' }).click();
    await expect(page).toHaveURL(/\/stations\?page=2$/);
    await expect(range).toContainText('51–100 of 2000');
    await expect(rows.first()).toHaveAttribute('data-testid', 'station-FLEET-0051');

    // Sorting by id again turns the order round and starts from the first page.
    await page.getByTestId('sort-id').click();
    await expect(page).toHaveURL(/\/stations\?order=desc$/);
    await expect(page.locator('th[aria-sort="descending"]')).toContainText('Station');
    await expect(rows.first()).toHaveAttribute('data-testid', 'station-FLEET-2000');

    // A filter narrows the whole fleet, not the page.
    await page.getByLabel('Filter by OCPP version').selectOption('2.0.1');
    await expect(page).toHaveURL(/version=2\.0\.1/);
    await expect(range).toContainText('of 1000');
    await expect(rows.getByTestId('station-version')).toHaveText(Array(50).fill('2.0.1'));

    // Back: the previous address, and the page it described.
    await page.goBack();
    await expect(page).toHaveURL(/\/stations\?order=desc$/);
    await expect(page.getByLabel('Filter by OCPP version')).toHaveValue('');
    await expect(range).toContainText('1–50 of 2000');

    // Text matches id, vendor and model; typing replaces the address rather than adding one.
    await page.getByLabel('Filter stations').fill('fleet-19');
    await expect(page).toHaveURL(/q=fleet-19/);
    await expect(range).toContainText('1–50 of 100');
    await expect(rows.first()).toHaveAttribute('data-testid', 'station-FLEET-1999');

    // The address is the page: opened anew (server-rendered), it shows the same.
    const shared = page.url();
    await page.goto(shared);
    await expect(range).toContainText('1–50 of 100');
    await expect(page.getByLabel('Filter stations')).toHaveValue('fleet-19');
    await expect(rows.first()).toHaveAttribute('data-testid', 'station-FLEET-1999');
    await waitForHydration(page);

    // The rows on screen follow the stations live, the counters the whole fleet.
    const station = await RawStation.connect(centrale, 'FLEET-19-LIVE');
    await expect(page.getByTestId('stat-stations')).toHaveText('2001');
    await expect(page.getByTestId('stat-online')).toHaveText('2001');
    await station.close();
    await expect(page.getByTestId('stat-online')).toHaveText('2000');

    await page.getByLabel('Filter by status').selectOption('Faulted');
    await expect(page.getByTestId('stations-none-match')).toBeVisible();
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.goto(centrale.url + '/stations?sort=lastSeen&order=desc&page=3');
    await expect(range).toContainText('101–150 of 2001');
    await page.screenshot({ path: join(SCREENSHOTS, 'stations-fleet.png'), fullPage: true });
    expect(errors).toEqual([]);
  });
});
