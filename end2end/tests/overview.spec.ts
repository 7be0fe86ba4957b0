import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect, RawStation, waitForHydration, watchConsole, signIn } from './fixtures';

const SCREENSHOTS = join(import.meta.dirname, '..', 'screenshots');

test('overview is rendered on the server, hydrates, and follows stations live', async ({ page, centrale }) => {
  const errors = watchConsole(page);
  await page.goto(centrale.url + '/');

  // Server-rendered snapshot, from the engine through a server function.
  await expect(page.getByTestId('stat-stations')).toHaveText('0');
  await expect(page.getByTestId('stat-online')).toHaveText('0');
  await expect(page.getByTestId('fleet-empty')).toBeVisible();
  await waitForHydration(page);
  await expect(page.locator('.link-badge')).toHaveAttribute('data-state', 'live');

  // A station connects: the page updates without a reload.
  const started = Date.now();
  const station = await RawStation.connect(centrale, 'E2E-CP-1');
  await expect(page.getByTestId('stat-online')).toHaveText('1');
  const latencyMs = Date.now() - started;
  await expect(page.getByTestId('stat-stations')).toHaveText('1');
  await expect(page.getByTestId('feed')).toContainText('E2E-CP-1 connected (ocpp1.6)');
  test.info().annotations.push({ type: 'connect-to-screen', description: `${latencyMs} ms` });
  // The node serving the fleet (one, on SQLite), alive, holding the station.
  const nodes = page.getByTestId('nodes');
  await expect(nodes.locator('tbody tr')).toHaveCount(1);
  await expect(nodes).toContainText('(this node)');
  await expect(nodes).toContainText('alive');
  await expect(nodes.locator('td.num')).toHaveText('1');
  console.log(`station connect -> shown on the overview: ${latencyMs} ms`);

  // A registration decision and a command's answer show in the feed with their time, as every
  // entry does.
  station.answerCalls({ status: 'Accepted' });
  const patched = await centrale.api('/api/stations/E2E-CP-1', {
    method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ registration: 'Accepted' }),
  });
  expect(patched.status).toBe(200);
  const sent = await centrale.api('/api/stations/E2E-CP-1/commands/ClearCache', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}',
  });
  expect(sent.status).toBe(200);
  const feed = page.getByTestId('feed');
  for (const line of ['E2E-CP-1 is now Accepted', 'ClearCache']) {
    const entry = feed.locator('li', { hasText: line }).first();
    await expect(entry).toBeVisible();
    await expect(entry.locator('time')).toHaveText(/^\d{2}:\d{2}:\d{2}$/);
    await expect(entry.locator('time')).toHaveAttribute('datetime', /^\d{4}-\d{2}-\d{2}T/);
  }

  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, 'overview.png'), fullPage: true });

  // It disconnects: online goes back to 0, the station stays known.
  await station.close();
  await expect(page.getByTestId('stat-online')).toHaveText('0');
  await expect(page.getByTestId('stat-stations')).toHaveText('1');
  await expect(page.getByTestId('feed')).toContainText('E2E-CP-1 disconnected');
  await expect(page.getByTestId('stat-offline')).toHaveText('1');
  await expect(page.getByTestId('longest-offline')).toContainText('E2E-CP-1');

  // Buttons work (hydrated): Clear empties the activity feed.
  await page.getByRole('button', { name: 'Clear' }).click();
  await expect(page.getByTestId('feed').locator('li')).toHaveCount(0);

  expect(errors).toEqual([]);
});

test.describe('a simulated fleet', () => {
  test.use({ centraleArgs: ['--registration', 'open'] });

  test("the overview's figures and charts follow a simulated fleet live", async ({ page, centrale, simulator }) => {
    test.setTimeout(120_000);
    const errors = watchConsole(page);
    // A tag per station (a tag charges at one place at a time).
    for (let n = 1; n <= 6; n++) {
      const tag = await centrale.api(`/api/id-tags/OV-000${n}`, {
        method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 'Accepted' }),
      });
      expect(tag.status).toBe(200);
    }
    await page.goto(centrale.url + '/');
    await waitForHydration(page);
    await expect(page.locator('.link-badge')).toHaveAttribute('data-state', 'live');
    await expect(page.getByTestId('stat-power')).toHaveText('0.0');
    const number = async (testid: string) => Number(await page.getByTestId(testid).textContent());

    // Six stations whose drivers arrive at once and charge at 11 kW, metering every 2 s.
    simulator.start(['--stations', '6', '--connectors', '1', '--id-tags', '{station}', '--session-rate', '3600',
      '--session-length', '600', '--meter-interval', '2', '--id-prefix', 'OV-']);
    await expect(page.getByTestId('stat-online')).toHaveText('6', { timeout: 30_000 });
    await expect.poll(() => number('stat-charging'), { timeout: 30_000 }).toBeGreaterThan(0);
    await expect.poll(() => number('stat-power'), { timeout: 30_000 }).toBeGreaterThan(0);
    // Energy today rises as meter values arrive, without a reload.
    await expect.poll(() => number('stat-energy-today'), { timeout: 30_000 }).toBeGreaterThan(0);
    const before = await number('stat-energy-today');
    await expect.poll(() => number('stat-energy-today'), { timeout: 30_000 }).toBeGreaterThan(before);

    // The power chart ends now, hovering says the power; today's sessions bar counts them.
    const now = page.getByTestId('power-chart').locator('rect.hit title').last();
    await expect(now).toHaveText(/UTC · [1-9][\d.]* kW$/);
    const today = new Date().toISOString().slice(0, 10);
    const sessions = page.getByTestId('sessions-chart').locator('rect.bar title').last();
    await expect(sessions).toHaveText(new RegExp(`^${today}: [1-9]\\d* sessions$`));
    await expect(page.getByTestId('energy-chart').locator('rect.bar')).toHaveCount(30);

    // A fault is listed with its error code; the counters follow.
    const station = await RawStation.connect(centrale, 'OV-FAULTY');
    await station.call('s1', 'StatusNotification', { connectorId: 1, errorCode: 'GroundFailure', status: 'Faulted', info: 'RCD tripped' });
    await expect(page.getByTestId('faults')).toContainText('GroundFailure (RCD tripped)');
    await expect(page.getByTestId('stat-faulted')).toHaveText('1');
    await expect(page.getByTestId('stat-stations')).toHaveText('7');

    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, 'overview-fleet.png'), fullPage: true });
    await station.close();
    expect(errors).toEqual([]);
  });
});

test('the page is complete without JavaScript (server-side rendering)', async ({ browser, centrale }) => {
  const station = await RawStation.connect(centrale, 'SSR-CP');
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await signIn(page, centrale);
  await page.goto(centrale.url + '/');
  await expect(page.getByTestId('stat-stations')).toHaveText('1');
  await expect(page.getByTestId('stat-online')).toHaveText('1');
  await expect(page.getByTestId('power-chart')).toBeVisible();
  await expect(page.getByTestId('energy-chart').locator('rect.bar')).toHaveCount(30);
  await context.close();
  await station.close();
});

test('an unknown path answers 404 with a page that leads back', async ({ page, centrale }) => {
  const response = await page.goto(centrale.url + '/no/such/page');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  await page.getByRole('link', { name: 'Back to the overview' }).click();
  await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible();
});
