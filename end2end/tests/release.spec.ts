import { readdirSync } from 'node:fs';
import { test, expect, RawStation, waitForHydration, watchConsole } from './fixtures';

// The binary as shipped: started from an empty folder, no `--site-root`, the dashboard's files
// (wasm, script, CSS, favicon) compiled in (`make build` and `make release` build it so).
test.use({ embeddedSite: true, centraleArgs: ['--registration', 'open'] });

test('the binary serves its own dashboard from an empty folder, hydrated', async ({ page, centrale }) => {
  const errors = watchConsole(page);
  const station = await RawStation.connect(centrale, 'REL-CP');
  await station.call('b1', 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'Pillar' });

  await page.goto(centrale.url + '/stations');
  await waitForHydration(page);
  await expect(page.getByTestId('station-REL-CP')).toBeVisible();
  expect(centrale.logs()).toContain('dashboard files served from the binary');

  // The files, with their types; a browser that has one is told it is unchanged.
  const wasm = await fetch(centrale.url + '/pkg/centrale_bg.wasm');
  expect(wasm.status).toBe(200);
  expect(wasm.headers.get('content-type')).toBe('application/wasm');
  const tag = wasm.headers.get('etag');
  expect(tag).toMatch(/^"[0-9a-f]{16}"$/);
  const again = await fetch(centrale.url + '/pkg/centrale_bg.wasm', { headers: { 'if-none-match': tag! } });
  expect(again.status).toBe(304);
  expect((await fetch(centrale.url + '/pkg/centrale.css')).headers.get('content-type')).toBe('text/css; charset=utf-8');
  expect((await fetch(centrale.url + '/favicon.svg')).status).toBe(200);
  // Nothing but its database beside it.
  expect(readdirSync(centrale.folder).filter((f) => !f.startsWith('centrale.db'))).toEqual([]);
  expect(errors).toEqual([]);
  await station.close();
});
