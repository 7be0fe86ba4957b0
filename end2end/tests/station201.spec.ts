import { join } from 'node:path';
import { test, expect, sendCommand, waitForHydration, watchConsole } from './fixtures';

const SCREENSHOTS = join(import.meta.dirname, '..', 'screenshots');

const send = sendCommand;

test.describe('a simulated OCPP 2.0.1 station', () => {
  test.use({ centraleArgs: ['--registration', 'open'] });

  test('its variables are read and one edited; RequestStartTransaction starts a transaction that shows live', async ({ page, centrale, simulator }) => {
    const errors = watchConsole(page);
    const tag = await centrale.api('/api/id-tags/E2E-201', {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'Accepted' }),
    });
    expect(tag.status).toBeLessThan(300);
    simulator.start(['--stations', '1', '--connectors', '2', '--id-prefix', 'E2E-201-', '--meter-interval', '1', '--ocpp', '2.0.1']);
    await expect.poll(async () => (await (await centrale.api('/api/stations/E2E-201-0001')).json()).connectors?.length ?? 0).toBe(2);

    // The stations list says which version each station speaks, and filters by it.
    await page.goto(centrale.url + '/stations');
    await waitForHydration(page);
    await expect(page.getByTestId('station-E2E-201-0001').getByTestId('station-version')).toHaveText('2.0.1');
    await page.getByLabel('Filter by OCPP version').selectOption('1.6');
    await expect(page.getByTestId('station-E2E-201-0001')).toHaveCount(0);
    await page.getByLabel('Filter by OCPP version').selectOption('2.0.1');
    await expect(page.getByTestId('station-E2E-201-0001')).toBeVisible();

    await page.goto(centrale.url + '/stations/E2E-201-0001');
    await waitForHydration(page);
    const evse = page.getByTestId('connector-card-1');
    await expect(evse).toContainText('EVSE 1');
    await expect(evse.locator('.connector-head .badge')).toHaveText('Available');
    await expect(page.getByTestId('evse-1-connector-1')).toContainText('Available');

    // The device model: read in full, then one writable value edited in place.
    const variables = page.getByTestId('variables');
    await variables.getByRole('button', { name: 'Read full report' }).click();
    const interval = variables.getByTestId('variable-OCPPCommCtrlr-HeartbeatInterval');
    await expect(interval.getByTestId('variable-value')).toHaveText('300');
    await interval.getByRole('button', { name: 'Edit' }).click();
    await interval.getByLabel('New value of HeartbeatInterval').fill('60');
    await interval.getByRole('button', { name: 'Save' }).click();
    await expect(variables.getByTestId('variables-outcome')).toContainText('Accepted');
    await expect(interval.getByTestId('variable-value')).toHaveText('60');

    // A transaction from the form: the EVSE turns Occupied, energy shows and rises.
    const result = await send(page, 'RequestStartTransaction', {
      'Id token': 'E2E-201',
      'Token type': 'ISO14443',
      'Remote start id': '5',
      EVSE: '1',
    });
    await expect(result.getByTestId('command-outcome')).toHaveText('Accepted');
    await expect(evse.locator('.connector-head .badge')).toHaveText('Occupied');
    const energy = evse.getByTestId('connector-energy');
    await expect(energy).toContainText('kWh');
    const kwh = async () => parseFloat((await energy.textContent()) ?? '');
    await expect.poll(kwh, { timeout: 10_000 }).toBeGreaterThan(0);
    const first = await kwh();
    await expect.poll(kwh, { timeout: 10_000 }).toBeGreaterThan(first);
    // Validation: strict by default; an operator makes it lenient in one click.
    const validation = page.getByTestId('strictness');
    await expect(validation.getByTestId('validation-mode')).toHaveText('strict');
    await validation.getByRole('button', { name: 'Make lenient' }).click();
    await expect(validation.getByTestId('validation-mode')).toHaveText('lenient');
    expect((await (await centrale.api('/api/stations/E2E-201-0001')).json()).lenient).toBe(true);
    await page.screenshot({ path: join(SCREENSHOTS, 'station-2.0.1.png'), fullPage: true });

    // Its transaction carries the station's own id and its events.
    const [tx] = await (await centrale.api('/api/transactions?active=true')).json();
    expect(tx.stationTransactionId).toContain('E2E-201-0001');
    const detail = await (await centrale.api(`/api/transactions/${tx.id}`)).json();
    expect(detail.events[0].triggerReason).toBe('RemoteStart');
    // Its page shows the station's id and the event timeline with what triggered each.
    await page.goto(`${centrale.url}/transactions/${tx.id}`);
    await waitForHydration(page);
    await expect(page.getByTestId('transaction-facts')).toContainText(tx.stationTransactionId);
    await expect(page.getByTestId('timeline-event').first()).toContainText('RemoteStart');
    await expect.poll(async () => page.getByTestId('timeline-event').count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(SCREENSHOTS, 'transaction-2.0.1.png'), fullPage: true });
    expect(errors).toEqual([]);
  });
});
