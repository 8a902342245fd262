// Browser measurements (not tests: nothing here fails on a slow or busy machine). Run by
// scripts/bench.sh through `node tests/browser/run.mjs --bench`; each entry pushes its figures,
// with the project's bar and whether this run met it, to t.numbers ("measured:" in the output,
// copied into docs/BENCHMARKS.md). The behaviour behind each figure is asserted in tests.mjs.
import { rmSync } from 'node:fs';
import { newContext, openPage, startServer, median } from './harness.mjs';
import { BIG_N, bigBundle, bigSite, search, rateFromSearch, trainInPage, nativeRmse } from './tests.mjs';

const bar = (value, limit, unit) => `(bar ≤ ${limit} ${unit}: ${value <= limit ? 'met' : 'MISSED'})`;

// time to interactive (navigation start -> search usable) with a cold cache, `runs` fresh contexts
async function timeToInteractive(browser, url, runs = 3) {
  const tti = [], boots = [];
  for (let k = 0; k < runs; k++) {
    const ctx = await newContext(browser, { serviceWorkers: 'block' });
    const page = await ctx.newPage();
    await page.goto(url);
    await page.waitForFunction(() => window.__mfrec && (window.__mfrec.interactiveMs !== null || window.__mfrec.errors.length), null, { timeout: 60000 });
    const r = await page.evaluate(() => ({ tti: window.__mfrec.interactiveMs, boot: window.__mfrec.boot, errors: window.__mfrec.errors }));
    await ctx.close();
    if (r.errors.length) throw new Error(r.errors.join('; '));
    tti.push(r.tti);
    boots.push(JSON.stringify(r.boot));
  }
  return { tti, boots };
}

// mean ms per query of the page's title search over a fixed query set
async function searchSpeed(browser, url, queries, reps) {
  const ctx = await newContext(browser, { serviceWorkers: 'block' });
  try {
    const page = await openPage(ctx, url);
    return await page.evaluate(([qs, n]) => {
      const cat = window.__mfrec.S.cat;
      for (const q of qs) cat.search(q, 40);   // warm-up
      const t0 = performance.now();
      for (let r = 0; r < n; r++) for (const q of qs) cat.search(q, 40);
      return (performance.now() - t0) / (n * qs.length);
    }, [queries, reps]);
  } finally {
    await ctx.close();
  }
}

// bench.html: foldIn(20 ratings) + rank and its parts
async function enginePage(browser, url) {
  const ctx = await newContext(browser, { serviceWorkers: 'block' });
  try {
    const page = await ctx.newPage();
    await page.goto(`${url}bench.html?reps=200`);
    await page.waitForFunction(() => window.__bench, null, { timeout: 120000 });
    const b = await page.evaluate(() => window.__bench);
    if (b.error) throw new Error(`benchmark page failed: ${b.error}`);
    return b;
  } finally {
    await ctx.close();
  }
}

const f = (s) => `${s.median.toFixed(3)} ms (p10 ${s.p10.toFixed(3)}, p90 ${s.p90.toFixed(3)})`;

export const benches = [
  {
    name: 'shipped bundle: time to interactive, search, foldIn + rank',
    fn: async (t) => {
      const { tti, boots } = await timeToInteractive(t.browser, t.url);
      t.numbers.push(`time-to-interactive (cold cache, navigation start -> search usable): ${tti.map((v) => v.toFixed(0)).join(', ')} ms; median ${median(tti).toFixed(0)} ms ${bar(median(tti), 1500, 'ms')}`);
      t.numbers.push(`  boot phases (ms since navigation): ${boots.join(' ')}`);
      const ms = await searchSpeed(t.browser, t.url, ['a', 'the', 'love', 'star wars', 'amelie', 'xyz', 'de la', 'man 19'], 10);
      t.numbers.push(`search: ${ms.toFixed(2)} ms per query (mean over 80 queries) ${bar(ms, 50, 'ms')}`);
      const b = await enginePage(t.browser, t.url);
      t.numbers.push(`foldIn(20)+rank(top 20) median over ${b.foldInRank.reps} reps: ${f(b.foldInRank)} [${b.n} movies, k=${b.factors}, isolated=${b.crossOriginIsolated}] ${bar(b.foldInRank.median, 5, 'ms')}`);
      t.numbers.push(`  parts: foldIn ${f(b.foldIn)}; rank ${f(b.rank)}; scoreAll ${f(b.scoreAll)}; explain ${f(b.explain)}; similar ${f(b.similar)}`);
    },
  },
  {
    name: `${BIG_N.toLocaleString('en')} movies (ML-32M size): time to interactive, search, foldIn + rank`,
    real: true,
    fn: async (t) => {
      const t0 = Date.now();
      const big = bigBundle();
      t.numbers.push(`87k bundle: ${(big.length / 1048576).toFixed(1)} MB (built or reused in ${((Date.now() - t0) / 1000).toFixed(0)} s)`);
      const site = bigSite();
      const srv = await startServer([], site);
      try {
        const { tti, boots } = await timeToInteractive(t.browser, srv.url);
        t.numbers.push(`87k movies: time-to-interactive ${tti.map((v) => v.toFixed(0)).join(', ')} ms (median ${median(tti).toFixed(0)}) ${bar(median(tti), 1500, 'ms')}`);
        t.numbers.push(`  87k boot phases (ms since navigation): ${boots.join(' ')}`);
        const ms = await searchSpeed(t.browser, srv.url, ['a', 'the', 'love', 'star wars', 'amelie', 'ca recommence', 'xyz', 'de la', 'man 19', 'edition speciale'], 5);
        t.numbers.push(`87k search: ${ms.toFixed(2)} ms per query ${bar(ms, 50, 'ms')}`);
        const b = await enginePage(t.browser, srv.url);
        t.numbers.push(`87k foldIn(20)+rank(top 20) median over ${b.foldInRank.reps} reps: ${f(b.foldInRank)} [${b.n} movies, k=${b.factors}] ${bar(b.foldInRank.median, 5, 'ms')}`);
        t.numbers.push(`  87k parts: foldIn ${f(b.foldIn)}; rank ${f(b.rank)}; scoreAll ${f(b.scoreAll)}; similar ${f(b.similar)}`);
      } finally {
        await srv.stop();
        rmSync(site, { recursive: true, force: true });
      }
    },
  },
  {
    name: 'in-browser training: ml-latest-small, k = 32, 10 iterations',
    real: true,
    fn: async (t) => {
      const ctx = await newContext(t.browser);
      try {
        const page = await openPage(ctx, t.url);
        const isolated = await page.evaluate(() => crossOriginIsolated);
        await rateFromSearch(page, 'toy story', /^Toy Story\s*\(1995\)$/, 5);
        await search(page, '');
        const { seconds, browserRmse } = await trainInPage(page, { iterations: 10, factors: 32 });
        const native = nativeRmse(32, 10);
        t.numbers.push(`in-browser training (ml-latest-small, k=32, 10 iterations, ${isolated ? 'threaded' : 'single-threaded'}): ${seconds.toFixed(2)} s wall `
          + `(click to done) ${bar(seconds, 3, 's')}; test RMSE ${browserRmse} vs native ${native.toFixed(4)} on the same split`);
      } finally {
        await ctx.close();
      }
    },
  },
];
