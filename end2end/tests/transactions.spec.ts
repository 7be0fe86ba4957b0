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
