// Measures the Stations page with a large fleet, in Debian's Chromium: time to first render
// and to hydration of /stations, and the page's main-thread time while events stream in.
// Prints figures; asserts nothing. Run through `scripts/measure-dashboard.sh` (release build).
//
//   CENTRALE_BIN, CENTRALE_SIM_BIN, CENTRALE_SITE_ROOT   what to run
//   STATIONS (10000), LOADS (5), EVENT_STATIONS (50), EVENT_RATE (10 per station per s)
import { chromium } from '@playwright/test';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';

const env = (name, fallback) => process.env[name] ?? fallback;
const STATIONS = Number(env('STATIONS', 10000));
const LOADS = Number(env('LOADS', 5));
const EVENT_STATIONS = Number(env('EVENT_STATIONS', 50));
const EVENT_RATE = Number(env('EVENT_RATE', 10));
const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const dir = mkdtempSync(join(tmpdir(), 'centrale-measure-'));
const server = spawn(
  env('CENTRALE_BIN', 'target/release/centrale'),
  ['--listen', '127.0.0.1:0', '--database', `sqlite://${join(dir, 'c.db')}`, '--site-root', env('CENTRALE_SITE_ROOT', 'target/site'),
    '--registration', 'open', '--heartbeat-interval', '3600'],
  { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, RUST_LOG: 'warn' } },
);
let out = '';
const url = await new Promise((ok, fail) => {
  const timer = setTimeout(() => fail(new Error('centrale did not start')), 30_000);
  server.stdout.on('data', (d) => {
    out += d;
    const m = out.match(/open (http:\/\/[^/\s]+)\//);
    if (m) { clearTimeout(timer); ok(m[1]); }
  });
});
const password = out.match(/with the password (\S+)/)[1];
const children = [server];
const stop = () => { for (const c of children) c.kill('SIGTERM'); rmSync(dir, { recursive: true, force: true }); };

try {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  const context = await browser.newContext();
  const login = await context.request.post(`${url}/login`, { form: { username: 'admin', password, next: '/' }, maxRedirects: 0 });
  if (login.status() !== 303) throw new Error(`login: ${login.status()}`);
  const fleet = async () => (await (await context.request.get(`${url}/api/fleet`)).json());

  const started = Date.now();
  const sim = spawn(env('CENTRALE_SIM_BIN', 'target/release/centrale-sim'),
    ['--url', `${url.replace('http', 'ws')}/ocpp`, '--stations', String(STATIONS), '--id-prefix', 'M-', '--heartbeat', '3600', '--ramp', '0.0005', '--quiet'],
    { stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(sim);
  for (let i = 0; i < 600 && (await fleet()).online < STATIONS; i++) await sleep(1000);
  const counted = await fleet();
  console.log(`${counted.online} of ${STATIONS} stations online after ${((Date.now() - started) / 1000).toFixed(1)} s`);

  // First render and hydration, LOADS times.
  const page = await context.newPage();
  await page.addInitScript(() => {
    new MutationObserver((_, observer) => {
      if (document.querySelector('[data-hydrated="true"]')) {
        window.__hydratedAt = performance.now();
        observer.disconnect();
      }
    }).observe(document, { subtree: true, childList: true, attributes: true });
  });
  const renders = [];
  const hydrations = [];
  const bytes = [];
  for (let i = 0; i < LOADS; i++) {
    const response = await page.goto(`${url}/stations`);
    bytes.push((await response.body()).length);
    await page.waitForFunction(() => window.__hydratedAt !== undefined, null, { timeout: 60_000 });
    const t = await page.evaluate(() => ({
      fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime,
      hydrated: window.__hydratedAt,
    }));
    renders.push(t.fcp);
    hydrations.push(t.hydrated);
  }
  console.log(`/stations with ${counted.stations} stations: first contentful paint ${median(renders).toFixed(0)} ms, hydrated ${median(hydrations).toFixed(0)} ms (medians of ${LOADS} loads from navigation start; HTML ${(median(bytes) / 1024).toFixed(0)} KiB)`);

  // Events streaming in: EVENT_STATIONS stations on the page (ids before M-) change status
  // EVENT_RATE times a second each; main-thread time over 10 s, from Chromium's metrics.
  const sockets = await Promise.all(Array.from({ length: EVENT_STATIONS }, (_, n) => new Promise((ok, fail) => {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/ocpp/A-${String(n).padStart(3, '0')}`, 'ocpp1.6');
    ws.once('open', () => {
      ws.send(JSON.stringify([2, 'boot', 'BootNotification', { chargePointVendor: 'Measure', chargePointModel: 'Events' }]));
      ok(ws);
    });
    ws.once('error', fail);
  })));
  await page.goto(`${url}/stations`);
  await page.waitForFunction(() => window.__hydratedAt !== undefined);
  await page.waitForSelector('[data-testid="station-A-000"]');
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  const metric = async (name) => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === name).value;
  let sent = 0;
  const statuses = ['Charging', 'Available'];
  const timer = setInterval(() => {
    for (const [n, ws] of sockets.entries()) {
      const status = statuses[(sent + n) % 2];
      ws.send(JSON.stringify([2, `s${sent}-${n}`, 'StatusNotification', { connectorId: 1, errorCode: 'NoError', status }]));
    }
    sent++;
  }, 1000 / EVENT_RATE);
  await sleep(2000);
  const [task0, script0, t0] = [await metric('TaskDuration'), await metric('ScriptDuration'), Date.now()];
  const sent0 = sent;
  await sleep(10_000);
  const [task1, script1, t1] = [await metric('TaskDuration'), await metric('ScriptDuration'), Date.now()];
  const seconds = (t1 - t0) / 1000;
  const rate = ((sent - sent0) * EVENT_STATIONS) / seconds;
  clearInterval(timer);
  console.log(`${rate.toFixed(0)} StatusNotifications/s to stations on the page: main thread busy ${((task1 - task0) / seconds * 100).toFixed(1)} % (script ${((script1 - script0) / seconds * 100).toFixed(1)} %) over ${seconds.toFixed(1)} s`);
  for (const ws of sockets) ws.close();
  await browser.close();
} finally {
  stop();
}
