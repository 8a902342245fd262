// Browser tests of issue 11 (the page as a product): one test per numbered problem, named by it.
// Each drives the page as a visitor would (mouse, keyboard, touch-sized screen) and asserts what
// the visitor sees. Run a subset: node tests/browser/run.mjs '#1' '#6'.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { WEB, MOCK, startServer, newContext, openPage, shot, assert } from './harness.mjs';

const DESKTOP = { width: 1366, height: 900 };
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

async function fresh(t, opts = {}) {
  const ctx = await newContext(t.browser, { viewport: DESKTOP, ...opts });
  const page = await openPage(ctx, t.url + (opts.query || ''));
  return { ctx, page };
}

async function search(page, q) {
  await page.fill('#search', q);
  await page.waitForFunction((qq) => document.getElementById('search').value === qq
    && (qq.trim() === '' || document.getElementById('search-count').textContent !== ''), q);
}

// clicks the stars of `li` (a locator) for `value` (half stars on the left half of a star)
async function clickStars(page, li, value) {
  const stars = li.locator('.stars').first();
  await stars.scrollIntoViewIfNeeded();
  const box = await stars.boundingBox();
  await page.mouse.click(box.x + (box.width * (value * 2 - 0.5)) / 10, box.y + box.height / 2);
  return stars;
}

async function rateSearchHit(page, q, re, value) {
  await search(page, q);
  const lis = page.locator('#search-results > li');
  const n = await lis.count();
  for (let i = 0; i < n; i++) {
    const li = lis.nth(i);
    if (re.test(await li.locator('.m-title').textContent())) {
      await clickStars(page, li, value);
      return Number(await li.getAttribute('data-id'));
    }
  }
  throw new Error(`no search result for "${q}" matches ${re}`);
}

const ids = (page, sel) => page.$$eval(`${sel} > li[data-id]`, (lis) => lis.map((li) => Number(li.dataset.id)));
const storedRating = (page, id) => page.evaluate((i) => window.__mfrec.S.store.get(i), id);

