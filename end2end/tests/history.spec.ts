import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect, RawStation, waitForHydration, watchConsole } from './fixtures';

const SCREENSHOTS = join(import.meta.dirname, '..', 'screenshots');

test.use({ centraleArgs: ['--registration', 'open'] });

test("a station's history shows its power, uptime, sessions and status changes, live", async ({ page, centrale }) => {
  const errors = watchConsole(page);
  const tag = await centrale.api('/api/id-tags/HIST-TAG', {
    method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 'Accepted' }),
  });
  expect(tag.status).toBe(200);
  const station = await RawStation.connect(centrale, 'HIST-CP');
  await station.call('b1', 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'Pillar' });
  await station.call('s1', 'StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available' });
  const at = (secondsAgo: number) => new Date(Date.now() - secondsAgo * 1000).toISOString();
  const [, , started] = await station.call('t1', 'StartTransaction', { connectorId: 1, idTag: 'HIST-TAG', meterStart: 0, timestamp: at(600) });
  const transactionId = started.transactionId;
  await station.call('s2', 'StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Charging' });
  for (const [n, ago] of [[1, 300], [2, 240], [3, 180]]) {
    await station.call(`m${n}`, 'MeterValues', {
      connectorId: 1, transactionId,
      meterValue: [{ timestamp: at(ago), sampledValue: [
        { value: String(n * 1000), unit: 'Wh' },
        { value: '11000', unit: 'W', measurand: 'Power.Active.Import' },
      ] }],
    });
  }

  // From the station's page, its history is one click away.
  await page.goto(centrale.url + '/stations/HIST-CP');
  await waitForHydration(page);
  await page.getByTestId('history-link').click();
  await expect(page).toHaveURL(/\/stations\/HIST-CP\/history$/);
  await expect(page.getByRole('heading', { level: 1 })).toContainText('HIST-CP');

  // Online since it connected; the power chart ends now, hovering says 11 kW where it charged.
  await expect(page.getByTestId('stat-uptime')).toHaveText(/^\d+\.\d %$/);
  await expect(page.getByTestId('stat-connection')).toHaveText('online');
  await expect(page.getByTestId('online-since')).toContainText('Online since');
  const power = page.getByTestId('station-power-chart');
  await expect(power.locator('rect.hit title').filter({ hasText: '· 11 kW' }).first()).toBeAttached();
  expect(Number(await power.getAttribute('data-points'))).toBeGreaterThan(280);
  await expect(page.getByTestId('uptime-chart').locator('rect.bar')).toHaveCount(1);
  await expect(page.getByTestId('history-sessions')).toContainText(String(transactionId));
  await expect(page.getByTestId('stat-sessions')).toHaveText('1');
  const changes = page.getByTestId('status-changes').locator('tbody tr');
  await expect(changes).toHaveCount(2);
  await expect(changes.first()).toContainText('Charging');

  // A fault arrives: listed first, marked, without a reload.
  await station.call('s3', 'StatusNotification', { connectorId: 1, errorCode: 'GroundFailure', status: 'Faulted', vendorErrorCode: 'E-17' });
  await expect(changes).toHaveCount(3);
  await expect(changes.first()).toHaveClass(/fault/);
  await expect(changes.first()).toContainText('GroundFailure (E-17)');
  await expect(page.getByTestId('stat-faults')).toHaveText('1');

  // It goes offline: the page says so.
  await station.close();
  await expect(page.getByTestId('stat-connection')).toHaveText('offline');

  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, 'station-history.png'), fullPage: true });
  expect(errors).toEqual([]);
});
