import { test as base, expect, type Page } from '@playwright/test';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import WebSocket from 'ws';

const ROOT = resolve(import.meta.dirname, '..', '..');

/** A Centrale process of this test's own: fresh database, free port. */
export interface Centrale {
  /** e.g. http://127.0.0.1:41234 (no trailing slash) */
  url: string;
  /** e.g. ws://127.0.0.1:41234 */
  wsUrl: string;
  /** What the server logged so far (stderr), for failure messages. */
  logs: () => string;
  /** The password of `admin`, which the first start printed once. */
  adminPassword: string;
  /** `fetch` of this server's `path`, signed in with an admin's API token. */
  api: (path: string, init?: RequestInit) => Promise<Response>;
  /** The test's own folder: its database (and, with `embeddedSite`, the working directory). */
  folder: string;
  /** Runs `centrale --database <this test's> ARGS` (e.g. `user add`) and answers its stdout. */
  cli: (args: string[], input?: string) => string;
}

/**
 * Starts `centrale --listen 127.0.0.1:0` on a new SQLite file and waits for its address. With
 * `embeddedSite`, it runs in that empty folder with no site root: the dashboard's files are the
 * ones compiled into the binary.
 */
async function startCentrale(args: string[], embeddedSite = false): Promise<{ centrale: Centrale; proc: ChildProcess; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'centrale-e2e-'));
  const bin = process.env.CENTRALE_BIN ?? join(ROOT, 'target', 'debug', 'centrale');
  const site = process.env.CENTRALE_SITE_ROOT ?? join(ROOT, 'target', 'site');
  const { CENTRALE_SITE_ROOT: _, ...environment } = process.env;
  const proc = spawn(
    bin,
    ['--listen', '127.0.0.1:0', '--database', `sqlite://${join(dir, 'centrale.db')}`, ...(embeddedSite ? [] : ['--site-root', site]), ...args],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...environment, RUST_LOG: 'info' }, cwd: embeddedSite ? dir : undefined },
  );
  let stderr = '';
  proc.stderr!.on('data', (d) => (stderr += d));
  let stdout = '';
  const url = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`centrale did not start:\n${stderr}`)), 30_000);
    proc.stdout!.on('data', (d) => {
      stdout += d;
      const m = stdout.match(/open (http:\/\/[^/\s]+)\//);
      if (m) {
        clearTimeout(timer);
        ok(m[1]);
      }
    });
    proc.on('exit', (code) => fail(new Error(`centrale exited with ${code}:\n${stderr}`)));
  });
  const adminPassword = stdout.match(/with the password (\S+)/)?.[1];
  if (!adminPassword) throw new Error(`no admin password printed at the first start:\n${stdout}`);
  const database = `sqlite://${join(dir, 'centrale.db')}`;
  const cli = (cliArgs: string[], input = '') =>
    execFileSync(bin, ['--database', database, ...cliArgs], { input, encoding: 'utf8', env: { ...process.env, RUST_LOG: 'warn' } });
  const token = cli(['token', 'add', '--user', 'admin', '--name', 'end-to-end tests', '--role', 'admin']).trim().split('\n').pop()!;
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${url}${path}`, { ...init, headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${token}` } });
  return { centrale: { url, wsUrl: url.replace(/^http/, 'ws'), logs: () => stderr, adminPassword, api, cli, folder: dir }, proc, dir };
}

/** A raw OCPP-J station: opens the socket with a subprotocol, sends frames, collects answers. */
export class RawStation {
  readonly received: unknown[] = [];
  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => this.received.push(JSON.parse(data.toString())));
  }

  /** Connects as station `id`; with `password`, signs in with HTTP Basic auth (security profile 1). */
  static async connect(centrale: Centrale, id: string, protocol = 'ocpp1.6', password?: string): Promise<RawStation> {
    const headers = password === undefined ? {} : { authorization: `Basic ${Buffer.from(`${id}:${password}`).toString('base64')}` };
    const socket = new WebSocket(`${centrale.wsUrl}/ocpp/${encodeURIComponent(id)}`, protocol, { headers });
    await new Promise<void>((ok, fail) => {
      socket.once('open', () => ok());
      socket.once('error', fail);
    });
    return new RawStation(socket);
  }

  /** Sends a CALL and waits for its answer: the CALLRESULT or CALLERROR frame of that id. */
  async call(id: string, action: string, payload: object): Promise<any[]> {
    const answer = () => this.received.find((m: any) => m[0] !== 2 && m[1] === id) as any[] | undefined;
    this.socket.send(JSON.stringify([2, id, action, payload]));
    await expect.poll(() => answer() !== undefined).toBe(true);
    return answer()!;
  }

  /**
   * Answers every CALL of the central system with `payload`, or never if it is `null` (a station
   * that hangs). Returns the CALLs received, as they come.
   */
  answerCalls(payload: object | null): any[][] {
    const calls: any[][] = [];
    this.socket.on('message', (data) => {
      const frame = JSON.parse(data.toString());
      if (frame[0] !== 2) return;
      calls.push(frame);
      if (payload !== null) this.socket.send(JSON.stringify([3, frame[1], payload]));
    });
    return calls;
  }

  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    const closed = new Promise((ok) => this.socket.once('close', ok));
    this.socket.close(1000);
    await closed;
  }
}

