import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect, RawStation, waitForHydration, watchConsole } from './fixtures';

const SCREENSHOTS = join(import.meta.dirname, '..', 'screenshots');

type Got = { headers: IncomingMessage['headers']; body: string };

/** An HTTP receiver on loopback that keeps what it is sent and answers 204. */
async function receiver(): Promise<{ url: string; got: Got[]; server: Server }> {
  const got: Got[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      got.push({ headers: req.headers, body });
      res.statusCode = 204;
      res.end();
    });
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hooks`, got, server };
}

/** Whether a delivery carries a valid signature made with `secret` (as a receiver checks it). */
function signed(delivery: Got, secret: string): boolean {
  const header = String(delivery.headers['centrale-signature'] ?? '');
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=')));
  const expected = createHmac('sha256', secret).update(`${parts.t}.${delivery.body}`).digest('hex');
  return parts.v1 === expected;
}

test.describe('open registration', () => {
  test.use({ centraleArgs: ['--registration', 'open'] });

  test('an admin registers a webhook; its events arrive signed; the page shows deliveries, backlog and failures, and replays one', async ({ page, centrale }) => {
    const errors = watchConsole(page);
    const live = await receiver();
    try {
      await page.goto(centrale.url + '/admin');
      await waitForHydration(page);
      const panel = page.getByTestId('webhooks');
      await expect(panel.getByTestId('webhooks-empty')).toBeVisible();

      // Registered through the form, for two kinds; its secret is shown once.
      const form = page.getByTestId('add-webhook');
      await form.getByLabel('URL (http or https)').fill(live.url);
      await form.getByLabel('stationConnected', { exact: true }).check();
      await form.getByLabel('connectorStatusChanged', { exact: true }).check();
      await form.getByRole('button', { name: 'Register webhook' }).click();
      const secret = (await form.getByTestId('webhook-secret').locator('code').textContent()) ?? '';
      expect(secret.length).toBeGreaterThanOrEqual(16);
      const row = panel.locator('tr[data-testid^="webhook-"]').filter({ hasText: live.url });
      await expect(row).toContainText('connectorStatusChanged, stationConnected');

      // A station's events reach the receiver, signed with that secret; its boot does not.
      const station = await RawStation.connect(centrale, 'WH-E2E');
      await station.call('b', 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'M' });
      await station.call('s', 'StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available' });
      await expect.poll(() => live.got.length).toBe(2);
      expect(live.got.map((g) => JSON.parse(g.body).type)).toEqual(['stationConnected', 'connectorStatusChanged']);
      expect(live.got.every((g) => signed(g, secret))).toBe(true);
      expect(signed(live.got[0], 'some-other-secret-entirely')).toBe(false);

      // The page follows: nothing waiting, delivered; the deliveries listed.
      await expect(row.getByTestId('waiting')).toHaveText('0');
      await expect(row).not.toContainText('never');
      await row.getByRole('button', { name: 'Deliveries' }).click();
      const deliveries = panel.getByTestId('deliveries');
      await expect(deliveries.locator('tbody tr')).toHaveCount(2);
      await expect(deliveries.locator('tr[data-state="Delivered"]')).toHaveCount(2);
      const first = JSON.parse(live.got[0].body).id;
      await deliveries.getByRole('button', { name: `Replay event ${first}` }).click();
      await expect.poll(() => live.got.length).toBe(3);
      expect(JSON.parse(live.got[2].body).id).toBe(first);

      // An endpoint nobody answers at: its backlog and its failure show.
      await form.getByLabel('URL (http or https)').fill('http://127.0.0.1:9/down');
      await form.getByRole('button', { name: 'Register webhook' }).click();
      const down = panel.locator('tr[data-testid^="webhook-"]').filter({ hasText: '127.0.0.1:9/down' });
      await expect(down).toBeVisible();
      await station.call('s2', 'StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Preparing' });
      await expect(down.getByTestId('last-error')).toHaveText('could not connect', { timeout: 15_000 });
      await expect(down).not.toHaveAttribute('data-waiting', '0');
      mkdirSync(SCREENSHOTS, { recursive: true });
      await panel.screenshot({ path: join(SCREENSHOTS, 'webhooks.png') });

      // Switched off, then removed.
      await down.getByRole('checkbox').uncheck();
      await expect(down.getByRole('checkbox')).not.toBeChecked();
      await down.getByRole('button', { name: 'Remove' }).click();
      await expect(down).toHaveCount(0);
      expect(errors).toEqual([]);
    } finally {
      live.server.close();
    }
  });
});
