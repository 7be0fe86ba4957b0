import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect, RawStation, sendCommand, waitForHydration, watchConsole, type Centrale } from './fixtures';

const SCREENSHOTS = join(import.meta.dirname, '..', 'screenshots');

async function putTag(centrale: Centrale, idTag: string) {
  const r = await centrale.api(`/api/id-tags/${idTag}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ status: 'Accepted' }),
  });
  expect(r.status).toBeLessThan(300);
}

const send = sendCommand;

test.describe('a simulated station', () => {
  test.use({ centraleArgs: ['--registration', 'open'] });

  test('RemoteStartTransaction from the commands panel starts a session that shows live with energy rising', async ({ page, centrale, simulator }) => {
    const errors = watchConsole(page);
    await putTag(centrale, 'E2E-TAG-1');
    simulator.start(['--stations', '1', '--connectors', '2', '--id-prefix', 'E2E-SIM-', '--meter-interval', '1']);
    await expect.poll(async () => (await (await centrale.api(`/api/stations/E2E-SIM-0001`)).json()).connectors?.length ?? 0).toBe(3);

    await page.goto(centrale.url + '/stations/E2E-SIM-0001');
    await waitForHydration(page);
    await expect(page.getByTestId('identity')).toContainText('online');
    await expect(page.getByTestId('identity')).toContainText('centrale-sim');
    const card = page.getByTestId('connector-card-2');
    await expect(card.locator('.badge')).toHaveText('Available');

    const result = await send(page, 'RemoteStartTransaction', { 'Id tag': 'E2E-TAG-1', Connector: '2' });
    await expect(result).toHaveAttribute('data-outcome', 'ok');
    await expect(result.getByTestId('command-outcome')).toHaveText('Accepted');

    // The station got what the form said: it started a transaction on that connector, for that tag.
    await expect.poll(async () => (await (await centrale.api(`/api/transactions?active=true`)).json()).length).toBe(1);
    const [tx] = await (await centrale.api(`/api/transactions?active=true`)).json();
    expect(tx.connectorId).toBe(2);
    expect(tx.idTag).toBe('E2E-TAG-1');

    // The station page follows: Charging, with the transaction's energy.
    await expect(card.locator('.badge')).toHaveText('Charging');
    await expect(card.getByTestId('connector-energy')).toContainText('kWh');
    await page.screenshot({ path: join(SCREENSHOTS, 'station.png'), fullPage: true });

    // The Transactions page shows it, energy rising as meter values arrive.
    await page.goto(centrale.url + '/transactions');
    await waitForHydration(page);
    const row = page.getByTestId(`transaction-${tx.id}`);
    await expect(row).toContainText('E2E-TAG-1');
    const kwh = async () => parseFloat((await row.getByTestId('energy').textContent()) ?? '');
    await expect.poll(kwh).toBeGreaterThan(0);
    const first = await kwh();
    await expect.poll(kwh, { timeout: 10_000 }).toBeGreaterThan(first);

    // Its page draws the curve and grows it live; the CSV has the meter values.
    await row.getByRole('link', { name: String(tx.id), exact: true }).click();
    await expect(page).toHaveURL(new RegExp(`/transactions/${tx.id}$`));
    const chart = page.getByTestId('chart');
    await expect(chart).toBeVisible();
    const points = async () => Number(await chart.getAttribute('data-points'));
    const before = await points();
    await expect.poll(points, { timeout: 10_000 }).toBeGreaterThan(before);
    await expect(page.getByTestId('transaction-facts')).toContainText('E2E-TAG-1');
    await page.screenshot({ path: join(SCREENSHOTS, 'transaction.png'), fullPage: true });
    const csv = await page.request.get(`${centrale.url}/api/transactions/${tx.id}/meter-values.csv`);
    expect(csv.headers()['content-type']).toContain('text/csv');
    const lines = (await csv.text()).trim().split('\r\n');
    expect(lines[0]).toBe('timestamp,connectorId,measurand,phase,value,unit,context,location');
    expect(lines.some((l) => l.includes('Energy.Active.Import.Register'))).toBe(true);
    const list = await page.request.get(`${centrale.url}/api/transactions.csv?active=true`);
    expect(await list.text()).toContain(`${tx.id},E2E-SIM-0001,2,E2E-TAG-1,`);
    expect(errors).toEqual([]);
  });

  test('configuration is read and edited inline; UnlockConnector, Reset and TriggerMessage through their forms', async ({ page, centrale, simulator }) => {
    const errors = watchConsole(page);
    simulator.start(['--stations', '1', '--connectors', '1', '--id-prefix', 'E2E-CFG-']);
    await expect.poll(async () => (await (await centrale.api(`/api/stations/E2E-CFG-0001`)).json()).connected ?? false).toBe(true);
    await page.goto(centrale.url + '/stations/E2E-CFG-0001');
    await waitForHydration(page);

    const config = page.getByTestId('configuration');
    await config.getByRole('button', { name: 'Read from station' }).click();
    const heartbeat = config.getByTestId('config-HeartbeatInterval');
    await expect(heartbeat).toBeVisible();
    await expect(config.getByTestId('config-ChargePointModel')).toContainText('read-only');
    await heartbeat.getByRole('button', { name: 'Edit' }).click();
    await heartbeat.getByLabel('New value of HeartbeatInterval').fill('120');
    await heartbeat.getByRole('button', { name: 'Save' }).click();
    await expect(config.getByTestId('config-outcome').first()).toHaveText('Accepted');
    await expect(heartbeat).toContainText('120');
    const stored = await (await centrale.api(`/api/stations/E2E-CFG-0001/configuration`)).json();
    expect(JSON.stringify(stored)).toContain('"HeartbeatInterval"');
    expect(stored.find((k: any) => k.key === 'HeartbeatInterval').value).toBe('120');

    const unlock = await send(page, 'UnlockConnector', { Connector: '1' });
    await expect(unlock.getByTestId('command-outcome')).toHaveText('Unlocked');

    const trigger = await send(page, 'TriggerMessage', { Message: 'Heartbeat' });
    await expect(trigger.getByTestId('command-outcome')).toHaveText('Accepted');
    // The triggered Heartbeat arrives, live, in the station's message log.
    const log = page.getByTestId('message-log');
    await expect(log.locator('[data-testid="frame"][data-action="Heartbeat"][data-direction="in"]').first()).toBeVisible();

    const reset = await send(page, 'Reset', { Type: 'Soft' });
    await expect(reset.getByTestId('command-outcome')).toHaveText('Accepted');
    // The station reboots: a fresh BootNotification shows in the log.
    await expect.poll(async () => log.locator('[data-testid="frame"][data-action="BootNotification"][data-direction="in"]').count(), { timeout: 15_000 }).toBeGreaterThan(1);
    expect(errors).toEqual([]);
  });

  test('ReserveNow and SetChargingProfile show on their pages; Cancel and Clear work from there', async ({ page, centrale, simulator }) => {
    const errors = watchConsole(page);
    await putTag(centrale, 'E2E-RES');
    simulator.start(['--stations', '1', '--connectors', '2', '--id-prefix', 'E2E-RSV-']);
    await expect.poll(async () => (await (await centrale.api(`/api/stations/E2E-RSV-0001`)).json()).connectors?.length ?? 0).toBe(3);
    await page.goto(centrale.url + '/stations/E2E-RSV-0001');
    await waitForHydration(page);

    const reserve = await send(page, 'ReserveNow', {
      Connector: '1',
      'Id tag': 'E2E-RES',
      'Expires (UTC)': '2099-01-01T12:00',
      'Reservation id': '42',
    });
    await expect(reserve.getByTestId('command-outcome')).toHaveText('Accepted');
    const profile = await send(page, 'SetChargingProfile', {
      Connector: '1',
      'Profile id': '7',
      'Stack level': '0',
      Purpose: 'TxDefaultProfile',
      Kind: 'Absolute',
      Unit: 'A',
      'Periods (start s:limit, …)': '0:16, 3600:32',
    });
    await expect(profile.getByTestId('command-outcome')).toHaveText('Accepted');
    // The station page lists both.
    await expect(page.getByTestId('reservation-E2E-RSV-0001-42')).toContainText('Active');
    await expect(page.getByTestId('profile-E2E-RSV-0001-7')).toContainText('A: 0s→16.0, 3600s→32.0');

    await page.goto(centrale.url + '/reservations');
    await waitForHydration(page);
    const reservation = page.getByTestId('reservation-E2E-RSV-0001-42');
    await expect(reservation).toContainText('E2E-RES');
    await page.screenshot({ path: join(SCREENSHOTS, 'reservations.png'), fullPage: true });
    await reservation.getByRole('button', { name: 'Cancel' }).click();
    await expect(reservation).toContainText('Cancelled');

    await page.goto(centrale.url + '/charging-profiles');
    await waitForHydration(page);
    const row = page.getByTestId('profile-E2E-RSV-0001-7');
    await expect(row).toContainText('TxDefaultProfile');
    await page.screenshot({ path: join(SCREENSHOTS, 'charging-profiles.png'), fullPage: true });
    await row.getByRole('button', { name: 'Clear' }).click();
    await expect(row).toHaveCount(0);
    await expect(page.getByTestId('profiles-empty')).toBeVisible();
    expect(errors).toEqual([]);
  });
});

test.describe('stations that refuse or hang', () => {
  test.use({ centraleArgs: ['--registration', 'open', '--call-timeout', '2'] });

  test('a Rejected answer shows Rejected; a station that never answers shows a timeout; a bad form sends nothing', async ({ page, centrale }) => {
    const errors = watchConsole(page);
    const refusing = await RawStation.connect(centrale, 'E2E-NO');
    await refusing.call('b', 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'Grumpy' });
    await refusing.call('s', 'StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available' });
    const calls = refusing.answerCalls({ status: 'Rejected' });

    await page.goto(centrale.url + '/stations/E2E-NO');
    await waitForHydration(page);
    const reset = await send(page, 'Reset', { Type: 'Hard' });
    await expect(reset).toHaveAttribute('data-outcome', 'failed');
    await expect(reset.getByTestId('command-outcome')).toHaveText('Rejected');
    expect(calls.map((c) => [c[2], c[3]])).toEqual([['Reset', { type: 'Hard' }]]);

    // Validation happens before sending: nothing reaches the station.
    const panel = page.getByTestId('commands');
    await panel.getByLabel('Command', { exact: true }).selectOption('RemoteStartTransaction');
    await panel.getByRole('button', { name: 'Send RemoteStartTransaction' }).click();
    await expect(panel.getByTestId('command-invalid')).toHaveText('Id tag is required.');
    await panel.getByLabel('Id tag').fill('THIS-TAG-IS-FAR-TOO-LONG');
    await panel.getByRole('button', { name: 'Send RemoteStartTransaction' }).click();
    await expect(panel.getByTestId('command-invalid')).toContainText('idTag');
    expect(calls).toHaveLength(1);

    const hanging = await RawStation.connect(centrale, 'E2E-HANG');
    await hanging.call('b', 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'Sleepy' });
    hanging.answerCalls(null);
    await page.goto(centrale.url + '/stations/E2E-HANG');
    await waitForHydration(page);
    const unanswered = await send(page, 'ClearCache');
    await expect(unanswered.getByTestId('command-outcome')).toHaveText('Timeout');
    await expect(unanswered).toHaveAttribute('data-outcome', 'failed');
    await unanswered.locator('summary').click();
    await expect(unanswered.getByTestId('command-answer')).toContainText('did not answer within 2s');

    await refusing.close();
    await hanging.close();
    expect(errors).toEqual([]);
  });
});