export const productTests = [
  {
    name: '#1 an edited rating keeps its row in place; clicking the current value deletes nothing; removal is explicit with undo',
    real: true,
    fn: async (t) => {
      const { ctx, page } = await fresh(t);
      await rateSearchHit(page, 'toy story', /^Toy Story\s*\(1995\)$/, 4);
      await rateSearchHit(page, 'titanic', /^Titanic\s*\(1997\)$/, 4);
      await rateSearchHit(page, 'twilight', /^Twilight\s*\(2008\)$/, 2);
      await search(page, '');
      const before = await ids(page, '#rated-list');
      assert(before.length === 3, `three rated: ${before}`);
      // edit the second row (Titanic) twice at the same place: the same movie both times
      const second = page.locator('#rated-list > li').nth(1);
      const titanic = Number(await second.getAttribute('data-id'));
      await clickStars(page, second, 3);
      assert(JSON.stringify(await ids(page, '#rated-list')) === JSON.stringify(before), `order kept after an edit: ${await ids(page, '#rated-list')} vs ${before}`);
      await clickStars(page, page.locator('#rated-list > li').nth(1), 3.5);
      assert(await storedRating(page, titanic) === 3.5, 'the second click changed the same movie (Titanic) again');
      assert(JSON.stringify(await ids(page, '#rated-list')) === JSON.stringify(before), 'order kept after a second edit');
      // clicking the current value does not delete
      await clickStars(page, page.locator('#rated-list > li').nth(1), 3.5);
      assert(await storedRating(page, titanic) === 3.5, 'clicking the current value keeps the rating');
      // explicit removal, with undo back to the same place
      await page.locator('#rated-list > li').nth(1).locator('.x-btn').click();
      assert(!(await ids(page, '#rated-list')).includes(titanic), 'removed');
      await page.waitForSelector('#toast:not([hidden]) .toast-undo');
      assert(/Removed your 3\.5★ rating of Titanic/.test(await page.textContent('#toast')), `toast says what was removed: ${await page.textContent('#toast')}`);
      await shot(page, 'p1-undo-toast');
      await page.click('#toast .toast-undo');
      assert(JSON.stringify(await ids(page, '#rated-list')) === JSON.stringify(before), `undo restores the row in its place: ${await ids(page, '#rated-list')}`);
      assert(await storedRating(page, titanic) === 3.5, 'undo restores the rating');
      // a recommendation row rated in place stays there while the pointer is in the list
      const rec = page.locator('#recs > li').nth(2);
      const recId = Number(await rec.getAttribute('data-id'));
      await clickStars(page, rec, 3);
      assert(Number(await page.locator('#recs > li').nth(2).getAttribute('data-id')) === recId, 'the rated recommendation keeps its place');
      await clickStars(page, page.locator('#recs > li').nth(2), 4);
      assert(await storedRating(page, recId) === 4, 'a second click at the same place re-rates the same movie');
      await page.mouse.move(5, 5);   // the pointer leaves the list: the list settles
      await page.waitForFunction((id) => ![...document.querySelectorAll('#recs > li')].some((li) => Number(li.dataset.id) === id), recId);
      assert(page.errors.length === 0, page.errors.join(' | '));
      await ctx.close();
    },
  },
  {
    name: '#2 rate anywhere, first visit: an engine-chosen grid of 12+ movies, stars and not seen / not interested on every row, the list changes from the first rating',
    real: true,
    fn: async (t) => {
      for (const [label, opts] of [['desktop', {}], ['phone', PHONE]]) {
        const { ctx, page } = await fresh(t, opts);
        const grid = await page.$$eval('#starter-grid > li', (lis) => lis.map((li) => Number(li.dataset.row)));
        assert(grid.length >= 12, `${label}: at least 12 movies to rate without typing (${grid.length})`);
        // chosen by the engine: the rows Recommender.starter gives
        const engine = await page.evaluate(() => Array.from(window.__mfrec.S.r.starter(12, 0, new Int32Array(0))));
        assert(JSON.stringify(grid.slice(0, 12)) === JSON.stringify(engine), `${label}: the grid is the engine's starter set`);
        // well known (each among the 300 most-rated) and diverse (several genre combinations)
        const facts = await page.evaluate((rows) => {
          const c = window.__mfrec.S.cat;
          const sorted = Array.from(c.counts).sort((a, b) => b - a);
          return { min: Math.min(...rows.map((r) => c.counts[r])), top300: sorted[299], masks: new Set(rows.map((r) => c.masks[r])).size };
        }, grid);
        assert(facts.min >= facts.top300, `${label}: every grid movie is among the 300 most rated (${facts.min} vs ${facts.top300})`);
        assert(facts.masks >= 8, `${label}: diverse genres (${facts.masks} different genre sets of 12)`);
        for (const sel of ['#starter-grid > li', '#recs > li']) {
          const n = await page.$$eval(sel, (lis) => lis.filter((li) => li.querySelector('[role=slider]') && li.querySelector('[data-mark=notseen]') && li.querySelector('[data-mark=notinterested]')).length);
          const all = await page.$$eval(sel, (lis) => lis.length);
          assert(n === all && all > 0, `${label}: every row of ${sel} has stars, not seen and not interested (${n}/${all})`);
        }
        assert(/Rate a few/.test(await page.textContent('#progress-hint')), `${label}: a progress hint`);
        await shot(page, `p2-first-visit-${label}`, { fullPage: label === 'phone' });
        const recsBefore = await ids(page, '#recs');
        // the first rating, from the grid, without typing
        const card = page.locator('#starter-grid > li').first();
        await card.scrollIntoViewIfNeeded();
        await clickStars(page, card, 5);
        await page.waitForFunction(() => window.__mfrec.S.store.size === 1);
        const recsAfter = await ids(page, '#recs');
        const changed = recsAfter.filter((id, i) => recsBefore[i] !== id).length;
        assert(changed >= 1, `${label}: the list changes after the first rating (${changed} positions changed)`);
        assert(/rate 4 more/.test(await page.textContent('#progress-hint')), `${label}: the hint counts down: ${await page.textContent('#progress-hint')}`);
        if (label === 'phone') await page.click('#tab-recs');
        // "not seen" keeps a movie listed, "not interested" hides it from the picks
        const firstRec = page.locator('#recs > li').first();
        const niId = Number(await firstRec.getAttribute('data-id'));
        await firstRec.locator('[data-mark=notinterested]').click();
        await page.mouse.move(2, 2);
        await page.locator('#search').focus();
        await page.waitForFunction((id) => ![...document.querySelectorAll('#recs > li')].some((li) => Number(li.dataset.id) === id), niId);
        const stored = await page.evaluate(() => localStorage.getItem('mfrec.marks.v1'));
        assert(stored.includes(String(niId)) && stored.includes('notinterested'), `${label}: kept with the ratings: ${stored}`);
        const csv = await page.evaluate(() => window.__mfrec.S.store.toCsv());
        assert(csv.includes(`,${niId},,`) && csv.includes('not-interested'), `${label}: exported: ${csv}`);
        // the similar movies of the dialog have the same controls
        await page.locator('#recs .m-title').first().click();
        await page.waitForSelector('#similar-list > li');
        const simOk = await page.$$eval('#similar-list > li', (lis) => lis.every((li) => li.querySelector('[role=slider]') && li.querySelector('[data-mark=notseen]')));
        assert(simOk, `${label}: similar-movie rows have a rating control`);
        assert(await page.$('#movie-body .md-rate [role=slider]'), `${label}: the dialog has stars`);
        assert(await page.$('#movie-body .md-rate [data-mark=notinterested]'), `${label}: the dialog has not interested`);
        await shot(page, `p2-dialog-${label}`);
        assert(page.errors.length === 0, page.errors.join(' | '));
        await ctx.close();
      }
    },
  },
  {
    name: '#3 lists worth reading: match figures that differ, plain-word why that adds up, a persistent map ring, bounded zoom',
    real: true,
    fn: async (t) => {
      const { ctx, page } = await fresh(t);
      for (const [q, re, v] of [['toy story', /^Toy Story\s*\(1995\)$/, 5], ['matrix', /^The Matrix\s*\(1999\)$/, 4.5], ['titanic', /^Titanic\s*\(1997\)$/, 2], ['alien', /^Alien\s*\(1979\)$/, 4], ['notting hill', /^Notting Hill/, 1.5]]) {
        await rateSearchHit(page, q, re, v);
      }
      const shown = await page.$$eval('#recs > li[data-id]', (lis) => lis.map((li) => `${li.querySelector('.score').textContent} ${li.querySelector('.match').textContent}`));
      const matches = new Set(shown.map((s) => s.split(' ').slice(-2).join(' ')));
      assert(shown.length === 20 && matches.size >= 10, `the top 20 show at least 10 different match figures: ${shown.join(' | ')}`);
      assert(shown.every((s) => /★ \d\.\d/.test(s)), `predicted stars with one decimal: ${shown[0]}`);
      // a lenient rater (everything 5): scores clamp at 5.0 but the match figure still differs
      // "why" in plain words, adding up exactly
      await page.locator('#recs .why-btn').first().click();
      const why = await page.$eval('#recs .why', (w) => ({
        text: w.textContent,
        sums: [...w.querySelectorAll('.why-grid')].map((g) => [[...g.querySelectorAll('.val.term')].reduce((s, e) => s + Number(e.dataset.value), 0), Number(g.dataset.total)]),
      }));
      assert(!/\bbias\b/i.test(why.text) && !/μ/.test(why.text), `no jargon in the why: ${why.text.slice(0, 200)}`);
      assert(/People who liked|You liked|People who disliked|You rated/.test(why.text), `speaks of the visitor's movies: ${why.text.slice(0, 200)}`);
      for (const [sum, total] of why.sums) assert(Math.abs(sum - total) < 1e-4, `the terms add up to the score: ${sum} vs ${total}`);
      await shot(page, 'p3-why');
      // "Show on map": ring + label persist after the dialog closes
      await page.locator('#recs .m-title').nth(1).click();
      const row = Number(await page.getAttribute('#movie-body', 'data-row'));
      await page.click('#movie-body .show-on-map');
      await page.waitForFunction(() => !document.getElementById('movie-dialog').open);
      await page.waitForTimeout(400);
      assert(Number(await page.getAttribute('#map', 'data-marked')) === row, 'the map marks the movie');
      const ms = (await page.getAttribute('#map', 'data-mark-screen')).split(',').map(Number);
      const box = await page.$eval('#map', (m) => ({ w: m.clientWidth, h: m.clientHeight }));
      assert(ms[0] > 0 && ms[0] < box.w && ms[1] > 0 && ms[1] < box.h, `the marked movie is in view: ${ms}`);
      const ringPixels = await page.$eval('#map canvas.overlay', (c, [x, y]) => {
        const d = c.getContext('2d').getImageData(Math.round(x * devicePixelRatio) - 20, Math.round(y * devicePixelRatio) - 20, 40, 40).data;
        let n = 0;
        for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
        return n;
      }, ms);
      assert(ringPixels > 60, `a ring is drawn around it (${ringPixels} px)`);
      await shot(page, 'p3-show-on-map');
      // bounded zoom: many wheel notches in stay within the bound
      const mbox = await page.locator('#map').boundingBox();
      await page.mouse.move(mbox.x + mbox.width / 2, mbox.y + mbox.height / 2);
      for (let i = 0; i < 30; i++) { await page.mouse.wheel(0, -300); await page.waitForTimeout(20); }
      await page.waitForTimeout(300);
      const z = await page.evaluate(() => window.__mfrec.S.map.zoom());
      const zmax = await page.evaluate(async () => (await import('./js/map.js')).ZOOM_MAX);
      assert(z <= zmax * 1.001, `zoom stays within ${zmax}x (${z.toFixed(1)}x after 30 notches)`);
      assert(Number(await page.getAttribute('#map', 'data-marked')) === row, 'the mark stays while looking around');
      // a lenient rater (30 popular movies at 5 stars, imported): predictions clamp at 5.0, the
      // match figure still tells the picks apart
      const popular = await page.evaluate(() => {
        const c = window.__mfrec.S.cat;
        return Array.from(c.counts.keys()).sort((a, b) => c.counts[b] - c.counts[a]).slice(0, 30).map((r) => c.ids[r]);
      });
      const csv = `userId,movieId,rating,timestamp\n${popular.map((id, i) => `7,${id},5.0,${1600000000 + i}`).join('\n')}\n`;
      await page.setInputFiles('#import-file', { name: 'lenient.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
      await page.waitForFunction(() => window.__mfrec.S.store.size >= 30);
      const lenient = await page.$$eval('#recs > li[data-id]', (lis) => lis.map((li) => [li.querySelector('.score').textContent, li.querySelector('.match').textContent]));
      const stars5 = lenient.filter(([sc]) => /5\.0/.test(sc)).length;
      const distinct = new Set(lenient.map(([, m]) => m)).size;
      t.numbers.push(`lenient rater: ${stars5} of ${lenient.length} picks shown as 5.0 stars; ${distinct} different match figures`);
      assert(distinct >= 10, `a lenient rater's picks still differ: ${lenient.map((x) => x.join(' ')).join(' | ')}`);
      assert(page.errors.length === 0, page.errors.join(' | '));
      await ctx.close();
    },
  },
  {
    name: '#4 phone: tabs with an "updated" cue, touch targets of 44 px, nothing cut or orphaned',
    real: true,
    fn: async (t) => {
      const { ctx, page } = await fresh(t, PHONE);
      assert(await page.isVisible('#tabs'), 'tabs on a phone');
      const ph = await page.$eval('#search', (el) => {
        const cs = getComputedStyle(el);
        const c = document.createElement('canvas').getContext('2d');
        c.font = `${cs.fontSize} ${cs.fontFamily}`;
        return { need: c.measureText(el.placeholder).width, have: el.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight) };
      });
      assert(ph.need <= ph.have, `the search placeholder fits (${ph.need.toFixed(0)} of ${ph.have} px)`);
      // rate from the grid by touch: a tap gives a whole star (44 px targets), a second tap on the
      // same star half a star less; the Picks tab says the list changed
      const card = page.locator('#starter-grid > li').first();
      const cardId = Number(await card.getAttribute('data-id'));
      await card.scrollIntoViewIfNeeded();
      const fourth = card.locator('.star').nth(3);
      const sb = await fourth.boundingBox();
      assert(sb.width >= 43.5 && sb.height >= 43.5, `a star is a 44 px target (${sb.width}x${sb.height})`);
      await fourth.tap();
      assert(await storedRating(page, cardId) === 4, `a tap on the 4th star rates 4 (${await storedRating(page, cardId)})`);
      await fourth.tap();
      assert(await storedRating(page, cardId) === 3.5, 'a second tap on it gives 3.5');
      assert(await page.isVisible('#recs-cue'), 'a "recommendations updated" cue on the Picks tab');
      await page.click('#tab-recs');
      assert(await page.isHidden('#recs-cue'), 'the cue goes once the tab is open');
      const top = await page.$eval('#recs > li', (li) => li.getBoundingClientRect().top);
      assert(top < 844, `the recommendations begin on screen (${top.toFixed(0)} px)`);
      // every visible touch target in the recommendations is at least 44 px high, a star 44 px wide
      const small = await page.$$eval('#recs button, #recs .star, #tabs button, #filters select, #filters input', (els) => els
        .filter((e) => e.offsetParent !== null)
        .map((e) => { const r = e.getBoundingClientRect(); return { c: e.className || e.tagName, w: r.width, h: r.height }; })
        .filter((r) => r.h < 43.5 || (r.c === 'star' || / star /.test(r.c) ? r.w < 43.5 : false)));
      assert(small.length === 0, `touch targets under 44 px: ${JSON.stringify(small.slice(0, 5))}`);
      // "To" is not alone on a line: both year fields sit on one row
      const ys = await page.$$eval('#filters .years label', (ls) => ls.map((l) => Math.round(l.getBoundingClientRect().top)));
      assert(ys.length === 2 && ys[0] === ys[1], `From and To on one line: ${ys}`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert(overflow <= 1, `no sideways scrolling (${overflow} px)`);
      await shot(page, 'p4-phone-picks');
      await page.click('#tab-map');
      await page.waitForTimeout(300);
      assert(await page.isVisible('#map'), 'the map tab shows the map');
      await shot(page, 'p4-phone-map');
      assert(page.errors.length === 0, page.errors.join(' | '));
      await ctx.close();
    },
  },
  {
    name: '#5 keyboard: Up/Down move between results, Enter opens, number keys rate, visible focus, a path into the map',
    real: true,
    fn: async (t) => {
      const { ctx, page } = await fresh(t);
      await search(page, 'pulp');
      await page.focus('#search');
      await page.keyboard.press('ArrowDown');
      const first = await page.evaluate(() => document.activeElement.closest('li')?.dataset.id);
      assert(first === await page.getAttribute('#search-results > li:nth-child(1)', 'data-id'), 'ArrowDown in search focuses the first result');
      await page.keyboard.press('4');
      assert(await storedRating(page, Number(first)) === 4, 'the number key rates the focused result');
      await page.keyboard.press('ArrowDown');
      const second = await page.evaluate(() => document.activeElement.closest('li')?.dataset.id);
      assert(second === await page.getAttribute('#search-results > li:nth-child(2)', 'data-id'), 'ArrowDown moves to the next result');
      assert(await storedRating(page, Number(first)) === 4, 'moving does not change the rating');
      // on the stars, Up/Down still move between rows
      await page.keyboard.press('ArrowUp');
      await page.keyboard.press('Tab');
      assert(await page.evaluate(() => document.activeElement.classList.contains('stars')), 'Tab reaches the stars');
      await page.keyboard.press('ArrowDown');
      assert(await storedRating(page, Number(first)) === 4, 'ArrowDown on the stars does not lower the rating');
      assert(await page.evaluate(() => document.activeElement.closest('li')?.dataset.id) === second, 'and moves to the next result');
      // Enter opens (focus is on the second result's title)
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => document.getElementById('movie-dialog').open);
      assert(await page.getAttribute('#movie-body', 'data-row') === await page.getAttribute('#search-results > li:nth-child(2)', 'data-row'), 'Enter opened the focused movie');
      await page.keyboard.press('Escape');
      // visible focus on the Import control
      await page.focus('#import-file');
      const outline = await page.$eval('label[for=import-file]', (l) => getComputedStyle(l).outlineStyle);
      assert(outline !== 'none', `the Import control shows focus (${outline})`);
      // the map: focusable, arrows move between movies, Enter opens
      await page.focus('#map');
      const k0 = await page.getAttribute('#map', 'data-key-row');
      assert(k0 !== null && k0 !== '', 'focusing the map selects a movie');
      await page.keyboard.press('ArrowRight');
      const k1 = await page.getAttribute('#map', 'data-key-row');
      assert(k1 !== k0 && k1 !== '', `ArrowRight moves to another movie (${k0} -> ${k1})`);
      assert((await page.textContent('#map-live')).length > 5, 'the movie is announced');
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => document.getElementById('movie-dialog').open);
      assert(await page.getAttribute('#movie-body', 'data-row') === k1, 'Enter opens the movie under the cursor');
      await shot(page, 'p5-keyboard-map');
      assert(page.errors.length === 0, page.errors.join(' | '));
      await ctx.close();
    },
  },
  {
    name: '#6 forgiving search: typos, numerals, acronyms, punctuation',
    fn: async (t) => {
      const { ctx, page } = await fresh(t);
      const cases = [['matrx', /^The Matrix\s*\(1999\)$/], ['toy stroy', /^Toy Story\s*\(1995\)$/], ['amlie', /^Amelie/],
        ['godfather 2', /^The Godfather: Part II\s*\(1974\)$/], ['lotr', /^The Lord of the Rings/], ['walle', /^WALL·E/],
        ['e.t.', /^E\.T\. the Extra-Terrestrial/]];
      for (const [q, re] of cases) {
        await search(page, q);
        const top = await page.$$eval('#search-results > li .m-title', (els) => els.slice(0, 3).map((e) => e.textContent));
        assert(top.some((x) => re.test(x)), `"${q}": ${re} in the top 3: ${top.join(' | ')}`);
      }
      await search(page, 'e.t.');
      const n = await page.$$eval('#search-results > li', (l) => l.length);
      assert(n <= 5, `"e.t." does not match thousands of titles (${n} shown: ${await page.textContent('#search-count')})`);
      await search(page, 'matrx');
      await shot(page, 'p6-typo');
      await ctx.close();
    },
  },
  {
    name: '#7 a rating updates only what changed: the other rows stay the same elements',
    real: true,
    fn: async (t) => {
      const { ctx, page } = await fresh(t);
      await rateSearchHit(page, 'toy story', /^Toy Story\s*\(1995\)$/, 4);
      await rateSearchHit(page, 'alien', /^Alien\s*\(1979\)$/, 4);
      await search(page, 'matrix');
      // tag every row element; after one more rating the untouched rows must be the same nodes
      await page.evaluate(() => { for (const li of document.querySelectorAll('#rated-list > li, #recs > li, #search-results > li')) li.__tag = 1; });
      const li = page.locator('#search-results > li').first();
      await clickStars(page, li, 3.5);
      const kept = await page.evaluate(() => ({
        rated: [...document.querySelectorAll('#rated-list > li')].map((l) => !!l.__tag),
        recs: [...document.querySelectorAll('#recs > li')].filter((l) => l.__tag).length,
        search: [...document.querySelectorAll('#search-results > li')].every((l) => l.__tag),
        stars: document.querySelector('#search-results > li .stars').dataset.value,
      }));
      assert(kept.rated.length === 3 && !kept.rated[0] && kept.rated[1] && kept.rated[2], `the rated list gained one row and kept the others: ${kept.rated}`);
      assert(kept.search, 'search rows are kept');
      assert(kept.recs >= 10, `most recommendation rows are reused (${kept.recs} of 20)`);
      assert(kept.stars === '3.5', 'the rated row shows its new value');
      assert(page.errors.length === 0, page.errors.join(' | '));
      await ctx.close();
    },
  },
  {
    name: '#8 states for people: file://, plain errors with folded detail and export, empty filters, year range checked',
    real: true,
    fn: async (t) => {
      // opened from disk
      const ctx0 = await newContext(t.browser, { viewport: DESKTOP });
      const p0 = await ctx0.newPage();
      await p0.goto(pathToFileURL(join(process.env.MFREC_WEB_DIR || WEB, 'index.html')).href);
      await p0.waitForSelector('#boot-error:not([hidden])', { timeout: 10000 });
      assert(/web server/i.test(await p0.textContent('#boot-title')), `file:// explains: ${await p0.textContent('#boot-title')}`);
      assert(/serve\.sh/.test(await p0.textContent('#boot-error-cmd')), 'with the one command');
      await shot(p0, 'p8-file');
      await ctx0.close();
      // a broken bundle: plain words, technical detail folded, ratings exportable
      const ctx = await newContext(t.browser, { viewport: DESKTOP, serviceWorkers: 'block' });
      await ctx.addInitScript(() => { if (!localStorage.getItem('mfrec.ratings.v1')) localStorage.setItem('mfrec.ratings.v1', JSON.stringify([[1, 4, 1700000000]])); });
      await ctx.route('**/bundle/bundle.mfm', (r) => r.fulfill({ status: 200, contentType: 'application/octet-stream', body: Buffer.from('not a model\n'.repeat(40)) }));
      const p = await ctx.newPage();
      await p.goto(t.url);
      await p.waitForSelector('#boot-error:not([hidden])');
      const text = await p.textContent('#boot-error-text');
      assert(!/export-web|ASSERTIONS|section|\.mfm/.test(text), `plain words: ${text}`);
      assert(await p.isHidden('#boot-error-tech'), 'the technical detail is folded');
      assert((await p.textContent('#boot-error-tech')).length > 10, 'and there');
      assert(await p.isVisible('#boot-export'), 'ratings can be exported from the error screen');
      const [dl] = await Promise.all([p.waitForEvent('download'), p.click('#boot-export')]);
      const csv = readFileSync(await dl.path(), 'utf8');
      assert(/^userId,movieId,rating,timestamp\n0,1,4\.0,1700000000/.test(csv), `the export holds the stored rating: ${csv}`);
      await shot(p, 'p8-error');
      await ctx.close();
      // empty state and year range
      const { ctx: c2, page } = await fresh(t);
      await page.fill('#f-ymin', '2010');
      await page.fill('#f-ymax', '2000');
      await page.waitForSelector('#f-year-err:not([hidden])');
      assert(/after/.test(await page.textContent('#f-year-err')), 'From after To is explained beside the fields');
      assert((await ids(page, '#recs')).length > 0, 'the list keeps the last valid range meanwhile');
      await page.fill('#f-ymax', '');
      await page.fill('#f-ymin', '1900');
      await page.fill('#f-ymax', '1901');
      await page.selectOption('#f-min', '1000');
      await page.waitForSelector('#recs-empty:not([hidden])');
      const box = await page.locator('#recs-empty').boundingBox();
      assert(box.height > 60 && box.width > 200, `a real empty state, not a sliver (${box.width}x${box.height})`);
      await shot(page, 'p8-empty');
      await page.click('#reset-filters');
      assert((await ids(page, '#recs')).length === 20 && await page.isHidden('#recs-empty'), 'reset filters brings the list back');
      assert(page.errors.length === 0, page.errors.join(' | '));
      await c2.close();
    },
  },
  {
    name: '#9 the service worker caches only what the host can use',
    real: true,
    fn: async (t) => {
      const srv = await startServer(['--no-isolation'], process.env.MFREC_WEB_DIR || null);
      const ctx = await newContext(t.browser, { viewport: DESKTOP });
      try {
        const page = await openPage(ctx, srv.url);
        await page.waitForFunction(() => document.documentElement.dataset.offline === '1', null, { timeout: 20000 });
        const keys = await page.evaluate(async () => {
          const out = [];
          for (const name of await caches.keys()) for (const r of await (await caches.open(name)).keys()) out.push(r.url);
          return out;
        });
        assert(keys.some((u) => u.endsWith('/wasm/mfrec.wasm')), 'the engine is cached');
        const unusable = keys.filter((u) => /mfrec_mt|bench\.(html|js)/.test(u));
        assert(unusable.length === 0, `nothing the host cannot use: ${unusable.join(', ')}`);
      } finally {
        await ctx.close();
        await srv.stop();
      }
    },
  },
];

if (MOCK) for (const t of productTests) t.real = true;
