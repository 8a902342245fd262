#!/usr/bin/env node
// Browser test of `mfrec report`: the page is written by the binary, opened from disk (file://,
// no server, every network request refused) in the system Chromium, and must draw every chart
// (at least 6) with no console error and no failed request. A screenshot goes to
// tests/browser/screenshots/report.png.
//
//   node tests/browser/report.mjs [path/to/mfrec]      (default build/mfrec; `npm ci` first)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO, launch } from './harness.mjs';

const mfrec = process.argv[2] || join(REPO, 'build', 'mfrec');
const data = join(REPO, 'data', 'ml-latest-small');
const dir = mkdtempSync(join(tmpdir(), 'mfrec-report-'));
let failed = 0;
const check = (ok, what) => { console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`); if (!ok) failed++; };

try {
  const run = (...args) => execFileSync(mfrec, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const split = ['--data', data, '--split', 'user-time:0.2', '--seed', '42', '--quiet'];
  run('train', ...split, '--model', 'pop', '--out', join(dir, 'pop.mfm'));
  // train --report: the data plots, the metric table and the learning curves of one run
  run('train', ...split, '--model', 'als', '--iterations', '6', '--out', join(dir, 'als.mfm'),
      '--report', join(dir, 'train-report'));
  // report with two models (their comparison) and a tuning log
  run('tune', '--data', data, '--split', 'random:0.2', '--model', 'als', '--iterations', '4', '--trials', '4',
      '--space', 'factors=8,16;regularization=log:3:30', '--log', join(dir, 'trials.tsv'), '--quiet');
  const out = JSON.parse(run('report', ...split, '--model', join(dir, 'pop.mfm'), '--model', join(dir, 'als.mfm'),
                             '--tune-log', join(dir, 'trials.tsv'), '--out', join(dir, 'report'), '--format', 'json'));
  check(out.charts >= 9, `report lists ${out.charts} charts`);

  const browser = await launch();
  for (const [name, page_dir, want] of [['report', 'report', 9], ['train-report', 'train-report', 8]]) {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const errors = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
    // opened from disk: any request to the network is a defect (and refused)
    await page.route(/^https?:/, (route) => { errors.push(`network request: ${route.request().url()}`); route.abort(); });
    await page.goto(pathToFileURL(join(dir, page_dir, 'index.html')).href);
    const drawn = await page.evaluate(() => window.mfrecReport);
    const rendered = await page.$$eval('.chart[data-rendered="1"]', (els) => els.length);
    const withMarks = await page.$$eval('.chart svg', (els) => els.filter((s) => s.querySelectorAll('path').length > 0).length);
    check(drawn >= want && rendered === drawn, `${name}: ${rendered} of ${drawn} charts rendered (want >= ${want})`);
    check(withMarks === rendered, `${name}: ${withMarks} charts have drawn marks`);
    check(errors.length === 0, `${name}: no console error or request${errors.length ? ': ' + errors.join(' | ') : ''}`);
    mkdirSync(join(REPO, 'tests', 'browser', 'screenshots'), { recursive: true });
    await page.screenshot({ path: join(REPO, 'tests', 'browser', 'screenshots', `${name}.png`), fullPage: true });
    await page.close();
  }
  await browser.close();
} catch (e) {
  console.error(e);
  failed++;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(failed ? `${failed} failed` : 'report: all passed');
process.exit(failed ? 1 : 0);