/** A fleet of `centrale-sim` stations, behaving like real ones. */
export interface Simulator {
  /** Starts `centrale-sim` with these flags against the test's Centrale; ids are `{prefix}0001`... */
  start(args: string[]): void;
}

/**
 * Records, in the page, when `selector` first has `attribute` = `value`; the returned function
 * waits for that and gives the time (ms since the epoch, as `Date.now()`).
 */
export async function whenAttribute(page: Page, selector: string, attribute: string, value: string): Promise<() => Promise<number>> {
  await page.evaluate(
    ([sel, attr, val]) => {
      const w = window as any;
      w.__seenAt = undefined;
      const check = () => {
        const el = document.querySelector(sel);
        if (w.__seenAt === undefined && el?.getAttribute(attr) === val) w.__seenAt = performance.timeOrigin + performance.now();
      };
      new MutationObserver(check).observe(document.body, { subtree: true, attributes: true, childList: true });
    },
    [selector, attribute, value],
  );
  return async () => {
    await page.waitForFunction(() => (window as any).__seenAt !== undefined);
    return page.evaluate(() => (window as any).__seenAt as number);
  };
}

/** Signs `page`'s browser context in (the session cookie), as `user`. */
export async function signIn(page: Page, centrale: Centrale, user = 'admin', password = centrale.adminPassword): Promise<void> {
  const response = await page.request.post(`${centrale.url}/login`, {
    form: { username: user, password, next: '/' },
    maxRedirects: 0,
  });
  expect(response.status()).toBe(303);
  expect(response.headers()['location']).toBe('/');
}

/** Waits until the dashboard has hydrated: only then do buttons work. */
export async function waitForHydration(page: Page): Promise<void> {
  await expect(page.locator('[data-hydrated="true"]')).toHaveCount(1);
}

/** Collects console errors and uncaught exceptions of a page. */
export function watchConsole(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  return errors;
}

export const test = base.extend<{ centrale: Centrale; centraleArgs: string[]; embeddedSite: boolean; simulator: Simulator; signedIn: boolean }>({
  /** Whether `page` starts signed in as the admin (`test.use({ signedIn: false })` for the login page's tests). */
  signedIn: [true, { option: true }],
  page: async ({ page, centrale, signedIn }, use) => {
    if (signedIn) await signIn(page, centrale);
    await use(page);
  },
  /** Extra flags for `centrale`, e.g. `test.use({ centraleArgs: ['--registration', 'open'] })`. */
  centraleArgs: [[], { option: true }],
  /** Run with the dashboard's files compiled into the binary, from an empty folder (`test.use({ embeddedSite: true })`). */
  embeddedSite: [false, { option: true }],
  centrale: async ({ centraleArgs, embeddedSite }, use, testInfo) => {
    const { centrale, proc, dir } = await startCentrale(centraleArgs, embeddedSite);
    await use(centrale);
    const exited = new Promise((ok) => proc.once('exit', ok));
    proc.kill('SIGTERM');
    await exited;
    if (testInfo.status !== testInfo.expectedStatus) {
      await testInfo.attach('centrale.log', { body: centrale.logs(), contentType: 'text/plain' });
    }
    rmSync(dir, { recursive: true, force: true });
  },
  simulator: async ({ centrale }, use, testInfo) => {
    const bin = process.env.CENTRALE_SIM_BIN ?? join(ROOT, 'target', 'debug', 'centrale-sim');
    const running: { proc: ChildProcess; output: () => string }[] = [];
    await use({
      start(args) {
        const proc = spawn(bin, ['--url', `${centrale.wsUrl}/ocpp`, '--quiet', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
        let output = '';
        proc.stdout!.on('data', (d) => (output += d));
        proc.stderr!.on('data', (d) => (output += d));
        running.push({ proc, output: () => output });
      },
    });
    for (const { proc, output } of running) {
      if (proc.exitCode === null) {
        const exited = new Promise((ok) => proc.once('exit', ok));
        proc.kill('SIGTERM');
        await exited;
      }
      if (testInfo.status !== testInfo.expectedStatus) {
        await testInfo.attach('centrale-sim.log', { body: output(), contentType: 'text/plain' });
      }
    }
  },
});

/** Chooses a command in the panel, fills its fields (by label), sends it, returns its result. */
export async function sendCommand(page: Page, action: string, fields: Record<string, string> = {}) {
  const panel = page.getByTestId('commands');
  await panel.getByLabel('Command', { exact: true }).selectOption(action);
  for (const [label, value] of Object.entries(fields)) {
    const input = panel.getByLabel(label, { exact: false }).first();
    const tag = await input.evaluate((e) => e.tagName);
    if (tag === 'SELECT') await input.selectOption(value);
    else await input.fill(value);
  }
  const before = await panel.getByTestId('command-result').count();
  await panel.getByRole('button', { name: `Send ${action}` }).click();
  await expect(panel.getByTestId('command-result')).toHaveCount(before + 1);
  const result = panel.getByTestId('command-result').first();
  await expect(result).toHaveAttribute('data-action', action);
  await expect(result).not.toHaveAttribute('data-outcome', 'waiting', { timeout: 15_000 });
  return result;
}

export { expect };
