import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect, RawStation, signIn, waitForHydration, watchConsole } from './fixtures';

const SCREENSHOTS = join(import.meta.dirname, '..', 'screenshots');

test.describe('signed out', () => {
  test.use({ signedIn: false });

  test('the login page refuses a wrong password, opens the page asked for, and Sign out ends the session', async ({ page, centrale }) => {
    const errors = watchConsole(page);
    await page.goto(centrale.url + '/stations');
    await expect(page).toHaveURL(/\/login\?next=\/stations$/);
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, 'login.png') });

    await page.getByLabel('User name').fill('admin');
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByTestId('login-failed')).toHaveText('Wrong user name or password.');

    await page.getByLabel('User name').fill('admin');
    await page.getByLabel('Password').fill(centrale.adminPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(centrale.url + '/stations');
    await waitForHydration(page);
    await expect(page.getByTestId('user')).toHaveText('admin · admin');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page).toHaveURL(/\/login$/);
    await page.goto(centrale.url + '/');
    await expect(page).toHaveURL(/\/login\?next=\/$/);
    expect(errors).toEqual([]);
  });
});

test('a viewer sees the fleet, is offered no control their role may not use, and the server refuses what they try', async ({ page, centrale }) => {
  centrale.cli(['user', 'add', 'vera', '--role', 'viewer', '--password-stdin'], 'viewer-password-1\n');
  const station = await RawStation.connect(centrale, 'VIEW-CP');
  const boot = await station.call('b1', 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'M' });
  expect(boot[2].status).toBe('Pending');
  await page.context().clearCookies();
  await signIn(page, centrale, 'vera', 'viewer-password-1');

  await page.goto(centrale.url + '/stations/VIEW-CP');
  await waitForHydration(page);
  await expect(page.getByTestId('user')).toHaveAttribute('data-role', 'viewer');
  await expect(page.getByTestId('commands-read-only')).toBeVisible();
  await expect(page.getByTestId('commands')).toHaveCount(0);
  await expect(page.getByRole('link', { name: 'Admin' })).toHaveCount(0);
  await expect(page.getByTestId('security').getByRole('button', { name: 'Save' })).toHaveCount(0);
  // Reading the configuration is a command (GetConfiguration); accepting a station is an operator's.
  await expect(page.getByTestId('configuration')).toContainText('an operator can read it');
  await expect(page.getByRole('button', { name: 'Read from station' })).toHaveCount(0);
  await expect(page.locator('.registration')).toHaveText('Pending');
  await expect(page.getByRole('button', { name: 'Accept' })).toHaveCount(0);

  await page.goto(centrale.url + '/stations');
  await waitForHydration(page);
  const row = page.getByTestId('station-VIEW-CP');
  await expect(row.locator('.registration')).toHaveText('Pending');
  await expect(row.getByRole('button')).toHaveCount(0);

  await page.goto(centrale.url + '/id-tags');
  await waitForHydration(page);
  await expect(page.getByLabel('Id tag', { exact: true })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Save' })).toHaveCount(0);

  // The server refuses what the page no longer offers, asked with this viewer's own session.
  const csrf = await page.locator('meta[name="csrf-token"]').getAttribute('content');
  const refused = await page.request.put(centrale.url + '/api/id-tags/VIEWER-TAG', {
    headers: { 'x-csrf-token': csrf ?? '' },
    data: { status: 'Accepted' },
  });
  expect(refused.status()).toBe(403);
  expect(await refused.text()).toContain('viewer');
  expect(await (await centrale.api('/api/id-tags')).json()).toEqual([]);

  const admin = await page.goto(centrale.url + '/admin');
  expect(admin?.status()).toBe(403);
  await expect(page.getByRole('alert')).toContainText('does not allow');
  await station.close();
});

