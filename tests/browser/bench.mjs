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


// Keypress to updated list (issue 11): a visitor with `nRated` stored ratings (the most-rated
// movies) focuses a search result and presses 3 / 4 alternately; each time, from the keydown to
// the first task after the next frame (the update, style, layout and paint done), median over
// `reps` presses. Also the page's own update time (S.timings.update: the JS work).
async function keypressToList(browser, url, nRated = 150, reps = 30) {
  const ctx = await newContext(browser, { serviceWorkers: 'block', viewport: { width: 1366, height: 900 } });
  try {
    let page = await openPage(ctx, url);
    const ids = await page.evaluate((n) => {
      const c = window.__mfrec.S.cat;
      const rows = Array.from(c.counts.keys()).sort((a, b) => c.counts[b] - c.counts[a]).slice(0, n);
      return rows.map((r) => c.ids[r]);
    }, nRated);
    await page.evaluate((list) => {
      localStorage.setItem('mfrec.ratings.v1', JSON.stringify(list.map((id, i) => [id, 1 + (i % 9) / 2, 1700000000 + i, 1700000000 + i])));
    }, ids);
    await page.close();
    page = await openPage(ctx, url);
    const rated = await page.evaluate(() => window.__mfrec.S.store.size);
    await page.fill('#search', 'love');
    await page.waitForFunction(() => document.querySelectorAll('#search-results > li').length > 0);
    await page.evaluate(() => {
      window.__kp = [];
      document.addEventListener('keydown', () => {
        const t0 = performance.now();
        requestAnimationFrame(() => setTimeout(() => window.__kp.push(performance.now() - t0), 0));
      }, true);
    });
    await page.focus('#search-results > li:nth-child(3) .m-title');
    for (let i = 0; i < reps; i++) {
      await page.keyboard.press(i % 2 ? '4' : '3');
      await page.waitForFunction((k) => window.__kp.length >= k, i + 1);
    }
    const r = await page.evaluate(() => ({ kp: window.__kp, upd: window.__mfrec.S.timings.update.slice(-30), n: window.__mfrec.S.cat.n }));
    return { ...r, rated };
  } finally {
    await ctx.close();
  }
}

// time to interactive on a second visit (the service worker's cache), `runs` times in one context
async function warmTimeToInteractive(browser, url, runs = 3) {
  const ctx = await newContext(browser);
  const tti = [];
  try {
    const first = await openPage(ctx, url);
    await first.waitForFunction(() => document.documentElement.dataset.offline === '1', null, { timeout: 60000 });
    await first.close();
    for (let k = 0; k < runs; k++) {
      const page = await ctx.newPage();
      await page.goto(url);
      await page.waitForFunction(() => window.__mfrec && (window.__mfrec.interactiveMs !== null || window.__mfrec.errors.length), null, { timeout: 60000 });
      tti.push(await page.evaluate(() => window.__mfrec.interactiveMs));
      await page.close();
    }
  } finally {
    await ctx.close();
  }
  return tti;
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
    name: `${BIG_N.toLocaleString('en')} movies: keypress to updated list at 150 ratings; time to interactive cold and warm`,
    real: true,
    fn: async (t) => {
      const site = bigSite();
      const srv = await startServer([], site);
      try {
        const r = await keypressToList(t.browser, srv.url, 150, 30);
        t.numbers.push(`87k movies, ${r.rated} ratings: keypress to updated list (keydown -> next frame painted), median of ${r.kp.length}: ${median(r.kp).toFixed(1)} ms `
          + `(min ${Math.min(...r.kp).toFixed(1)}, max ${Math.max(...r.kp).toFixed(1)}) ${bar(median(r.kp), 50, 'ms')}; the page's update work median ${median(r.upd).toFixed(1)} ms`);
        const cold = await timeToInteractive(t.browser, srv.url, 3);
        const warm = await warmTimeToInteractive(t.browser, srv.url, 3);
        t.numbers.push(`87k movies: time to interactive cold ${cold.tti.map((v) => v.toFixed(0)).join(', ')} ms (median ${median(cold.tti).toFixed(0)}); `
          + `warm (service worker cache) ${warm.map((v) => v.toFixed(0)).join(', ')} ms (median ${median(warm).toFixed(0)})`);
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
