#!/usr/bin/env node
// Browser tests of the static page with playwright-core and the system Chromium.
//
//   node tests/browser/run.mjs [--mock] [--bench] [NAME-FILTER ...]
//
// Needs web/wasm/ (mfrec.js, mfrec.wasm, mfrec_mt.*) and web/bundle/bundle.mfm built, and
// `npm ci` run at the repository root. --mock swaps in the JS stand-in of tests/browser/mock/
// (development only; tests that need the real build are skipped). --bench runs the measurements
// of tests/browser/bench.mjs instead of the tests (scripts/bench.sh; the tests time nothing).
// Screenshots go to tests/browser/screenshots/. Prints what was noted or measured, then
// "N passed, M failed".
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { REPO, WEB, MOCK, MOCK_BUNDLE, startServer, launch, haveRealBuild } from './harness.mjs';

const filters = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const BENCH = process.argv.includes('--bench');
const TEST_TIMEOUT_MS = Number(process.env.MFREC_BROWSER_TEST_TIMEOUT || 300000);

function withTimeout(p, ms, name) {
  let timer;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise((_, rej) => { timer = setTimeout(() => rej(new Error(`timed out after ${ms / 1000} s: ${name}`)), ms); }),
  ]);
}

async function main() {
  // the vendored map library (generated from node_modules)
  execFileSync('node', [join(WEB, 'tools', 'vendor.mjs')], { stdio: 'inherit' });
  if (MOCK) {
    execFileSync('node', [join(REPO, 'tests', 'browser', 'mock', 'make-mock-bundle.mjs'), join(REPO, 'data', 'ml-latest-small'), MOCK_BUNDLE], { stdio: 'inherit' });
  } else if (!haveRealBuild()) {
    console.error('browser tests: web/wasm/mfrec.{js,wasm} and web/bundle/bundle.mfm are needed.\n'
      + '  build the wasm module (docs/WEB_API.md) and the bundle:\n'
      + '  ./build/mfrec train --model als --data data/ml-latest-small --split none --out /tmp/m.mfm && ./build/mfrec export-web --model /tmp/m.mfm --out web/bundle');
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
  const tests = BENCH ? (await import('./bench.mjs')).benches : (await import('./tests.mjs')).tests;
  const selected = tests.filter((t) => !filters.length || filters.some((f) => t.name.includes(f)));
  // MFREC_WEB_DIR: serve another copy of the page (e.g. an older commit's web/, to check that a
  // new test fails there); default web/
  const server = await startServer([], process.env.MFREC_WEB_DIR || null);
  const browser = await launch();
  const t = { browser, url: server.url, numbers: [] };
  let passed = 0, failed = 0, skipped = 0;
  const failures = [];
  console.log(`browser ${BENCH ? 'measurements' : 'tests'}: ${selected.length} against ${server.url}${MOCK ? ' (MOCK engine)' : ''}, Chromium ${browser.version()}`);
  try {
    for (const test of selected) {
      if (test.real && MOCK) { skipped++; console.log(`skip  ${test.name} (needs the real wasm build)`); continue; }
      const t0 = Date.now();
      try {
        await withTimeout(test.fn(t), TEST_TIMEOUT_MS, test.name);
        passed++;
        console.log(`ok    ${test.name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      } catch (e) {
        failed++;
        failures.push(test.name);
        console.log(`FAIL  ${test.name} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n      ${String(e && e.stack || e).split('\n').slice(0, 6).join('\n      ')}`);
      }
    }
  } finally {
    await browser.close().catch(() => {});
    await server.stop();
  }
  if (t.numbers.length) {
    console.log('\nmeasured:');
    for (const line of t.numbers) console.log(`  ${line}`);
  }
  if (failures.length) console.log(`\nfailed:\n  ${failures.join('\n  ')}`);
  console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  console.log('0 passed, 1 failed');
  process.exit(1);
});
