import AxeBuilder from '@axe-core/playwright';
import { test, expect, RawStation, waitForHydration } from './fixtures';

// Keyboard and screen-reader basics on every main page (labels, names, contrast, landmarks):
// no serious or critical violation of WCAG 2.1 A/AA as axe-core checks them.
const PAGES = ['/', '/stations', '/stations/A11Y-CP', '/stations/A11Y-CP/history', '/transactions', '/reservations', '/charging-profiles', '/id-tags', '/messages', '/admin', '/api-reference'];

test('every main page passes the accessibility check in light and dark (axe-core, WCAG 2.1 AA, no serious violation)', async ({ page, centrale }) => {
  // 22 pages loaded, hydrated and analysed: about 40 s on an idle machine, so more than the
  // default minute when the machine is busy.
  test.setTimeout(180_000);
  const station = await RawStation.connect(centrale, 'A11Y-CP');
  await station.call('b1', 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'M' });
  await station.call('s1', 'StatusNotification', { connectorId: 1, errorCode: 'GroundFailure', status: 'Faulted' });
  const serious: string[] = [];
  // Both colour schemes: the dark one has its own palette, so its own contrasts.
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    for (const path of PAGES) {
      await page.goto(centrale.url + path);
      await waitForHydration(page);
      const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
      serious.push(...results.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${colorScheme} ${path}: ${v.id} (${v.impact}): ${v.help} at ${v.nodes.slice(0, 3).map((n) => `${n.target.join(' ')} ${n.failureSummary ?? ''}`).join(', ')}`));
    }
  }
  expect(serious, serious.join('\n')).toEqual([]);
  await station.close();
});