test.describe('open registration', () => {
  test.use({ centraleArgs: ['--registration', 'open'] });

test('an admin gives a station a password on its page; wrong credentials show as security events; the audit log says who sent what', async ({ page, centrale }) => {
  const errors = watchConsole(page);
  const open = await RawStation.connect(centrale, 'SEC-CP');
  await page.goto(centrale.url + '/stations/SEC-CP');
  await waitForHydration(page);
  const security = page.getByTestId('security');
  await expect(security.getByTestId('security-profile')).toHaveText('0');

  await security.getByLabel('Security profile').selectOption('1');
  await security.getByRole('button', { name: 'Save' }).click();
  const shown = security.getByTestId('station-password').locator('code');
  await expect(shown).toHaveText(/^[A-Za-z0-9_-]{24}$/);
  const password = (await shown.textContent())!;
  await expect(security.getByTestId('security-profile')).toHaveText('1');
  await open.close();

  // Without the password, or with a wrong one: refused, and the page shows it live.
  await expect(RawStation.connect(centrale, 'SEC-CP')).rejects.toThrow(/401/);
  await expect(RawStation.connect(centrale, 'SEC-CP', 'ocpp1.6', 'wrong-password-123456')).rejects.toThrow(/401/);
  const events = security.getByTestId('security-events');
  await expect(events.locator('tr[data-source="central"]')).toHaveCount(2);
  await expect(events).toContainText('InvalidStationCredentials');

  const signedIn = await RawStation.connect(centrale, 'SEC-CP', 'ocpp1.6', password);
  signedIn.answerCalls({ status: 'Accepted' });
  await expect(page.locator('[data-testid="identity"] .online')).toHaveAttribute('data-online', 'true');

  // A command from the panel, then the audit log names who sent it.
  const panel = page.getByTestId('commands');
  await panel.getByLabel('Command', { exact: true }).selectOption('ClearCache');
  await panel.getByRole('button', { name: 'Send ClearCache' }).click();
  await expect(panel.locator('.results li').first()).toContainText('Accepted');

  // A new password, sent to the station from its page and kept once it accepts.
  await security.getByRole('button', { name: 'Send a new password to the station' }).click();
  const rotated = security.getByTestId('station-password-sent').locator('code');
  await expect(rotated).toHaveText(/^[A-Za-z0-9_-]{24}$/);
  const next = (await rotated.textContent())!;
  // The first password, no longer true, is not shown any more.
  await expect(security.getByTestId('station-password')).toHaveCount(0);
  mkdirSync(SCREENSHOTS, { recursive: true });
  await security.screenshot({ path: join(SCREENSHOTS, 'station-security.png') });
  expect(signedIn.received.some((f: any) => f[2] === 'ChangeConfiguration' && f[3].value === next)).toBe(true);
  await signedIn.close();
  await expect(RawStation.connect(centrale, 'SEC-CP', 'ocpp1.6', password)).rejects.toThrow(/401/);
  const again = await RawStation.connect(centrale, 'SEC-CP', 'ocpp1.6', next);
  await again.close();

  await page.goto(centrale.url + '/admin');
  await waitForHydration(page);
  const audit = page.getByTestId('audit-log');
  await expect(audit.locator('tbody tr')).toHaveCount(2);
  await expect(audit.locator('tbody tr').nth(1)).toContainText('ClearCache');
  await expect(audit.locator('tbody tr').nth(1)).toContainText('admin');
  // The password went to the station, not into the log.
  await expect(audit.locator('tbody tr').first()).toContainText('ChangeConfiguration');
  await expect(audit.locator('tbody tr').first()).toContainText('(hidden)');
  await expect(audit).not.toContainText(next);

  // Users from the admin page.
  const form = page.getByTestId('add-user');
  await form.getByLabel('User name').fill('otto');
  await form.getByLabel('Password (12 characters or more)').fill('operator-password-1');
  await form.getByLabel('Role').selectOption('operator');
  await form.getByRole('button', { name: 'Add user' }).click();
  await expect(page.getByTestId('user-otto')).toBeVisible();
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, 'admin.png'), fullPage: true });

  // An admin sets another user's password; it works at once.
  const setPassword = page.getByTestId('set-password');
  await setPassword.getByLabel('User name').fill('otto');
  await setPassword.getByLabel('New password (12 characters or more)').fill('operator-password-2');
  await setPassword.getByRole('button', { name: 'Set password' }).click();
  await expect(page.getByTestId('password-set')).toBeVisible();
  await page.context().clearCookies();
  await signIn(page, centrale, 'otto', 'operator-password-2');
  expect(errors).toEqual([]);
});
});
