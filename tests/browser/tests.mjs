// The browser tests: what a visitor does on the page, in order. Each entry is
// {name, fn(t), real?: needs the real wasm build (skipped under --mock)}. `t` carries the browser,
// the server URL and state shared along the visitor's journey.
import { readFileSync, writeFileSync, mkdirSync, existsSync, rmSync, statSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import {
  REPO, WEB, MOCK, startServer, newContext, openPage, waitReadyPage, shot, assert, near,
} from './harness.mjs';
import { Reference, readSections, sameRanking } from './reference.mjs';
import { productTests } from './product.mjs';
import { siteTests } from './site.mjs';

// how the page formats numbers (en locale; a real minus sign for negative terms)
const fmt1 = (v) => new Intl.NumberFormat('en', { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(v);
const fmt2 = (v) => new Intl.NumberFormat('en', { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(v);
const fmtInt = (v) => new Intl.NumberFormat('en').format(v);
const fmtSigned = (v) => {
  const r = Math.abs(v).toFixed(2);
  return Number(r) === 0 ? '0.00' : (v < 0 ? '\u2212' : '+') + r;
};
const clamp = (v) => Math.min(5, Math.max(0.5, v));

// ---------------------------------------------------------------- page helpers
export async function search(page, q) {
  await page.fill('#search', q);
  await page.waitForFunction((qq) => document.getElementById('search').value === qq
    && (qq.trim() === '' || document.getElementById('search-count').textContent !== ''), q);
}

// rate the first search result whose title matches `re` with `value` by clicking the half star
export async function rateFromSearch(page, q, re, value) {
  await search(page, q);
  const items = page.locator('#search-results > li');
  const n = await items.count();
  for (let i = 0; i < n; i++) {
    const li = items.nth(i);
    const title = await li.locator('.m-title').textContent();
    if (re.test(title)) {
      const stars = li.locator('.stars');
      const box = await stars.boundingBox();
      const x = box.x + (box.width * (value * 2 - 0.5)) / 10;
      await page.mouse.click(x, box.y + box.height / 2);
      const got = Number(await stars.getAttribute('data-value'));
      assert(got === value, `rating ${title}: clicked for ${value}, widget shows ${got}`);
      return { id: Number(await li.getAttribute('data-id')), title };
    }
  }
  throw new Error(`no search result for "${q}" matches ${re}`);
}

const ratedCount = (page) => page.evaluate(() => Number(document.getElementById('rated-count').textContent));
const recIds = (page) => page.$$eval('#recs > li[data-id]', (lis) => lis.map((li) => Number(li.dataset.id)));

async function mapPixels(page, selector = '#map canvas.base') {
  return page.$eval(selector, (c) => {
    const ctx = c.getContext('2d');
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
    return n;
  });
}

// ---------------------------------------------------------------- bundles for the tests
function mfrecBinary() {
  const cands = [process.env.MFREC_BIN, join(REPO, 'build', 'mfrec')].filter(Boolean);
  return cands.find((p) => existsSync(p)) || null;
}

// A catalog whose titles are HTML/script injections, exported by the real exporter (or, under
// --mock, as a mock JSON bundle).
export const EVIL_TITLES = ['<img src=x onerror=alert(1)>', '<script>window.__xss=1</script> (2001)',
  '"><svg onload=alert(2)> (1999)', 'Fine & <b>bold</b> (2003)'];

function csvField(s) { return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s; }

function evilBundle() {
  const dir = join(tmpdir(), `mfrec-evil-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'data'), { recursive: true });
  const genres = ['Comedy', 'Drama', 'Action|Thriller', 'Romance|Comedy', 'Horror', 'Sci-Fi|Action', 'Animation|Children'];
  const movies = ['movieId,title,genres'];
  const n = 40;
  for (let i = 1; i <= n; i++) {
    const title = i <= EVIL_TITLES.length ? EVIL_TITLES[i - 1] : `Plain Movie ${i} (${1980 + i})`;
    movies.push(`${i},${csvField(title)},${genres[i % genres.length]}`);
  }
  const ratings = ['userId,movieId,rating,timestamp'];
  let seed = 7;
  const rnd = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x7fffffff; };
  for (let u = 1; u <= 80; u++) {
    for (let i = 1; i <= n; i++) {
      if (rnd() < 0.45) ratings.push(`${u},${i},${(1 + Math.floor(rnd() * 9)) / 2},${1000000000 + u * 1000 + i}`);
    }
  }
  writeFileSync(join(dir, 'data', 'movies.csv'), movies.join('\n') + '\n');
  writeFileSync(join(dir, 'data', 'ratings.csv'), ratings.join('\n') + '\n');
  if (MOCK) {
    execFileSync('node', [join(REPO, 'tests', 'browser', 'mock', 'make-mock-bundle.mjs'), join(dir, 'data'), join(dir, 'bundle.mfm')]);
    const b = readFileSync(join(dir, 'bundle.mfm'));
    rmSync(dir, { recursive: true, force: true });
    return b;
  }
  const bin = mfrecBinary();
  assert(bin, 'the mfrec binary (build/mfrec or $MFREC_BIN) is needed to export the test bundle');
  execFileSync(bin, ['train', '--model', 'als', '--data', join(dir, 'data'), '--split', 'none', '--factors', '4', '--iterations', '3', '--out', join(dir, 'm.mfm'), '--quiet'], { stdio: 'pipe' });
  execFileSync(bin, ['export-web', '--model', join(dir, 'm.mfm'), '--out', join(dir, 'web')], { stdio: 'pipe' });
  const b = readFileSync(join(dir, 'web', 'bundle.mfm'));
  rmSync(dir, { recursive: true, force: true });
  return b;
}

// A bundle with 87,585 movies, the size of ML-32M's catalog: titles derived from
// ml-latest-small's (variants with other years and accented subtitles), ratings from `mfrec synth`,
// k = 64. Built once into /tmp and reused while data/ and the binary are unchanged.
export const BIG_N = 87585;
export function bigBundle() {
  const dir = join(tmpdir(), 'mfrec-big-catalog');
  const out = join(dir, 'web', 'bundle.mfm');
  const bin = mfrecBinary();
  assert(bin, 'the mfrec binary (build/mfrec or $MFREC_BIN) is needed to build the 87k-movie bundle');
  if (existsSync(out) && statSync(out).mtimeMs > statSync(bin).mtimeMs) return readFileSync(out);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'cat'), { recursive: true });
  const src = readFileSync(join(REPO, 'data', 'ml-latest-small', 'movies.csv'), 'utf8').split(/\r?\n/).slice(1).filter(Boolean);
  const parsed = src.map((l) => {
    const m = /^(\d+),(?:"((?:[^"]|"")*)"|([^,]*)),(.*)$/.exec(l);
    return { title: (m[2] ?? m[3]).replace(/""/g, '"'), genres: m[4] };
  });
  const extra = ['', ': Director\'s Cut', ' II', ': Le Retour', ' — Édition spéciale', ': Ça recommence', ' Returns', ': Åter', ' (Remake)'];
  const lines = ['movieId,title,genres'];
  for (let i = 0; i < BIG_N; i++) {
    const b = parsed[i % parsed.length];
    const round = Math.floor(i / parsed.length);
    let title = b.title;
    if (round > 0) {
      const y = /\((\d{4})\)\s*$/.exec(title);
      const base = title.replace(/\s*\(\d{4}\)\s*$/, '');
      title = `${base}${extra[round % extra.length]} (${y ? Number(y[1]) + round : 1990 + round})`;
    }
    lines.push(`${i + 1},${csvField(title)},${b.genres}`);
  }
  writeFileSync(join(dir, 'cat', 'movies.csv'), lines.join('\n') + '\n');
  execFileSync(bin, ['synth', '--like', 'ml-32m', '--movies', join(dir, 'cat', 'movies.csv'), '--out', join(dir, 'data'), '--ratings', '400000', '--quiet'], { stdio: 'pipe' });
  // synth keeps the movies its ratings touch; the model's catalog is the whole movies.csv
  writeFileSync(join(dir, 'data', 'movies.csv'), readFileSync(join(dir, 'cat', 'movies.csv')));
  execFileSync(bin, ['train', '--model', 'als', '--data', join(dir, 'data'), '--split', 'none', '--factors', '64', '--iterations', '3', '--out', join(dir, 'm.mfm'), '--quiet'], { stdio: 'pipe' });
  execFileSync(bin, ['export-web', '--model', join(dir, 'm.mfm'), '--out', join(dir, 'web')], { stdio: 'pipe' });
  return readFileSync(out);
}

function realBundle() {
  return readFileSync(MOCK ? '/tmp/mfrec-mock-bundle.json' : join(WEB, 'bundle', 'bundle.mfm'));
}

// A context whose bundle request is answered by `handler(route)` (service workers blocked so the
// route sees the request).
async function routedContext(t, handler, opts = {}) {
  const ctx = await newContext(t.browser, { serviceWorkers: 'block', ...opts });
  await ctx.route('**/bundle/bundle.mfm', handler);
  return ctx;
}

// ---------------------------------------------------------------- the independent reference
// (tests/browser/reference.mjs: the bundle read and every answer computed in plain JavaScript,
// double precision, without the engine). Under --mock the engine is a stand-in: no reference.
const TOL = 2e-4;   // float32 engine vs double reference (measured under node: 5e-7 on scores after a fold-in)

function referenceFor(bytes) {
  return MOCK ? null : new Reference(bytes);
}

// What the page holds and shows: the visitor's ratings, the filter controls, the recommendations.
async function pageState(page) {
  return page.evaluate(() => {
    const num = (id) => Number(document.getElementById(id).value) || 0;
    return {
      stored: JSON.parse(localStorage.getItem('mfrec.ratings.v1') || '[]'),
      genre: num('f-genre'), min: num('f-min'), ymin: num('f-ymin'), ymax: num('f-ymax'),
      recs: [...document.querySelectorAll('#recs > li[data-row]')].map((li) => ({
        row: Number(li.dataset.row), id: Number(li.dataset.id), raw: Number(li.dataset.raw),
        shown: li.querySelector('.score').textContent,
      })),
    };
  });
}

// the visitor's ratings as [row, rating] pairs of the reference
function ratedRows(ref, stored) {
  return stored.map(([id, r]) => [ref.row.get(Number(id)), Number(r)]).filter(([row]) => row !== undefined);
}

// A displayed one-decimal value is the reference value, rounded (either way within tol)
function shownIs(shown, value, tol, msg) {
  const ok = [value - tol, value, value + tol].map((v) => fmt1(clamp(v)));
  // the list shows "★ 4.3" (and "± 0.6" when the engine gives an sd)
  const v = shown.replace(/^\s*[★≈]\s*/, '').replace(/\s*(±.*|for you)$/, '').trim();
  assert(ok.includes(v), `${msg}: shown "${shown}", reference ${value.toFixed(4)} (${ok.join(' / ')})`);
}

// The page's recommendation list equals the reference ranking for the page's own ratings and
// filters: the same movies in the same order (float ties aside), the raw scores, the shown scores.
async function expectRecs(t, page, label) {
  const st = await pageState(page);
  const ref = t.ref;
  const rated = ratedRows(ref, st.stored);
  const { x } = ref.foldIn(rated);
  const want = ref.rank(x, {
    exclude: rated.map(([row]) => row),
    minCount: st.min,
    genreMask: st.genre ? (1 << (st.genre - 1)) >>> 0 : 0,
    yearMin: st.ymin ? Math.max(1, Math.min(32767, st.ymin)) : 0,
    yearMax: st.ymax ? Math.max(1, Math.min(32767, st.ymax)) : 0,
  }, 20);
  const s = ref.scores(x);
  const diff = sameRanking(st.recs.map((r) => r.row), want.map((w) => w.row), (row) => s[row], TOL, label);
  assert(!diff, diff);
  for (const r of st.recs) {
    near(r.raw, s[r.row], TOL, `${label}: raw score of row ${r.row}`);
    shownIs(r.shown, s[r.row], TOL, `${label}: shown score of row ${r.row}`);
    assert(ref.ids[r.row] === r.id, `${label}: row ${r.row} is movie ${ref.ids[r.row]}, the page says ${r.id}`);
  }
  return { st, x, want, rated };
}

// A copy of web/ (symlinks) whose bundle is the 87k one, to serve through serve.sh itself; the
// caller removes it.
export function bigSite() {
  bigBundle();
  const site = join(tmpdir(), `mfrec-big-site-${process.pid}-${Date.now()}`);
  rmSync(site, { recursive: true, force: true });
  mkdirSync(join(site, 'bundle'), { recursive: true });
  for (const f of readdirSync(WEB)) if (f !== 'bundle') symlinkSync(join(WEB, f), join(site, f));
  symlinkSync(join(tmpdir(), 'mfrec-big-catalog', 'web', 'bundle.mfm'), join(site, 'bundle', 'bundle.mfm'));
  return site;
}

// Trains in the page (the Train panel) on ml-latest-small's ratings.csv; resolves when done.
export async function trainInPage(page, { iterations, factors }) {
  await page.click('#train summary');
  await page.setInputFiles('#train-file', join(REPO, 'data', 'ml-latest-small', 'ratings.csv'));
  await page.fill('#train-iterations', String(iterations));
  await page.fill('#train-factors', String(factors));
  const t0 = Date.now();
  await page.click('#train-go');
  await page.waitForSelector('#train-status[data-done="1"], #train-status:has-text("failed")', { timeout: 240000 });
  const seconds = (Date.now() - t0) / 1000;
  const status = await page.textContent('#train-status');
  assert(!/failed/.test(status), status);
  return { status, seconds, browserRmse: Number((status.match(/test RMSE ([0-9.]+)/) || [])[1]) };
}

// The native trainer's test RMSE for the same options and split as the page's training
export function nativeRmse(factors, iterations) {
  const out = execFileSync(mfrecBinary(), ['train', '--model', 'als', '--data', join(REPO, 'data', 'ml-latest-small'), '--split', 'random:0.2',
    '--seed', '42', '--factors', String(factors), '--iterations', String(iterations), '--format', 'json', '--quiet'], { encoding: 'utf8' });
  return JSON.parse(out).test_rmse;
}

// A copy of web/ (symlinks) whose bundle is exported from `model` (a model file) at f32; the
// caller removes it.
export function siteWithModel(model) {
  const site = join(tmpdir(), `mfrec-site-${process.pid}-${Date.now()}`);
  rmSync(site, { recursive: true, force: true });
  mkdirSync(site, { recursive: true });
  for (const f of readdirSync(WEB)) if (f !== 'bundle') symlinkSync(join(WEB, f), join(site, f));
  execFileSync(mfrecBinary(), ['export-web', '--model', model, '--out', join(site, 'bundle'), '--quantize', 'f32', '--quiet'], { stdio: 'pipe' });
  return site;
}

// ---------------------------------------------------------------- tests
export const tests = [
  {
    name: 'loads with a cold cache and becomes interactive: search usable, boot phases in order',
    fn: async (t) => {
      // (how fast: scripts/bench.sh measures it, tests/browser/bench.mjs)
      const ctx = await newContext(t.browser);
      const page = await ctx.newPage();
      await page.goto(t.url);
      await page.waitForFunction(() => window.__mfrec && window.__mfrec.interactiveMs !== null && !document.getElementById('search').disabled, null, { timeout: 30000 });
      const { tti, boot } = await page.evaluate(() => ({ tti: window.__mfrec.interactiveMs, boot: window.__mfrec.boot }));
      assert(Number.isFinite(tti) && tti > 0, `interactiveMs is a time: ${tti}`);
      const phases = ['start', 'bundle', 'model', 'wired', 'refreshed'];
      for (let p = 0; p < phases.length; p++) {
        assert(Number.isFinite(boot[phases[p]]), `boot phase ${phases[p]} recorded: ${JSON.stringify(boot)}`);
        if (p) assert(boot[phases[p]] >= boot[phases[p - 1]], `boot phase ${phases[p]} after ${phases[p - 1]}: ${JSON.stringify(boot)}`);
      }
      assert(boot.refreshed <= tti + 1, `interactive after the first refresh (phases are rounded to 1 ms): ${JSON.stringify(boot)}, ${tti}`);
      await waitReadyPage(page);
      await search(page, 'toy story');
      const first = await page.textContent('#search-results > li:first-child .m-title');
      assert(/^Toy Story\s*\(1995\)$/.test(first.trim()), `search works once interactive: ${first}`);
      await search(page, '');
      await shot(page, '01-initial');
      await ctx.close();
    },
  },
  {
    name: 'at 87,585 movies (ML-32M size): the catalog loads, search finds accented variants, picks match the reference, the map draws',
    real: true,
    fn: async (t) => {
      // (time to interactive, search and fold-in speed at this size: tests/browser/bench.mjs)
      const big = bigBundle();
      const ref = new Reference(big);
      assert(ref.n === BIG_N, `the reference reads ${ref.n} movies`);
      const site = bigSite();
      const srv = await startServer([], site);
      try {
        const ctx = await newContext(t.browser, { serviceWorkers: 'block' });
        const page = await openPage(ctx, srv.url);
        const n = await page.evaluate(() => window.__mfrec.S.cat.n);
        assert(n === BIG_N, `${n} movies`);
        await search(page, 'ca recommence');
        const hits = await page.$$eval('#search-results .m-title', (els) => els.map((e) => e.textContent));
        assert(hits.some((h) => h.includes('Ça recommence')), `accent-insensitive at 87k: ${hits.slice(0, 2)}`);
        await rateFromSearch(page, 'toy story', /^Toy Story\s*\(1995\)$/, 5);
        await page.waitForFunction(() => Number(document.getElementById('rated-count').textContent) === 1);
        await expectRecs({ ref }, page, '87k picks after rating Toy Story');
        await page.locator('#map').scrollIntoViewIfNeeded();
        await page.waitForTimeout(500);
        const px = await mapPixels(page);
        assert(px > 5000, `87k map has drawn pixels: ${px}`);
        t.numbers.push(`87k bundle: ${(big.length / 1048576).toFixed(1)} MB; map renderer ${await page.getAttribute('#map', 'data-renderer')}`);
        await shot(page, '17-87k');
        assert(page.errors.length === 0, `no errors on the page: ${page.errors.join(' | ')}`);
        await ctx.close();
      } finally {
        await srv.stop();
        rmSync(site, { recursive: true, force: true });
      }
    },
  },
  {
    name: 'the list recommender (plain mfrec train): the page\'s top 10 for a set of ratings is mfrec recommend --rate\'s',
    real: true,
    fn: async (t) => {
      const dir = join(tmpdir(), `mfrec-hybrid-${process.pid}`);
      mkdirSync(dir, { recursive: true });
      const model = join(dir, 'm.mfm');
      // no --model: the default kind, the one scripts/run.sh exports
      execFileSync(mfrecBinary(), ['train', '--data', join(REPO, 'data', 'ml-latest-small'), '--split', 'none', '--seed', '42', '--quiet', '--out', model], { stdio: 'pipe' });
      const info = execFileSync(mfrecBinary(), ['info', model, '--format', 'json'], { encoding: 'utf8' });
      assert(/"hybrid"/.test(info), `plain mfrec train makes the list recommender: ${info.slice(0, 200)}`);
      const site = siteWithModel(model);
      const srv = await startServer([], site);
      try {
        const ctx = await newContext(t.browser, { serviceWorkers: 'block' });
        const page = await openPage(ctx, srv.url);
        assert(await page.evaluate(() => window.__mfrec.S.r.kind()) === 'hybrid', 'the page runs the hybrid bundle');
        const a = await rateFromSearch(page, 'toy story', /^Toy Story\s*\(1995\)$/, 5);
        const b = await rateFromSearch(page, 'matrix 1999', /Matrix\b.*\(1999\)$/, 4.5);
        const c = await rateFromSearch(page, 'titanic', /^Titanic\s*\(1997\)$/, 1.5);
        await page.waitForFunction(() => Number(document.getElementById('rated-count').textContent) === 3);
        await page.waitForFunction(() => document.querySelectorAll('#recs > li[data-id]').length >= 10);
        const pageTop = (await recIds(page)).slice(0, 10);
        const cli = JSON.parse(execFileSync(mfrecBinary(), ['recommend', '--model', model, '--rate',
          `${a.id}:5,${b.id}:4.5,${c.id}:1.5`, '-n', '10', '--format', 'json'], { encoding: 'utf8' }));
        const cliTop = cli.map((r) => r.movieId);
        assert(JSON.stringify(pageTop) === JSON.stringify(cliTop), `page ${pageTop} vs mfrec recommend ${cliTop}`);
        // the rating shown beside each pick is the CLI's predicted rating
        const shown = await page.evaluate((ids) => ids.map((id) => {
          const S = window.__mfrec.S;
          return S.r.rateAll(S.x)[S.r.findItem(id)];
        }), cliTop);
        for (let q = 0; q < 10; q++) near(Math.min(5, Math.max(0.5, shown[q])), cli[q].predicted, 0.006, `predicted rating of ${cliTop[q]}`);
        t.numbers.push(`hybrid page top 10 = mfrec recommend --rate: ${cliTop.join(' ')}`);
        // "not interested" in the first pick: the page's new list is mfrec recommend --not-interested's
        // (hidden, and the implicit part folds it in as a confident "no": other picks move too)
        const ni = pageTop[0];
        await page.locator(`#recs > li[data-id="${ni}"] [data-mark=notinterested]`).click();
        await page.mouse.move(2, 2);
        await page.locator('#search').focus();
        await page.waitForFunction((id) => ![...document.querySelectorAll('#recs > li[data-id]')].some((li) => Number(li.dataset.id) === id), ni);
        const pageNi = (await recIds(page)).slice(0, 10);
        const cliNi = JSON.parse(execFileSync(mfrecBinary(), ['recommend', '--model', model, '--rate',
          `${a.id}:5,${b.id}:4.5,${c.id}:1.5`, '--not-interested', String(ni), '-n', '10', '--format', 'json'], { encoding: 'utf8' }));
        assert(JSON.stringify(pageNi) === JSON.stringify(cliNi.map((r) => r.movieId)), `not interested: page ${pageNi} vs mfrec ${cliNi.map((r) => r.movieId)}`);
        const hiddenOnly = cliTop.slice(1).filter((id) => id !== ni);
        assert(JSON.stringify(cliNi.map((r) => r.score)) !== JSON.stringify(cli.slice(1, 11).map((r) => r.score)),
          'not interested moves the other picks\' scores (not only hides the movie)');
        t.numbers.push(`not interested in ${ni}: page top 10 = mfrec recommend --not-interested: ${pageNi.join(' ')} (was ${hiddenOnly.slice(0, 9).join(' ')} …)`);
        assert(page.errors.length === 0, `no errors on the page: ${page.errors.join(' | ')}`);
        await ctx.close();
      } finally {
        await srv.stop();
        rmSync(site, { recursive: true, force: true });
        rmSync(dir, { recursive: true, force: true });
      }
    },
  },
  {
    name: 'bayes: every pick shows a ± that narrows as the visitor rates, and the page and mfrec recommend agree on mean and sd',
    real: true,
    fn: async (t) => {
      const dir = join(tmpdir(), `mfrec-bayes-${process.pid}`);
      mkdirSync(dir, { recursive: true });
      const model = join(dir, 'm.mfm');
      execFileSync(mfrecBinary(), ['train', '--model', 'bayes', '--data', join(REPO, 'data', 'ml-latest-small'), '--split', 'none',
        '--seed', '42', '--burn-in', '10', '--samples', '40', '--quiet', '--out', model], { stdio: 'pipe' });
      const site = siteWithModel(model);
      const srv = await startServer([], site);
      try {
        const ctx = await newContext(t.browser, { serviceWorkers: 'block' });
        const page = await openPage(ctx, srv.url);
        assert(await page.evaluate(() => window.__mfrec.S.r.kind()) === 'bayes', 'the page runs the bayes bundle');
        // the engine's sd over the whole catalogue, and the ± shown beside the visible picks
        const spread = () => page.evaluate(() => {
          const S = window.__mfrec.S;
          const all = S.r.recommend(S.items, S.ratings, { n: S.cat.n, includeSeen: true });
          let sum = 0;
          for (const v of all.sd) sum += v;
          const lis = [...document.querySelectorAll('#recs > li[data-row]')].filter((li) => li.dataset.sd !== undefined);
          return {
            mean: sum / all.sd.length,
            shown: lis.slice(0, 10).map((li) => ({ id: Number(li.dataset.id), sd: Number(li.dataset.sd), text: li.querySelector('.score').textContent })),
          };
        });
        const picks = [['toy story', /^Toy Story\s*\(1995\)$/, 5], ['matrix 1999', /Matrix\b.*\(1999\)$/, 4.5],
          ['titanic', /^Titanic\s*\(1997\)$/, 1.5], ['forrest gump', /Forrest Gump/, 4], ['pulp fiction', /Pulp Fiction/, 2],
          ['star wars new hope', /Star Wars: Episode IV/, 5]];
        const means = [];
        let n = 0, rated = [];
        for (const [q, re, v] of picks) {
          const r = await rateFromSearch(page, q, re, v);
          rated.push(`${r.id}:${v}`);
          n++;
          await page.waitForFunction((k) => Number(document.getElementById('rated-count').textContent) === k, n);
          const sp = await spread();
          assert(sp.shown.length === 10 && sp.shown.every((x) => Number.isFinite(x.sd) && x.sd > 0 && /±/.test(x.text)),
            `every pick shows a ±: ${JSON.stringify(sp.shown.slice(0, 3))}`);
          means.push(sp.mean);
        }
        for (let k = 1; k < means.length; k++) assert(means[k] < means[k - 1], `the mean sd narrows with each rating: ${means.map((x) => x.toFixed(4))}`);
        // the same ratings through the CLI: the same top 10, the same predicted mean and sd
        const minCount = await page.$eval('#f-min', (e) => e.value);
        const cli = JSON.parse(execFileSync(mfrecBinary(), ['recommend', '--model', model, '--rate', rated.join(','), '-n', '10',
          '--min-ratings', minCount, '--format', 'json'], { encoding: 'utf8' }));
        const sp = await spread();
        assert(JSON.stringify(sp.shown.map((x) => x.id)) === JSON.stringify(cli.map((r) => r.movieId)),
          `page ${sp.shown.map((x) => x.id)} vs mfrec recommend ${cli.map((r) => r.movieId)}`);
        const shownMean = await page.$$eval('#recs > li[data-row]', (lis) => lis.slice(0, 10).map((li) => Number(li.dataset.score)));
        for (let k = 0; k < 10; k++) {
          near(sp.shown[k].sd, cli[k].sd, 0.01, `sd of ${cli[k].movieId}`);
          near(shownMean[k], cli[k].predicted, 0.006, `mean of ${cli[k].movieId}`);
        }
        t.numbers.push(`bayes page: mean sd over the catalogue after 1..6 ratings ${means.map((x) => x.toFixed(3)).join(' > ')}`);
        assert(page.errors.length === 0, `no errors on the page: ${page.errors.join(' | ')}`);
        await ctx.close();
      } finally {
        await srv.stop();
        rmSync(site, { recursive: true, force: true });
        rmSync(dir, { recursive: true, force: true });
      }
    },
  },
  {
    name: 'journey: the page shows the catalog, the map and first recommendations',
    fn: async (t) => {
      t.ref = referenceFor(realBundle());
      t.ctx = await newContext(t.browser);
      t.page = await openPage(t.ctx, t.url);
      const page = t.page;
      assert(await page.isHidden('#boot'), 'the loading screen is gone');
      const n = (await recIds(page)).length;
      assert(n === 20, `20 recommendations before any rating, got ${n}`);
      const chip = await page.textContent('#model-chip');
      if (t.ref) {
        // the chip states the bundle's size; the picks without ratings are the reference's
        // top 20 by μ + b_i (the zero visitor) under the default filters
        assert(chip.includes(`${fmtInt(t.ref.n)} movies · ${t.ref.k} factors`), `model chip: ${chip} (reference: ${t.ref.n} movies, k = ${t.ref.k})`);
        const { x } = await expectRecs(t, page, 'first picks');
        assert(x.every((v) => v === 0), 'no ratings: the zero visitor');
      } else {
        assert(/movies · \d+ factors/.test(chip), `model chip: ${chip}`);
      }
      t.before = await recIds(page);
      t.renderer = await page.getAttribute('#map', 'data-renderer');
      t.numbers.push(`map renderer in headless Chromium: ${t.renderer}`);
    },
  },
  {
    name: 'search is case- and accent-insensitive and shows years',
    fn: async (t) => {
      // (search speed: tests/browser/bench.mjs)
      const page = t.page;
      await search(page, 'toy story');
      const first = await page.textContent('#search-results > li:first-child .m-title');
      assert(/^Toy Story\s*\(1995\)$/.test(first.trim()), `first hit for "toy story": ${first}`);
      await search(page, 'AMELIE');
      const amelie = await page.$$eval('#search-results .m-title', (els) => els.map((e) => e.textContent));
      assert(amelie.some((s) => s.includes('Amélie')), `"AMELIE" finds Amélie: ${amelie.slice(0, 3)}`);
      await search(page, 'the matrix');
      const matrix = await page.$$eval('#search-results > li', (lis) => lis.map((li) => ({
        title: li.querySelector('.m-title').textContent, year: li.querySelector('.m-year')?.textContent, id: Number(li.dataset.id),
      })));
      assert(matrix.some((s) => /^The Matrix\s*\(1999\)$/.test(s.title.trim())), `"the matrix" finds "Matrix, The (1999)" shown as The Matrix: ${matrix.slice(0, 3).map((m) => m.title)}`);
      if (t.ref) {
        // every hit shows the year of its catalog entry, and every hit's title holds the words
        for (const m of matrix) {
          const row = t.ref.row.get(m.id);
          const y = t.ref.years[row];
          assert((m.year || '') === (y ? `(${y})` : ''), `year of movie ${m.id}: shown "${m.year}", catalog ${y}`);
          assert(/matrix/i.test(t.ref.titles[row]), `hit ${m.id} "${t.ref.titles[row]}" matches "the matrix"`);
        }
      } else {
        assert(matrix.some((m) => /^\(\d{4}\)$/.test(m.year || '')), 'years are shown');
      }
      await search(page, 'zzqxqzz');
      assert((await page.textContent('#search-count')).includes('No title matches'), 'no-match message');
      assert((await page.$$eval('#search-results > li', (l) => l.length)) === 0, 'no results listed for no match');
      await search(page, 'star wars');
      await shot(page, '02-search');
    },
  },
  {
    name: 'rating five movies (half stars, mouse and keyboard) updates recommendations, which exclude them',
    fn: async (t) => {
      const page = t.page;
      const rated = [];
      rated.push(await rateFromSearch(page, 'toy story', /^Toy Story\s*\(1995\)$/, 4.5));
      rated.push(await rateFromSearch(page, 'matrix', /^The Matrix\s*\(1999\)$/, 5));
      rated.push(await rateFromSearch(page, 'pulp fiction', /^Pulp Fiction/, 2.5));
      rated.push(await rateFromSearch(page, 'titanic', /^Titanic\s*\(1997\)$/, 1));
      // the fifth with the keyboard: focus the stars, End = 5, ArrowLeft = 4.5, ArrowLeft = 4
      await search(page, 'godfather');
      const li = page.locator('#search-results > li').filter({ hasText: /^The Godfather\s*\(1972\)/ }).first();
      const stars = li.locator('.stars');
      await stars.focus();
      await page.keyboard.press('End');
      await page.keyboard.press('ArrowLeft');
      await page.keyboard.press('ArrowLeft');
      assert((await stars.getAttribute('data-value')) === '4', 'keyboard rating is 4');
      assert((await stars.getAttribute('aria-valuetext')) === '4 stars', 'aria-valuetext says 4 stars');
      rated.push({ id: Number(await li.getAttribute('data-id')), title: 'The Godfather' });
      t.rated = rated;
      await page.waitForFunction(() => Number(document.getElementById('rated-count').textContent) === 5);
      const after = await recIds(page);
      assert(after.length === 20, `20 recommendations, got ${after.length}`);
      assert(after.join() !== t.before.join(), 'the recommendations changed');
      for (const r of rated) assert(!after.includes(r.id), `rated movie ${r.title} (${r.id}) is not recommended`);
      const stored = await page.evaluate(() => JSON.parse(localStorage.getItem('mfrec.ratings.v1')));
      assert(stored.length === 5, `5 ratings in localStorage, got ${stored.length}`);
      const want = [[rated[0].id, 4.5], [rated[1].id, 5], [rated[2].id, 2.5], [rated[3].id, 1], [rated[4].id, 4]];
      const got = stored.map(([id, r]) => `${id}:${r}`).sort().join();
      assert(got === want.map(([id, r]) => `${id}:${r}`).sort().join(), `stored ratings ${got}, expected ${want}`);
      if (t.ref) await expectRecs(t, page, 'picks after five ratings');
      // filters: genre + min count + years restrict the list
      const recsChange = (prev) => page.waitForFunction((p) => [...document.querySelectorAll('#recs > li[data-row]')].map((l) => l.dataset.row).join() !== p, prev);
      let prev = (await pageState(page)).recs.map((r) => r.row).join();
      await page.selectOption('#f-genre', { label: 'Comedy' });
      await recsChange(prev);
      const comedyRows = await page.$$eval('#recs > li[data-row]', (lis) => lis.map((li) => Number(li.dataset.row)));
      const allComedy = await page.evaluate((rows) => {
        const c = window.__mfrec.S.cat;
        const bit = c.genreNames.indexOf('Comedy');
        return rows.every((r) => (c.masks[r] >>> bit) & 1);
      }, comedyRows);
      assert(comedyRows.length > 0 && allComedy, 'genre filter: every pick is a comedy');
      if (t.ref) await expectRecs(t, page, 'comedies');
      prev = comedyRows.join();
      await page.fill('#f-ymin', '1990');
      await page.fill('#f-ymax', '1999');
      await page.selectOption('#f-min', '20');
      await recsChange(prev);
      const held = await page.evaluate(() => {
        const c = window.__mfrec.S.cat;
        const rows = [...document.querySelectorAll('#recs > li[data-row]')].map((li) => Number(li.dataset.row));
        return { n: rows.length, ok: rows.every((r) => c.years[r] >= 1990 && c.years[r] <= 1999 && c.counts[r] >= 20) };
      });
      assert(held.n > 0 && held.ok, `year and minimum-count filters hold on a non-empty list (${held.n} picks)`);
      if (t.ref) await expectRecs(t, page, 'comedies of the 1990s with at least 20 ratings');
      await page.selectOption('#f-genre', '0');
      await page.fill('#f-ymin', '');
      await page.fill('#f-ymax', '');
      await page.selectOption('#f-min', '10');
      await page.waitForFunction(() => document.querySelectorAll('#recs > li[data-row]').length === 20);
      if (t.ref) await expectRecs(t, page, 'picks with the filters reset');
      await search(page, '');
      await shot(page, '03-rated-recommendations');
    },
  },
  {
    name: 'the "why" decomposition shows the engine-independent terms and adds up to the shown score, both ways',
    fn: async (t) => {
      const page = t.page;
      const li = page.locator('#recs > li[data-row]').first();
      await li.locator('.why-btn').click();
      await page.waitForSelector('#recs .why');
      const res = await page.evaluate(() => {
        const li = document.querySelector('#recs > li[data-row]');
        const why = li.querySelector('.why');
        const grids = [...why.querySelectorAll('.why-grid')].map((g) => ({
          kind: g.dataset.kind,
          values: [...g.querySelectorAll('.val.term')].map((e) => Number(e.dataset.value)),
          texts: [...g.querySelectorAll('.val.term')].map((e) => e.textContent),
          labels: [...g.querySelectorAll('.lbl:not(.total)')].map((e) => e.textContent),
          signs: [...g.querySelectorAll('.val.term:not(.base)')].map((e) => e.textContent),
          total: Number(g.dataset.total),
          totalText: g.querySelector('.val.total').textContent,
          bars: g.querySelectorAll('.bar > span').length,
        }));
        return { grids, row: Number(li.dataset.row), raw: Number(li.dataset.raw), shown: li.querySelector('.score').textContent };
      });
      assert(res.grids.length === 2, 'two decompositions');
      for (const g of res.grids) {
        near(g.values.reduce((s, v) => s + v, 0), g.total, 2e-3, `${g.kind}: the terms add up to the total`);
        near(g.total, res.raw, 2e-3, `${g.kind}: the total is the ranked raw score`);
        assert(g.bars > 0, `${g.kind}: bars drawn`);
        assert(g.signs.every((s) => /^[+\u2212]\d+\.\d\d$|^0\.00$/.test(s)), `${g.kind}: signed values like +0.31 / −0.12: ${g.signs}`);
        g.values.forEach((v, i) => assert(i === 0 || g.texts[i] === fmtSigned(v), `${g.kind}: term ${i} shown as ${g.texts[i]} for ${v}`));
      }
      assert(res.shown.replace(/^\s*★\s*/, '') === fmt1(clamp(res.raw)), `shown score ${res.shown} is the clamped raw ${res.raw}`);
      const rated = res.grids.find((g) => g.kind === 'rated');
      const genre = res.grids.find((g) => g.kind === 'genre');
      assert(rated.labels.some((l) => /you: [\d.]+★/.test(l)), 'rated movies appear among the contributions');
      if (t.ref) {
        // the reference explanation of the same movie for the same ratings
        const stored = (await pageState(page)).stored;
        const e = t.ref.explain(ratedRows(t.ref, stored), res.row);
        near(res.raw, e.scoreRaw, TOL, 'the explained score is the reference score');
        near(rated.total, e.scoreRaw, TOL, 'rated: total');
        // rated column: μ, b_i, the six largest terms by |value|, the rest summed
        const terms = [...e.byRated].sort((a, b) => Math.abs(b.value) - Math.abs(a.value));
        const want = [e.mu, e.itemBias, ...terms.slice(0, 6).map((x) => x.value)];
        if (terms.length > 6) want.push(terms.slice(6).reduce((s, x) => s + x.value, 0));
        assert(rated.values.length === want.length, `rated: ${rated.values.length} rows, reference ${want.length}`);
        near(rated.values[0], e.mu, 1e-5, 'rated: μ');
        near(rated.values[1], e.itemBias, 1e-5, 'rated: the movie bias');
        // each shown term is the reference term of the movie its label names, with the visitor's rating
        const names = await page.evaluate((rows) => rows.map((r) => {
          const d = window.__mfrec.S.cat.display(r);
          return `${d.name}${d.year ? ` (${d.year})` : ''}`;
        }), terms.map((x) => x.item));
        const ratingOf = new Map(ratedRows(t.ref, stored));
        for (let i = 0; i < Math.min(6, terms.length); i++) {
          const label = rated.labels[2 + i];
          // plain words around the title ("People who liked X liked this too · you: 4★")
          const j = names.findIndex((nm) => label.includes(nm) && / · you: [\d.]+★$/.test(label));
          assert(j >= 0, `rated: label "${label}" names a rated movie`);
          near(rated.values[2 + i], terms[j].value, TOL, `rated: the term of "${names[j]}"`);
          assert(label.endsWith(`you: ${ratingOf.get(terms[j].item)}★`), `rated: "${label}" shows the rating ${ratingOf.get(terms[j].item)}`);
          assert(Math.abs(Math.abs(terms[j].value) - Math.abs(terms[i].value)) <= TOL, `rated: term ${i + 1} is the ${i + 1}-th largest`);
        }
        if (terms.length > 6) near(rated.values[8], want[8], TOL, 'rated: the rest, summed');
        // genre column: μ, b_u, one term per genre of the movie, its own part
        near(genre.values[0], e.mu, 1e-5, 'genre: μ');
        near(genre.values[1], e.userBias, TOL, 'genre: the visitor bias');
        assert(genre.values.length === 3 + e.byGenre.length, `genre: ${genre.values.length - 3} genre terms, reference ${e.byGenre.length}`);
        const gsorted = [...e.byGenre].sort((a, b) => Math.abs(b.value) - Math.abs(a.value));
        gsorted.forEach((g, i) => {
          const label = genre.labels[2 + i];
          const m = gsorted.find((x) => label === `You like ${t.ref.genreNames[x.genre]} more than most` || label === `You like ${t.ref.genreNames[x.genre]} less than most`);
          assert(m, `genre: label "${label}" names a genre of the movie (${e.byGenre.map((x) => t.ref.genreNames[x.genre])})`);
          near(genre.values[2 + i], m.value, TOL, `genre: ${label}`);
        });
        near(genre.values[genre.values.length - 1], e.itemOwn, TOL, 'genre: the movie beyond its genres');
        assert(genre.totalText === fmt2(genre.total), `genre: total shown as ${genre.totalText}`);
      }
      t.numbers.push(`why: first pick ${res.shown} (raw ${res.raw.toFixed(4)})`);
      await li.scrollIntoViewIfNeeded();
      await shot(page, '04-why');
    },
  },
  {
    name: 'a movie opens with its similar movies, predicted rating and rating count',
    fn: async (t) => {
      const page = t.page;
      await page.locator('#recs > li[data-row] .m-title').nth(1).click();
      await page.waitForSelector('#movie-dialog[open]');
      const d = await page.evaluate(() => ({
        row: Number(document.getElementById('movie-body').dataset.row),
        pred: Number(document.querySelector('.md-pred').dataset.value),
        predText: document.querySelector('.md-pred').textContent,
        count: document.querySelector('.md-count').textContent,
        fmin: Number(document.getElementById('f-min').value) || 0,
        sims: [...document.querySelectorAll('#similar-list > li[data-row]')].map((li) => ({
          row: Number(li.dataset.row), pct: li.querySelector('.sim-val').textContent, score: li.querySelector('.pred').textContent,
        })),
      }));
      assert(d.sims.length >= 5, `similar movies listed: ${d.sims.length}`);
      assert(d.predText.startsWith(fmt1(d.pred)), `the predicted rating is shown: ${d.predText} for ${d.pred}`);
      if (t.ref) {
        const { x } = t.ref.foldIn(ratedRows(t.ref, (await pageState(page)).stored));
        const s = t.ref.scores(x);
        near(d.pred, clamp(s[d.row]), TOL, `predicted rating of row ${d.row}`);
        assert(d.count.trim() === fmtInt(t.ref.counts[d.row]), `rating count shown ${d.count}, bundle ${t.ref.counts[d.row]}`);
        // the similar movies: the reference's 12 highest cosines (the page's minimum count, at most 5)
        const want = t.ref.similar(d.row, 12, Math.min(d.fmin, 5));
        const sim = new Map(t.ref.similar(d.row, t.ref.n).map((v) => [v.row, v.similarity]));
        const diff = sameRanking(d.sims.map((v) => v.row), want.map((v) => v.row), (row) => sim.get(row), 1e-4, 'similar movies');
        assert(!diff, diff);
        for (const v of d.sims) {
          const pcts = [-1e-4, 0, 1e-4].map((e) => `${Math.round((sim.get(v.row) + e) * 100)}% similar`);
          assert(pcts.includes(v.pct), `similarity of row ${v.row} shown as ${v.pct}, reference ${sim.get(v.row)}`);
          shownIs(v.score, s[v.row], TOL, `predicted rating of similar row ${v.row}`);
        }
      } else {
        assert(/^\d[\d,]*$/.test(d.count.trim()), `rating count ${d.count}`);
      }
      await shot(page, '05-movie');
      const before = await page.textContent('#md-title');
      await page.locator('#similar-list > li[data-row] .m-title').first().click();
      await page.waitForFunction((b) => document.getElementById('md-title').textContent !== b, before);
      const opened = await page.evaluate(() => Number(document.getElementById('movie-body').dataset.row));
      assert(opened === d.sims[0].row, `clicking the first similar movie opens it (row ${opened}, expected ${d.sims[0].row})`);
      await page.keyboard.press('Escape');
      await page.waitForFunction(() => !document.getElementById('movie-dialog').open);
    },
  },
  {
    name: 'the hypothetical-movie picker shows the cold-start prediction for the ticked genres',
    fn: async (t) => {
      const page = t.page;
      await page.locator('#hypo-genres label', { hasText: /^Comedy$/ }).click();
      await page.locator('#hypo-genres label', { hasText: /^Romance$/ }).click();
      await page.waitForFunction(() => document.getElementById('hypo-result').dataset.value);
      const v = Number(await page.getAttribute('#hypo-result', 'data-value'));
      const text = await page.textContent('#hypo-result');
      assert(text.includes(fmt1(v)), `shown: ${text}`);
      if (t.ref) {
        const mask = ((1 << t.ref.genreNames.indexOf('Comedy')) | (1 << t.ref.genreNames.indexOf('Romance'))) >>> 0;
        const { x } = t.ref.foldIn(ratedRows(t.ref, (await pageState(page)).stored));
        near(v, t.ref.coldStart(x, mask), TOL, 'Comedy + Romance: the reference cold-start score');
        // one genre less: another prediction, the reference's too
        await page.locator('#hypo-genres label', { hasText: /^Romance$/ }).click();
        await page.waitForFunction((old) => document.getElementById('hypo-result').dataset.value !== old, String(v));
        const v1 = Number(await page.getAttribute('#hypo-result', 'data-value'));
        near(v1, t.ref.coldStart(x, (1 << t.ref.genreNames.indexOf('Comedy')) >>> 0), TOL, 'Comedy: the reference cold-start score');
        await page.locator('#hypo-genres label', { hasText: /^Romance$/ }).click();
        await page.waitForFunction((old) => document.getElementById('hypo-result').dataset.value === old, String(v));
      }
      t.numbers.push(`hypothetical Comedy+Romance movie: ${v.toFixed(3)}`);
    },
  },
  {
    name: 'the map draws every movie; the visitor point moves after a rating; hover and click work',
    fn: async (t) => {
      const page = t.page;
      await page.locator('#map').scrollIntoViewIfNeeded();
      await page.waitForTimeout(300);
      const px = await mapPixels(page);
      assert(px > 2000, `map canvas has drawn pixels: ${px}`);
      const v0 = await page.getAttribute('#map', 'data-visitor');
      assert(v0 && v0.includes(','), `visitor point present: ${v0}`);
      const overlay0 = await mapPixels(page, '#map canvas.overlay');
      assert(overlay0 > 100, 'the overlay draws the visitor');
      await shot(page, '06-map', { clip: await page.locator('.col-map').boundingBox() });
      t.rated.push(await rateFromSearch(page, 'alien', /^Alien\s*\(1979\)$/, 5));
      await page.waitForFunction((v) => document.getElementById('map').dataset.visitor !== v, v0);
      const v1 = await page.getAttribute('#map', 'data-visitor');
      if (t.ref) {
        // the visitor sits at s · Aᵀp_u (docs/WEB_API.md), in the map's normalised coordinates
        const { x } = t.ref.foldIn(ratedRows(t.ref, (await pageState(page)).stored));
        const [px0, py0] = t.ref.project(x);
        const want = await page.evaluate(([a, b]) => window.__mfrec.S.map.toNorm(a, b), [px0, py0]);
        const got = v1.split(',').map(Number);
        near(got[0], want[0], 2e-3, 'visitor x on the map');
        near(got[1], want[1], 2e-3, 'visitor y on the map');
      }
      t.numbers.push(`visitor map point moved from (${v0}) to (${v1}) after rating Alien 5★`);
      // hover a well-known movie's point, then click it
      const pos = await page.evaluate(() => {
        const { S } = window.__mfrec;
        const row = S.cat.row.get(1);   // Toy Story, movieId 1
        const m = S.map;
        const [x, y] = m.toScreen(m.nx[row], m.ny[row]);
        const r = document.getElementById('map').getBoundingClientRect();
        // the movie drawn nearest to that point (another one may sit on top of Toy Story)
        let best = -1, bd = Infinity;
        for (let i = 0; i < S.cat.n; i++) {
          const [sx, sy] = m.toScreen(m.nx[i], m.ny[i]);
          const dd = (sx - x) ** 2 + (sy - y) ** 2;
          if (dd < bd) { bd = dd; best = i; }
        }
        // the hover may name any movie whose point covers the cursor: those drawn within 6 px (the
        // points are 2-4 px; the WebGL picker takes a point within its radius, not always the nearest)
        const near = [];
        for (let i = 0; i < S.cat.n; i++) {
          const [sx, sy] = m.toScreen(m.nx[i], m.ny[i]);
          if (Math.sqrt((sx - x) ** 2 + (sy - y) ** 2) <= Math.max(Math.sqrt(bd) + 0.5, 6)) {
            const d = S.cat.display(i);
            near.push(`${d.name}${d.year ? ` (${d.year})` : ''}`);
          }
        }
        return { x: r.left + x, y: r.top + y, row, near };
      });
      await page.mouse.move(pos.x - 30, pos.y - 30);
      await page.mouse.move(pos.x, pos.y, { steps: 5 });
      await page.waitForSelector('#map-tooltip:not([hidden])', { timeout: 5000 });
      // the tooltip may still show a movie passed on the way: give the last hover time to land
      await page.waitForFunction((names) => {
        const tt = document.getElementById('map-tooltip');
        return !tt.hidden && names.some((nm) => tt.textContent.startsWith(`${nm} · `));
      }, pos.near, { timeout: 3000 }).catch(() => {});
      const tip = await page.textContent('#map-tooltip');
      assert(pos.near.includes('Toy Story (1995)'), `Toy Story is drawn where the test points: ${pos.near}`);
      assert(pos.near.some((nm) => tip.startsWith(`${nm} · `)), `tooltip names the movie under the cursor: "${tip}" (expected one of ${pos.near.join(' | ')})`);
      await shot(page, '07-map-hover', { clip: await page.locator('#map').boundingBox() });
      await page.mouse.click(pos.x, pos.y);
      await page.waitForSelector('#movie-dialog[open]', { timeout: 5000 });
      const title = await page.textContent('#md-title');   // name and year (spaced by CSS, not text)
      const squeeze = (x) => x.replace(/\s+/g, '');
      assert(squeeze(tip).startsWith(`${squeeze(title)}·`), `the click opens the hovered movie: "${title}" vs tooltip "${tip}"`);
      await page.keyboard.press('Escape');
      await page.waitForFunction(() => !document.getElementById('movie-dialog').open);
    },
  },
  {
    name: 'cold start: movies with no or few ratings are scored from their genres and badged',
    fn: async (t) => {
      const page = t.page;
      const cold = await page.evaluate(() => {
        const { S } = window.__mfrec;
        for (let i = 0; i < S.cat.n; i++) {
          if (S.r.isCold(i) && S.cat.counts[i] === 0 && S.cat.titles[i].length > 6) return { row: i, title: S.cat.titles[i], count: S.cat.counts[i] };
        }
        return null;
      });
      assert(cold, 'the catalog has a movie without ratings');
      if (t.ref) assert(t.ref.counts[cold.row] === 0 && t.ref.isCold(cold.row), `row ${cold.row} has no ratings in the bundle`);
      await search(page, cold.title.replace(/\(\d{4}\)\s*$/, ''));
      const li = page.locator(`#search-results > li[data-row="${cold.row}"]`);
      assert(await li.count() === 1, `search finds the cold movie ${cold.title}`);
      assert(await li.locator('.badge.cold').count() === 1, 'it carries the cold-start badge');
      const pred = await li.locator('.pred').textContent();
      assert(/≈ \d\.\d for you/.test(pred), `it has a predicted score: ${pred}`);
      if (t.ref) {
        // every listed movie: badge exactly when the bundle's count is under the threshold, and the
        // reference prediction (a cold movie's row is its genre prior, trained in)
        const { x } = t.ref.foldIn(ratedRows(t.ref, (await pageState(page)).stored));
        const rows = await page.$$eval('#search-results > li', (lis) => lis.map((l) => ({
          row: Number(l.dataset.row), badge: l.querySelectorAll('.badge.cold').length, pred: l.querySelector('.pred').textContent,
        })));
        for (const r of rows) {
          assert((r.badge === 1) === t.ref.isCold(r.row), `row ${r.row}: badge ${r.badge}, ${t.ref.counts[r.row]} ratings, threshold ${t.ref.coldThreshold}`);
          shownIs(r.pred.replace(/^≈\s*/, '').replace(/\s*for you$/, ''), t.ref.score(x, r.row), TOL, `prediction for row ${r.row}`);
        }
      }
      await li.locator('.m-title').click();
      await page.waitForSelector('#movie-dialog[open]');
      assert(await page.locator('#movie-body .badge.cold').count() === 1, 'badge in the movie view');
      await page.keyboard.press('Escape');
      await page.waitForFunction(() => !document.getElementById('movie-dialog').open);
      t.numbers.push(`cold start: "${cold.title}" (${cold.count} ratings) predicted ${pred.trim()}`);
      await search(page, '');
    },
  },
  {
    name: 'ratings survive a reload',
    fn: async (t) => {
      const page = t.page;
      const n = await ratedCount(page);
      const before = (await pageState(page)).stored.map(([id, r]) => `${id}:${r}`).sort().join();
      await page.reload();
      await waitReadyPage(page);
      assert((await ratedCount(page)) === n, `after reload ${await ratedCount(page)} ratings, expected ${n}`);
      const after = (await pageState(page)).stored.map(([id, r]) => `${id}:${r}`).sort().join();
      assert(after === before, `the same ratings after reload: ${after} vs ${before}`);
      const recs = await recIds(page);
      for (const r of t.rated) assert(!recs.includes(r.id), `rated ${r.title} still excluded after reload`);
      if (t.ref) await expectRecs(t, page, 'picks after reload');
    },
  },
  {
    name: 'export to CSV, reset, import restores the ratings',
    fn: async (t) => {
      const page = t.page;
      const before = await page.evaluate(() => JSON.parse(localStorage.getItem('mfrec.ratings.v1')).map(([id, r]) => `${id}:${r}`).sort());
      const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#export-btn')]);
      const file = join(tmpdir(), `mfrec-export-${process.pid}.csv`);
      await dl.saveAs(file);
      const csv = readFileSync(file, 'utf8').trim().split('\n');
      assert(csv[0] === 'userId,movieId,rating,timestamp', `CSV header: ${csv[0]}`);
      assert(csv.length === before.length + 1, `CSV has ${csv.length - 1} rows, expected ${before.length}`);
      assert(csv.slice(1).every((l) => /^\d+,\d+,\d(\.\d)?,\d+$/.test(l)), 'MovieLens rows');
      const rows = csv.slice(1).map((l) => l.split(','));
      assert(new Set(rows.map((r) => r[0])).size === 1, 'one user in the file');
      const exported = rows.map(([, id, r]) => `${Number(id)}:${Number(r)}`).sort();
      assert(exported.join() === before.join(), `the file holds the stored ratings: ${exported} vs ${before}`);
      await page.click('#reset-btn');
      await page.click('#reset-yes');
      await page.waitForFunction(() => Number(document.getElementById('rated-count').textContent) === 0);
      assert((await recIds(page)).length === 20, 'recommendations without ratings');
      await page.setInputFiles('#import-file', file);
      await page.waitForFunction((n) => Number(document.getElementById('rated-count').textContent) === n, before.length);
      const after = await page.evaluate(() => JSON.parse(localStorage.getItem('mfrec.ratings.v1')).map(([id, r]) => `${id}:${r}`).sort());
      assert(after.join() === before.join(), `imported ratings equal the exported ones: ${after} vs ${before}`);
      assert((await page.textContent('#io-message')).includes(`Imported ${before.length}`), 'import message');
      rmSync(file, { force: true });
      assert(page.errors.length === 0, `no errors on the page: ${page.errors.join(' | ')}`);
      await t.ctx.close();
    },
  },
  {
    name: 'a missing, truncated or corrupt bundle shows a clear error, not a blank page',
    fn: async (t) => {
      const good = realBundle();
      // each case: the title, the kind, and what the explanation must say (the cause, not just "error")
      const cases = [
        ['missing', (route) => route.fulfill({ status: 404, body: 'not found' }), /missing/i, 'missing', /HTTP 404/],
        ['truncated', (route) => route.fulfill({ status: 200, contentType: 'application/octet-stream', body: good.subarray(0, Math.floor(good.length / 3)) }), /damaged/i, 'corrupt', MOCK ? /./ : /truncated/],
        ['garbage', (route) => route.fulfill({ status: 200, contentType: 'application/octet-stream', body: Buffer.from('this is not a model file at all, just text\n'.repeat(50)) }), /damaged/i, 'corrupt', MOCK ? /./ : /not an mfrec file/],
      ];
      if (!MOCK) {
        const flipped = Buffer.from(good);
        const at = Math.floor(flipped.length / 2);
        for (let i = at; i < at + 64; i++) flipped[i] ^= 0x5a;
        // the section whose payload holds the flipped bytes must be named
        const secs = readSections(good);
        const hit = Object.entries(secs).find(([, v]) => {
          const off = v.bytes.byteOffset - good.byteOffset;
          return off <= at && at < off + v.bytes.length;
        });
        assert(hit, `the middle of the bundle (byte ${at}) lies in a section payload`);
        cases.push(['bit-flipped', (route) => route.fulfill({ status: 200, contentType: 'application/octet-stream', body: flipped }), /damaged/i, 'corrupt', new RegExp(`section ${hit[0]}\\b`)]);
      }
      for (const [name, handler, re, kind, says] of cases) {
        const ctx = await routedContext(t, handler);
        const page = await ctx.newPage();
        await page.goto(t.url);
        await page.waitForSelector('#boot-error:not([hidden])', { timeout: 15000 });
        const title = await page.textContent('#boot-title');
        // plain words for the visitor; the cause, technically, folded below them
        const text = await page.textContent('#boot-error-tech');
        assert((await page.textContent('#boot-error-text')).length > 20, `${name}: an explanation in plain words`);
        assert(re.test(title), `${name}: title "${title}"`);
        assert(says.test(text), `${name}: the explanation "${text}" says ${says}`);
        assert((await page.getAttribute('#boot', 'data-error')) === kind, `${name}: kind ${kind}`);
        assert(await page.isHidden('#app'), `${name}: the app is not shown half-working`);
        t.numbers.push(`bundle ${name}: "${title}: ${text}"`);
        await shot(page, `08-error-${name}`);
        await ctx.close();
      }
    },
  },
  {
    name: 'titles are untrusted: HTML in a title is shown as text and runs nothing',
    fn: async (t) => {
      const evil = evilBundle();
      const ctx = await routedContext(t, (route) => route.fulfill({ status: 200, contentType: 'application/octet-stream', body: evil }));
      const page = await ctx.newPage();
      const dialogs = [];
      page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
      await page.goto(t.url);
      await waitReadyPage(page);
      await search(page, 'img src');
      const shown = await page.$$eval('#search-results .m-title', (els) => els.map((e) => e.textContent));
      assert(shown.some((s) => s.includes('<img src=x onerror=alert(1)>')), `the title is shown literally: ${shown}`);
      // rate the injected titles so they appear in lists, the dialog, the explanation and the map
      await page.locator('#search-results .stars').first().click();
      await search(page, 'script');
      await page.locator('#search-results .stars').first().click();
      await search(page, 'svg onload');
      await page.locator('#search-results .m-title').first().click();
      await page.waitForSelector('#movie-dialog[open]');
      const dlgTitle = await page.textContent('#md-title');
      assert(dlgTitle.includes('<svg onload=alert(2)>'), `dialog title literal: ${dlgTitle}`);
      await page.keyboard.press('Escape');
      await page.locator('#recs .why-btn').first().click();
      await page.waitForTimeout(300);
      const injected = await page.evaluate(() => ({
        img: document.querySelectorAll('img, svg:not(.logo) , script:not([src]), b').length,
        xss: window.__xss === 1,
      }));
      assert(injected.img === 0, `no element was created from a title (${injected.img} found)`);
      assert(!injected.xss, 'no script from a title ran');
      assert(dialogs.length === 0, `no alert() ran: ${dialogs}`);
      await shot(page, '09-untrusted-titles');
      await ctx.close();
    },
  },
  {
    name: 'keyboard: the stars are a slider with half steps',
    fn: async (t) => {
      const ctx = await newContext(t.browser);
      const page = await openPage(ctx, t.url);
      await search(page, 'heat');
      const stars = page.locator('#search-results .stars').first();
      await page.focus('#search');
      await page.keyboard.press('ArrowDown');   // from the search box to the first result (its title)
      assert(await page.evaluate(() => document.activeElement.matches('#search-results > li:first-child .m-title')), 'ArrowDown moves focus to the first result');
      await page.keyboard.press('Tab');         // then its stars
      assert(await stars.evaluate((e) => e === document.activeElement), 'Tab reaches the first result\'s stars');
      assert((await stars.getAttribute('role')) === 'slider', 'role=slider');
      await page.keyboard.press('3');
      await page.keyboard.press('ArrowRight');
      assert((await stars.getAttribute('aria-valuenow')) === '3.5', '3 then → gives 3.5');
      await page.keyboard.press('Delete');
      assert((await stars.getAttribute('aria-valuenow')) === '0', 'Delete clears');
      assert((await ratedCount(page)) === 0, 'cleared rating removed');
      assert(await page.isVisible('#toast .toast-undo'), 'with an undo');
      await ctx.close();
    },
  },
  {
    name: 'the 2-D canvas fallback map draws, hovers and opens movies',
    fn: async (t) => {
      const ctx = await newContext(t.browser);
      const page = await openPage(ctx, `${t.url}?map=2d`);
      assert((await page.getAttribute('#map', 'data-renderer')) === '2d', '2-D renderer chosen');
      await page.locator('#map').scrollIntoViewIfNeeded();
      await page.waitForTimeout(200);
      const px = await mapPixels(page);
      assert(px > 2000, `2-D map has drawn pixels: ${px}`);
      const box = await page.locator('#map').boundingBox();
      const pos = await page.evaluate(() => {
        const m = window.__mfrec.S.map;
        const row = window.__mfrec.S.cat.row.get(1);
        return { x: m.sx[row], y: m.sy[row] };
      });
      await page.mouse.move(box.x + pos.x, box.y + pos.y);
      await page.waitForSelector('#map-tooltip:not([hidden])', { timeout: 5000 });
      // zoom in with the wheel, then click the point under the cursor
      await page.mouse.wheel(0, -400);
      await page.waitForTimeout(100);
      const z = await page.evaluate(() => window.__mfrec.S.map.z);
      assert(z > 1.2, `wheel zooms in (z = ${z})`);
      await shot(page, '10-map-2d', { clip: box });
      await page.mouse.click(box.x + pos.x, box.y + pos.y);
      await page.waitForSelector('#movie-dialog[open]', { timeout: 5000 });
      await ctx.close();
    },
  },
  {
    name: 'on a plain static host (no isolation) the page works and says why training is unavailable',
    fn: async (t) => {
      const srv = await startServer(['--no-isolation']);
      try {
        const ctx = await newContext(t.browser);
        const page = await openPage(ctx, srv.url);
        assert(!(await page.evaluate(() => crossOriginIsolated)), 'not isolated');
        await page.click('#train summary');
        const note = await page.textContent('#train-unavailable');
        assert(/Cross-Origin-Opener-Policy/.test(note) && /not available/.test(note), `explains why: ${note}`);
        await rateFromSearch(page, 'toy story', /^Toy Story\s*\(1995\)$/, 5);
        await page.waitForFunction(() => Number(document.getElementById('rated-count').textContent) === 1);
        assert((await recIds(page)).length === 20, 'recommendations work single-threaded');
        await page.locator('#train').scrollIntoViewIfNeeded();
        await shot(page, '11-no-isolation');
        assert(page.errors.length === 0, `no errors: ${page.errors.join(' | ')}`);
        await ctx.close();
      } finally {
        await srv.stop();
      }
    },
  },
  {
    name: 'in-browser training on a ratings CSV finishes and gives recommendations',
    real: true,
    fn: async (t) => {
      const ctx = await newContext(t.browser);
      const page = await openPage(ctx, t.url);
      assert(await page.evaluate(() => crossOriginIsolated), 'the page is cross-origin isolated');
      await rateFromSearch(page, 'toy story', /^Toy Story\s*\(1995\)$/, 5);
      // ml-latest-small, 10 iterations, 32 factors: the test RMSE within 0.005 of the native
      // trainer's on the same split (random 20%, seed 42); the training time: tests/browser/bench.mjs
      const { status, browserRmse } = await trainInPage(page, { iterations: 10, factors: 32 });
      const chip = await page.textContent('#model-chip');
      assert(/your trained model/.test(chip) && /32 factors/.test(chip), `model chip: ${chip}`);
      assert((await recIds(page)).length === 20, 'recommendations from the trained model');
      // the picks are the reference's for the trained model (read back as a float32 bundle)
      const b64 = await page.evaluate(() => {
        const u8 = window.__mfrec.S.r.toBundle('f32');
        let bin = '';
        for (let i = 0; i < u8.length; i += 0x8000) bin += String.fromCharCode.apply(null, u8.subarray(i, i + 0x8000));
        return btoa(bin);
      });
      const trained = new Reference(Buffer.from(b64, 'base64'));
      assert(trained.k === 32 && trained.quant === 'f32', `the trained model: k = ${trained.k}, ${trained.quant}`);
      // the trainer trains the engine's default kind, the list recommender: its rating part is the
      // reference's ALS (the predicted stars of every pick), its list score adds up part by part
      assert(await page.evaluate(() => window.__mfrec.S.r.kind()) === 'hybrid', 'the trainer trains the default kind');
      {
        const st = await pageState(page);
        const { x } = trained.foldIn(ratedRows(trained, st.stored));
        const got = await page.evaluate((rows) => {
          const S = window.__mfrec.S;
          const r = S.r.rateAll(S.x);
          return rows.map((row) => {
            const e = S.r.explain(S.items, S.ratings, row);
            return { rate: r[row], list: e.rankScore, parts: e.rankItem + e.rankByRated.reduce((a, q) => a + q.value, 0) };
          });
        }, st.recs.map((q) => q.row));
        st.recs.forEach((q, k) => {
          near(got[k].rate, trained.score(x, q.row), TOL, `trained model: predicted rating of row ${q.row}`);
          near(got[k].list, q.raw, 1e-4, `trained model: the list score of row ${q.row} is the one it is ranked by`);
          near(got[k].parts, got[k].list, 1e-4, `trained model: the list parts of row ${q.row} add up`);
          if (k > 0) assert(q.raw <= st.recs[k - 1].raw + 1e-6, 'picks ordered by the list score');
        });
      }
      const log = await page.textContent('#train-log');
      assert((log.match(/iteration/g) || []).length === 10, `10 progress lines: ${log}`);
      assert(Number.isFinite(browserRmse), `a test RMSE in the status: ${status}`);
      const native = nativeRmse(32, 10);
      assert(Math.abs(browserRmse - native) <= 0.005, `browser test RMSE ${browserRmse} vs native ${native}`);
      t.numbers.push(`in-browser training (ml-latest-small, k=32, 10 iterations): test RMSE ${browserRmse} vs native ${native.toFixed(4)} on the same split`);
      await page.locator('#train').scrollIntoViewIfNeeded();
      await shot(page, '12-trained');
      // the trained model is kept across a reload, and one can go back
      await page.reload();
      await waitReadyPage(page);
      assert(/your trained model/.test(await page.textContent('#model-chip')), 'trained model kept after reload');
      await page.click('#train summary');
      await page.click('#train-back');
      await page.waitForFunction(() => /shipped model/.test(document.getElementById('model-chip').textContent));
      await ctx.close();
    },
  },
  {
    name: 'later visits load from the cache and work offline (service worker)',
    real: true,
    fn: async (t) => {
      const srv = await startServer();
      const ctx = await newContext(t.browser);
      try {
        const page = await openPage(ctx, srv.url);
        await page.waitForFunction(() => document.documentElement.dataset.offline === '1', null, { timeout: 20000 });
        await rateFromSearch(page, 'toy story', /^Toy Story\s*\(1995\)$/, 4);
        await page.close();
        await srv.stop();   // the server is gone: only the cache can answer
        const page2 = await openPage(ctx, srv.url);
        assert((await ratedCount(page2)) === 1, 'ratings there offline');
        await search(page2, 'matrix');
        assert((await page2.$$eval('#search-results > li', (l) => l.length)) > 0, 'search works offline');
        assert((await recIds(page2)).length === 20, 'recommendations offline');
        await shot(page2, '13-offline');
      } finally {
        await ctx.close();
        await srv.stop();
      }
    },
  },
  {
    name: 'dark mode changes the colours; a phone-sized screen renders without sideways scrolling',
    fn: async (t) => {
      // the same page under prefers-color-scheme light and dark: the computed colours of the
      // page, a panel and the text differ, and each scheme keeps dark text on light ground or
      // the reverse
      const colours = {};
      for (const scheme of ['light', 'dark']) {
        const ctx = await newContext(t.browser, { colorScheme: scheme });
        const page = await openPage(ctx, t.url);
        await rateFromSearch(page, 'toy story', /^Toy Story\s*\(1995\)$/, 4.5);
        await rateFromSearch(page, 'alien', /^Alien\s*\(1979\)$/, 3.5);
        await search(page, 'star');
        await page.locator('#recs .why-btn').first().click();
        await page.waitForSelector('#recs .why');
        colours[scheme] = await page.evaluate(() => {
          const bg = (sel) => getComputedStyle(document.querySelector(sel)).backgroundColor;
          return {
            matches: matchMedia('(prefers-color-scheme: dark)').matches,
            body: bg('body'), panel: bg('.panel.col-recs'), why: bg('#recs .why'),
            text: getComputedStyle(document.body).color,
            title: getComputedStyle(document.querySelector('#recs .m-title')).color,
          };
        });
        if (scheme === 'dark') await shot(page, '15-dark');
        assert(page.errors.length === 0, `${scheme}: no errors: ${page.errors.join(' | ')}`);
        await ctx.close();
      }
      const { light, dark } = colours;
      t.numbers.push(`colours light ${JSON.stringify(light)}; dark ${JSON.stringify(dark)}`);
      assert(!light.matches && dark.matches, `the emulated scheme reaches the page: light ${light.matches}, dark ${dark.matches}`);
      for (const k of ['body', 'panel', 'why', 'text', 'title']) assert(light[k] !== dark[k], `${k}: the colour differs between light and dark (${light[k]} / ${dark[k]})`);
      const lum = (css) => {
        const [r, g, b] = css.match(/[\d.]+/g).slice(0, 3).map(Number);
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
      };
      for (const k of ['body', 'panel']) {
        assert(lum(light[k]) > lum(light.text) + 100, `light: ${k} ${light[k]} is lighter than the text ${light.text}`);
        assert(lum(dark[k]) + 100 < lum(dark.text), `dark: ${k} ${dark[k]} is darker than the text ${dark.text}`);
      }
      const ctx2 = await newContext(t.browser, { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
      const page2 = await openPage(ctx2, t.url);
      await rateFromSearch(page2, 'toy story', /^Toy Story\s*\(1995\)$/, 4.5);
      await shot(page2, '16-phone');
      const overflow = await page2.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert(overflow <= 1, `no horizontal scrolling on a phone (overflow ${overflow}px)`);
      // one column: the panels are stacked, each as wide as the screen allows
      // one column: the panels are tabs, each as wide as the screen allows
      const cols = await page2.$$eval('.app > .panel', (els) => els.map((e) => e.getBoundingClientRect()).map((r) => ({ x: Math.round(r.left), w: Math.round(r.width) })));
      const shown = cols.filter((c) => c.x >= 0);
      assert(cols.length >= 3 && shown.length === 1 && cols.every((c) => c.w === cols[0].w), `one panel shown at a time, all equally wide: ${JSON.stringify(cols)}`);
      await ctx2.close();
    },
  },
  ...productTests,
  ...siteTests,
];
