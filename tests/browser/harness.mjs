// Browser-test harness: starts scripts/serve.sh on a free 127.0.0.1 port, launches the system
// Chromium through playwright-core, and gives tests fresh contexts. No test framework: run.mjs
// runs the tests in order and prints "N passed, M failed".
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const HERE = dirname(fileURLToPath(import.meta.url));
export const REPO = join(HERE, '..', '..');
export const WEB = join(REPO, 'web');
export const SHOTS = join(HERE, 'screenshots');
export const CHROMIUM = process.env.MFREC_CHROMIUM || '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export const MOCK = process.argv.includes('--mock') || process.env.MFREC_BROWSER_MOCK === '1';
export const MOCK_BUNDLE = '/tmp/mfrec-mock-bundle.json';

// Starts scripts/serve.sh; resolves to {url, stop()} once it prints its URL.
export function startServer(extra = [], dir = null) {
  return new Promise((resolve, reject) => {
    const args = [join(REPO, 'scripts', 'serve.sh'), '--port', '0', '--quiet', ...extra];
    if (dir) args.push('--dir', dir);
    const child = spawn('bash', args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    const timer = setTimeout(() => { child.kill('SIGTERM'); reject(new Error(`serve.sh did not start in 15 s: ${err}`)); }, 15000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({
          url: m[1],
          pid: child.pid,
          stop: () => new Promise((res) => {
            if (child.exitCode !== null || child.signalCode !== null) return res();
            child.once('exit', () => res());
            child.kill('SIGTERM');
          }),
        });
      }
    });
    child.stderr.on('data', (d) => { err += d; });
    child.on('exit', (code) => { clearTimeout(timer); if (!/at http/.test(out)) reject(new Error(`serve.sh exited ${code}: ${err}`)); });
  });
}

export async function launch() {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

// A fresh context (cold cache, empty storage). Under --mock the wasm module and the bundle are
// routed to the JS stand-in in tests/browser/mock/ (service workers blocked so routes apply).
export async function newContext(browser, opts = {}) {
  const { mock = MOCK, ...rest } = opts;
  const ctx = await browser.newContext({
    viewport: { width: 1440, height: 1000 },
    deviceScaleFactor: 1,
    acceptDownloads: true,
    ...(mock ? { serviceWorkers: 'block' } : {}),
    ...rest,
  });
  if (mock) {
    const js = readFileSync(join(HERE, 'mock', 'mfrec.js'));
    await ctx.route('**/wasm/mfrec.js', (route) => route.fulfill({ status: 200, contentType: 'text/javascript', body: js }));
    await ctx.route('**/bundle/bundle.mfm', (route) => route.fulfill({ status: 200, contentType: 'application/octet-stream', body: readFileSync(MOCK_BUNDLE) }));
  }
  return ctx;
}

// Opens the page and waits until search is usable; collects console errors and page errors.
export async function openPage(ctx, url, { waitReady = true } = {}) {
  const page = await ctx.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') page.errors.push(`console: ${m.text()}`); });
  await page.goto(url);
  if (waitReady) await waitReadyPage(page);
  return page;
}

export async function waitReadyPage(page) {
  await page.waitForFunction(() => window.__mfrec && (window.__mfrec.ready || window.__mfrec.errors.length), null, { timeout: 30000 });
  const errs = await page.evaluate(() => window.__mfrec.errors);
  if (errs.length) throw new Error(`page failed to start: ${errs.join('; ')}`);
}

export function shot(page, name, opts = {}) {
  mkdirSync(SHOTS, { recursive: true });
  return page.screenshot({ path: join(SHOTS, `${name}.png`), ...opts });
}

export function assert(cond, msg) {
  if (!cond) throw new Error(`assertion failed: ${msg}`);
}

export function near(a, b, tol, msg) {
  if (!(Math.abs(a - b) <= tol)) throw new Error(`assertion failed: ${msg}: ${a} vs ${b} (tolerance ${tol})`);
}

export function haveRealBuild() {
  return existsSync(join(WEB, 'wasm', 'mfrec.js')) && existsSync(join(WEB, 'wasm', 'mfrec.wasm'))
    && existsSync(join(WEB, 'bundle', 'bundle.mfm'));
}

export function median(a) {
  const s = [...a].sort((x, y) => x - y);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}
