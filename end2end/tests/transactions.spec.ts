import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect, RawStation, waitForHydration, watchConsole } from './fixtures';

const SCREENSHOTS = join(import.meta.dirname, '..', 'screenshots');

test.use({ centraleArgs: ['--registration', 'open'] });

test('a transaction appears live, its energy rises with meter values, and it finishes', async ({ page, centrale }) => {
  const errors = watchConsole(page);
  await page.goto(centrale.url + '/transactions');
  await expect(page.getByTestId('transactions-empty')).toBeVisible();
  await waitForHydration(page);
  await expect(page.locator('.link-badge')).toHaveAttribute('data-state', 'live');

  const station = await RawStation.connect(centrale, 'E2E-TX');
  const startedAt = Date.now() - 125_000;
  const started = (await station.call('st', 'StartTransaction', { connectorId: 1, idTag: 'DRIVER', meterStart: 1000, timestamp: new Date(startedAt).toISOString() }))[2];
  const row = page.getByTestId(`transaction-${started.transactionId}`);
  await expect(row).toContainText('E2E-TX / 1');
  await expect(row).toContainText('charging');

  const meter = (wh: number) => ({ connectorId: 1, transactionId: started.transactionId, meterValue: [{
    timestamp: new Date().toISOString(), sampledValue: [
      { value: String(wh), measurand: 'Energy.Active.Import.Register', unit: 'Wh' },
      { value: '11000', measurand: 'Power.Active.Import', unit: 'W' }] }] });
  await station.call('m1', 'MeterValues', meter(1500));
  await expect(row.getByTestId('energy')).toHaveText('0.50 kWh');
  await expect(row).toContainText('11.0 kW');
  await station.call('m2', 'MeterValues', meter(2500));
  await expect(row.getByTestId('energy')).toHaveText('1.50 kWh');

  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, 'transactions.png'), fullPage: true });

  await station.call('sp', 'StopTransaction', { transactionId: started.transactionId, meterStop: 3000, timestamp: new Date(startedAt + 125_000).toISOString(), reason: 'EVDisconnected' });
  await expect(row).toHaveCount(0);
  const which = page.getByRole('group', { name: 'Which transactions' });
  await expect(which.getByRole('button', { name: 'Active' })).toHaveAttribute('aria-pressed', 'true');
  await which.getByRole('button', { name: 'Finished' }).click();
  await expect(which.getByRole('button', { name: 'Finished' })).toHaveAttribute('aria-pressed', 'true');
  await expect(which.getByRole('button', { name: 'Active' })).toHaveAttribute('aria-pressed', 'false');
  await expect(row).toContainText('EVDisconnected');
  await expect(row.getByTestId('energy')).toHaveText('2.00 kWh');
  await expect(row).toContainText('2 min 05 s');
  expect(errors).toEqual([]);
  await station.close();
});

test('transactions are paged and filtered by the server, the page state is in the URL', async ({ page, centrale }) => {
  const errors = watchConsole(page);
  const station = await RawStation.connect(centrale, 'E2E-PAGES');
  // 60 finished sessions: 30 on 10 November, 30 on 20 November; every third with TAG-3.
  for (let n = 0; n < 60; n++) {
    const day = n < 30 ? '2026-11-10' : '2026-11-20';
    const tag = n % 3 === 0 ? 'TAG-3' : 'TAG-X';
    const minute = String(n % 60).padStart(2, '0');
    const started = (await station.call(`a${n}`, 'StartTransaction', { connectorId: 1, idTag: tag, meterStart: n * 1000, timestamp: `${day}T10:${minute}:00Z` }))[2];
    await station.call(`b${n}`, 'StopTransaction', { transactionId: started.transactionId, meterStop: n * 1000 + 500, timestamp: `${day}T11:00:00Z` });
  }
  await page.goto(centrale.url + '/transactions?show=finished');
  await waitForHydration(page);
  const range = page.getByTestId('transactions-range');
  const rows = page.locator('table.stations tbody tr');
  await expect(range).toContainText('1–50 of 60');
  await expect(rows).toHaveCount(50);

  await page.getByRole('link', { name: 'Next' }).click();
  await expect(page).toHaveURL(/\/transactions\?show=finished&page=2$/);
  await expect(range).toContainText('51–60 of 60');

  const tag = page.getByLabel('Id tag');
  await tag.fill('TAG-3');
  await tag.blur();
  await expect(page).toHaveURL(/show=finished&tag=TAG-3$/);
  await expect(range).toContainText('1–20 of 20');
  const from = page.getByLabel('Started from');
  await from.fill('2026-11-15');
  await from.blur();
  await expect(range).toContainText('1–10 of 10');
  await expect(page.getByRole('link', { name: 'Export CSV' })).toHaveAttribute('href', '/api/transactions.csv?tag=TAG-3&from=2026-11-15&active=false');

  await page.goBack();
  await expect(range).toContainText('1–20 of 20');
  await expect(from).toHaveValue('');
  expect(errors).toEqual([]);
  await station.close();
});
