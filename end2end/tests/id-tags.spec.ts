import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect, RawStation, waitForHydration, watchConsole } from './fixtures';

const SCREENSHOTS = join(import.meta.dirname, '..', 'screenshots');

test.use({ centraleArgs: ['--registration', 'open'] });

/** Authorize `idTag` from a station; returns the idTagInfo status. */
async function authorize(station: RawStation, idTag: string): Promise<string> {
  const answer = await station.call(`a${station.received.length}-${idTag}`, 'Authorize', { idTag });
  return answer[2].idTagInfo.status;
}

test('an id tag created in the UI is Accepted for Authorize, Blocked after an edit, Invalid once deleted', async ({ page, centrale }) => {
  const errors = watchConsole(page);
  const station = await RawStation.connect(centrale, 'E2E-AUTH');
  expect(await authorize(station, 'UI-TAG')).toBe('Invalid');

  await page.goto(centrale.url + '/id-tags');
  await expect(page.getByTestId('tags-empty')).toBeVisible();
  await waitForHydration(page);
  await page.getByLabel('Id tag', { exact: true }).fill('UI-TAG');
  await page.getByLabel('Expires (UTC)').fill('2031-01-01T12:30');
  await page.getByRole('button', { name: 'Save' }).click();
  const row = page.getByTestId('tag-UI-TAG');
  await expect(row.locator('.tag-status')).toHaveText('Accepted');
  await expect(row).toContainText('2031-01-01T12:30:00Z');
  expect(await authorize(station, 'UI-TAG')).toBe('Accepted');
  // Saved: the form is empty again for the next tag.
  await expect(page.getByLabel('Id tag', { exact: true })).toHaveValue('');
  await expect(page.getByLabel('Expires (UTC)')).toHaveValue('');
  await expect(page.getByLabel('Status')).toHaveValue('Accepted');

  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, 'id-tags.png'), fullPage: true });

  await row.getByRole('button', { name: 'Edit' }).click();
  await expect(page.getByLabel('Id tag', { exact: true })).toHaveValue('UI-TAG');
  await page.getByLabel('Status').selectOption('Blocked');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(row.locator('.tag-status')).toHaveText('Blocked');
  expect(await authorize(station, 'UI-TAG')).toBe('Blocked');
  await expect(page.getByLabel('Status')).toHaveValue('Accepted');

  await row.getByRole('button', { name: 'Delete' }).click();
  await expect(row).toHaveCount(0);
  expect(await authorize(station, 'UI-TAG')).toBe('Invalid');
  expect(errors).toEqual([]);
  await station.close();
});
