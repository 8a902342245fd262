// mfrec page: boot (module + bundle with progress), search, half-star ratings, live top-N with
// filters, "why" decompositions, movie details with similar movies, cold start, a hypothetical
// movie, the latent map, ratings persistence and CSV import/export, in-browser training.
import { h, clear, $, fmt1, fmt2, fmtInt, fmtSigned, fmtBytes } from './dom.js';
import { Catalog } from './catalog.js';
import { RatingStore } from './ratings.js';
import { createStars } from './stars.js';
import { LatentMap, genrePalette } from './map.js';
import { fetchBytes, loadModule, openBundle, LoadError, searchIndexInWorker } from './loader.js';
import { setupTraining, loadTrainedBundle, forgetTrainedBundle } from './training.js';

const SW_CACHE = 'mfrec-v2';   // the service worker's cache (sw.js)
const BUNDLE_URL = new URL('../bundle/bundle.mfm', import.meta.url).href;
const MODULE_URL = new URL('../wasm/mfrec.js', import.meta.url).href;
const params = new URLSearchParams(location.search);

const S = {
  M: null,            // the wasm module
  r: null,            // Recommender
  cat: null,          // Catalog
  bundleBytes: null,  // the shipped bundle (the catalog for in-browser training)
  modelSource: 'shipped',
  trainedInfo: null,
  store: new RatingStore(),
  items: new Int32Array(0),
  ratings: new Float32Array(0),
  x: null,
  scores: null,
  rates: null,
  recN: 20,
  open: new Set(),     // rows whose "why" is expanded
  dialogRow: -1,
  searchRows: [],
  map: null,
  hypoMask: 0,
  timings: { foldIn: [], rank: [], update: [] },
  caps: { rates: true, vectors: true, explains: true },   // what the model's kind can do (M.kinds())
  controls: new Map(),  // row -> Set of rating controls showing it (updated in place)
  recLis: new Map(),    // row -> <li> of the recommendations (reused between updates)
  pinned: new Map(),    // row -> index: a row rated in the list stays in place while the pointer is there
  excluded: new Int32Array(0),  // rows marked "not interested": never recommended
  medianScore: null,    // the catalog's median ranking score for the current visitor (match %)
  starterRows: [],      // the first-visit grid
  starterSeed: 0,
};
const bootT = {};
const markT = (k) => { bootT[k] = Math.round(performance.now()); };
window.__mfrec = {
  S,
  boot: bootT,
  interactiveMs: null,
  ready: false,
  errors: [],
};

// ------------------------------------------------------------------ boot
function bootProgress(frac, detail) {
  const bar = $('boot-progress');
  if (frac === null) bar.classList.add('indeterminate');
  else {
    bar.classList.remove('indeterminate');
    $('boot-fill').style.width = `${Math.round(frac * 100)}%`;
    bar.setAttribute('aria-valuenow', String(Math.round(frac * 100)));
  }
  if (detail) $('boot-detail').textContent = detail;
}

// What a visitor is told, per kind of failure; the technical message is folded away below it.
const PLAIN = {
  missing: 'The movie data for this page is not on the server, so there is nothing to recommend from yet. If you run this site: the data file has to be built and uploaded (technical details below).',
  network: 'The movie data could not be downloaded. Check the connection and try again. After one complete visit the page also works offline.',
  truncated: 'The download of the movie data stopped before the end. Try again.',
  corrupt: 'The movie data on the server is damaged or incomplete, so the page cannot use it. Try again; if it keeps happening, tell whoever runs this site.',
  wasm: 'The recommender could not start in this browser. It needs a recent Chrome, Edge, Firefox or Safari.',
  file: 'This page has to be opened through a web server, not straight from a file: browsers do not let a page opened from disk load its engine and movie data.',
};

function bootFail(err) {
  const e = err instanceof LoadError ? err : new LoadError('wasm', `Something went wrong while starting: ${err && err.message ? err.message : err}`);
  window.__mfrec.errors.push(e.message);
  $('boot').classList.add('failed');
  $('boot').dataset.error = e.kind;
  $('boot-title').textContent = {
    missing: 'The movie data is missing',
    network: 'The movie data could not be downloaded',
    truncated: 'The movie data download is incomplete',
    corrupt: 'The movie data is damaged',
    wasm: 'The recommender could not start',
    file: 'Open this page through a web server',
  }[e.kind] || 'Something went wrong';
  $('boot-error-text').textContent = PLAIN[e.kind] || 'The page could not start.';
  $('boot-error-hint').textContent = '';
  const cmd = $('boot-error-cmd');
  cmd.hidden = e.kind !== 'file';
  if (e.kind === 'file') {
    cmd.textContent = 'scripts/serve.sh        # from the repository, then open the address it prints';
    $('boot-error-hint').textContent = 'One command serves it (any static web server works, e.g. python3 -m http.server run inside web/):';
  }
  $('boot-error-tech').textContent = `${e.message}${e.hint ? `\n${e.hint}` : ''}`;
  $('boot-error-details').hidden = false;
  $('boot-retry').hidden = e.kind === 'file';
  // the stored ratings are the visitor's: they can always take them away
  const exp = $('boot-export');
  exp.hidden = S.store.size + S.store.marksSize === 0;
  exp.textContent = `Export your ${S.store.size} rating${S.store.size === 1 ? '' : 's'}`;
  exp.onclick = exportCsv;
  $('boot-error').hidden = false;
  $('boot').hidden = false;
  $('app').hidden = true;
  console.error(err);
}

async function boot() {
  if (location.protocol === 'file:') {
    return bootFail(new LoadError('file', `The page was opened from ${location.href}: file:// pages cannot fetch their module or bundle.`));
  }
  $('boot-retry').addEventListener('click', async () => {
    // a damaged file must not come back from the offline cache
    const kind = $('boot').dataset.error;
    if (kind === 'corrupt' || kind === 'truncated' || kind === 'wasm') {
      try {
        const cache = await caches.open(SW_CACHE);
        await Promise.all([BUNDLE_URL, MODULE_URL, new URL('../wasm/mfrec.wasm', import.meta.url).href].map((u) => cache.delete(u)));
      } catch { /* no Cache API */ }
    }
    location.reload();
  });
  bootProgress(null, 'Starting the engine…');
  markT('start');
  const moduleP = loadModule(MODULE_URL);
  moduleP.then(() => markT('module'), () => {});
  let bytes;
  const bytesP = fetchBytes(BUNDLE_URL, (got, total) => {
    if (total) bootProgress(got / total, `Downloading the model… ${fmtBytes(got)} of ${fmtBytes(total)}`);
    else bootProgress(null, `Downloading the model… ${fmtBytes(got)}`);
  });
  bytesP.catch(() => {});
  const trained = params.has('shipped') ? null : await loadTrainedBundle().catch(() => null);
  try {
    bytes = await bytesP;
  } catch (e) {
    if (!trained) return bootFail(e);
    console.warn('shipped bundle unavailable, using the trained one', e);
  }
  markT('bundle');
  bootProgress(1, 'Opening the model…');
  let M;
  try { M = await moduleP; } catch (e) { return bootFail(e); }
  S.M = M;
  S.bundleBytes = bytes || null;
  // the title search index is built in a worker from the same bytes while the engine opens them
  let indexP = null;
  try {
    if (trained) {
      try {
        indexP = searchIndexInWorker(trained.bytes);
        useModel(openBundle(M, trained.bytes), 'trained', trained.info, { index: false });
      } catch (e) {
        console.warn('stored trained model unusable, dropping it', e);
        await forgetTrainedBundle();
        if (!bytes) throw e;
        indexP = searchIndexInWorker(bytes);
        useModel(openBundle(M, bytes), 'shipped', null, { index: false });
      }
    } else {
      indexP = searchIndexInWorker(bytes);
      useModel(openBundle(M, bytes), 'shipped', null, { index: false });
    }
  } catch (e) {
    return bootFail(e);
  }
  markT('model');
  $('boot').hidden = true;
  $('app').hidden = false;
  const search = $('search');
  search.disabled = false;
  if (!params.has('nofocus')) search.focus();

  wireStatic();
  markT('wired');
  refresh();
  markT('refreshed');
  const idx = await indexP;
  if (!S.cat.adoptSearchIndex(idx)) S.cat.buildSearchIndex();
  markT(idx ? 'searchIndexWorker' : 'searchIndex');
  if (search.value.trim()) runSearch();   // typed while the index was being built
  // the typo-tolerant forms, before the first typo needs them: from the worker, or built here
  // when the page is idle
  const idle = window.requestIdleCallback || ((f) => setTimeout(f, 200));
  const cat = S.cat;
  Promise.resolve(idx && idx.forms).then((forms) => {
    if (!cat.adoptSearchForms(forms)) idle(() => cat.prepareForgivingSearch());
  });
  // interactive once the first frame with search, ratings and picks is painted and the main
  // thread is free again (input is handled from then on); the map comes after
  requestAnimationFrame(() => setTimeout(async () => {
    window.__mfrec.interactiveMs = performance.now();
    performance.mark('mfrec-interactive');
    await initMap();
    window.__mfrec.ready = true;
    document.documentElement.dataset.ready = '1';
    registerServiceWorker();
  }, 0));
}

// Installs a model (shipped or trained) as the current one.
function useModel(r, source, info = null, { index = true } = {}) {
  if (S.r && S.r !== r) { try { S.r.delete(); } catch { /* ignore */ } }
  S.r = r;
  S.scale = r.ratingScale();
  const kind = typeof r.kind === 'function' ? r.kind() : 'als';
  const kindInfo = (S.M && typeof S.M.kinds === 'function' ? Array.from(S.M.kinds()) : []).find((k) => k.name === kind);
  S.caps = kindInfo ? { rates: !!kindInfo.rates, vectors: !!kindInfo.vectors, explains: !!kindInfo.explains } : { rates: true, vectors: true, explains: true };
  S.starterRows = [];
  S.starterShown = [];
  S.controls.clear();
  markT('fromBundle');
  S.cat = new Catalog(r);
  markT('catalog');
  if (index) S.cat.buildSearchIndex();
  S.modelSource = source;
  S.trainedInfo = info;
  S.open.clear();
  S.hypoMask = S.hypoMask || 0;
  const chip = $('model-chip');
  chip.hidden = false;
  chip.className = source === 'trained' ? 'chip trained' : 'chip';
  chip.textContent = `${fmtInt(S.cat.n)} movies · ${S.cat.k} factors · ${source === 'trained' ? 'your trained model' : 'shipped model'}`;
  chip.title = source === 'trained' && info ? `Trained in this browser on ${info.file || 'a ratings file'}${info.testRmse ? `, test RMSE ${info.testRmse.toFixed(3)}` : ''}` : 'The model that came with the page';
}

// ------------------------------------------------------------------ computing
function ratedArrays() {
  const items = [], ratings = [];
  for (const e of S.store.chronological()) {
    const row = S.cat.row.get(e.id);
    // the page rates in half stars 0.5-5 (MovieLens'); a model trained on another scale (e.g.
    // whole stars 1-5) takes the nearest rating on its own scale
    if (row !== undefined) { items.push(row); ratings.push(clampToScale(e.rating)); }
  }
  S.items = Int32Array.from(items);
  S.ratings = Float32Array.from(ratings);
  const ex = [];
  for (const id of S.store.marked('notinterested')) {
    const row = S.cat.row.get(id);
    if (row !== undefined) ex.push(row);
  }
  S.excluded = Int32Array.from(ex);
}

function foldIn() {
  ratedArrays();
  const t0 = performance.now();
  S.x = S.r.foldIn(S.items, S.ratings, S.excluded);  // "not interested": a confident no
  S.timings.foldIn.push(performance.now() - t0);
  S.scores = null;
  S.rates = null;
  S.medianScore = null;
}

function scores() {
  if (!S.scores) S.scores = S.r.scoreAll(S.x);
  return S.scores;
}

// every movie's predicted rating (unclamped): the engine's rating part, which for a list
// recommender (hybrid) is not the score that orders the list
function rates() {
  if (!S.rates) S.rates = S.r.rateAll(S.x);
  return S.rates;
}

// the model's rating scale (the ratings it was trained on): predictions are clamped to it
function clampToScale(v) {
  const s = S.scale || (S.scale = S.r.ratingScale());
  return Math.min(s.max, Math.max(s.min, v));
}

// the predicted rating of one movie, or null for a model kind whose score is not a rating
function predicted(row) {
  return S.caps.rates ? clampToScale(rates()[row]) : null;
}

// The median ranking score over the catalog: the "0 %" of the match figure (quickselect on a copy).
function medianScore() {
  if (S.medianScore !== null) return S.medianScore;
  const a = Float32Array.from(scores());
  const k = a.length >> 1;
  let lo = 0, hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1];
    let i = lo, j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) { const t = a[i]; a[i] = a[j]; a[j] = t; i++; j--; }
    }
    if (k <= j) hi = j; else if (k >= i) lo = i; else break;
  }
  S.medianScore = a[k];
  return S.medianScore;
}

// "Match": where a movie's ranking score sits between a typical movie (the catalog's median,
// 0 %) and the best pick of the list (100 %). Works for every kind (only the order of scores
// matters), and differs between neighbours where the rounded stars do not.
function matchPercent(score, best) {
  const med = medianScore();
  if (!(best > med)) return 100;
  return Math.max(0, Math.min(100, (100 * (score - med)) / (best - med)));
}

// Re-rendering a list replaces its star widgets: keep keyboard focus on the same movie's stars.
function keepFocus(container, render) {
  const a = document.activeElement;
  const li = a && container.contains(a) ? a.closest('[data-row]') : null;
  const row = li ? li.dataset.row : null;
  const wasStars = a && a.classList && a.classList.contains('stars');
  render();
  if (row !== null && wasStars) {
    const again = container.querySelector(`[data-row="${row}"] .stars`);
    if (again) again.focus();
  }
}

// Everything that depends on the ratings, rebuilt (a new model, an import, a reset).
function refresh() {
  try {
    foldIn();
  } catch (e) {
    $('recs-note').textContent = `Could not use your ratings: ${e.message || e}`;
    return;
  }
  S.pinned.clear();
  S.recLis.clear();
  clear($('recs'));
  renderRecs();
  keepFocus($('rated-list'), renderRated);
  updateAllControls();
  refreshSearchPreds();
  renderHypo();
  renderStarter();
  if (S.map) {
    S.map.setVisitor(S.items.length && S.caps.vectors ? S.r.project(S.x) : null);
    S.map.setRated(Array.from(S.items));
  }
  if (S.dialogRow >= 0 && $('movie-dialog').open) keepFocus($('movie-body'), () => renderMovie(S.dialogRow, false));
}

// One movie's rating or mark changed: update only what depends on it. The list is recomputed by
// the engine (every score moves) but its rows are reused; the rated list gains, loses or keeps
// one row; controls of that movie elsewhere change their value; nothing else is rebuilt.
function update(change) {
  const t0 = performance.now();
  try {
    foldIn();
  } catch (e) {
    $('recs-note').textContent = `Could not use your ratings: ${e.message || e}`;
    return;
  }
  const row = S.cat.row.get(change.id);
  if (row !== undefined) updateControls(row);
  updateRatedRow(change, row);
  renderRecs();
  refreshSearchPreds();
  renderHypo();
  updateStarterHint();
  if (S.map) {
    S.map.setVisitor(S.items.length && S.caps.vectors ? S.r.project(S.x) : null);
    S.map.setRated(Array.from(S.items));
  }
  if (S.dialogRow >= 0 && $('movie-dialog').open) updateMovieDialog();
  S.timings.update.push(performance.now() - t0);
}

// ------------------------------------------------------------------ bits of UI
function titleButton(row, extraClass = '') {
  const d = S.cat.display(row);
  return h('button', {
    type: 'button', class: `m-title ${extraClass}`.trim(), dataset: { row: String(row) },
    on: { click: () => openMovie(row) },
    attrs: { 'aria-haspopup': 'dialog' },
  }, d.name, d.year ? h('span', { class: 'm-year', text: `(${d.year})` }) : null);
}

function coldBadge(row) {
  if (!S.r.isCold(row)) return null;
  const c = S.cat.counts[row];
  return h('span', {
    class: 'badge cold', text: 'cold start',
    title: c ? `Only ${c} rating${c === 1 ? '' : 's'} in the training data: scored mostly from its genres` : 'No ratings in the training data: scored from its genres',
  });
}

function countText(row) {
  const c = S.cat.counts[row];
  return c === 1 ? '1 rating' : `${fmtInt(c)} ratings`;
}

function fullName(row) {
  const d = S.cat.display(row);
  return `${d.name}${d.year ? ` (${d.year})` : ''}`;
}

const MARK_TEXT = { notseen: 'Not seen', notinterested: 'Not interested' };

// The rating control of a movie row, the same everywhere (search, first-visit grid, your ratings,
// recommendations, similar movies, the movie dialog): half stars, "Not seen", "Not interested",
// and an explicit remove button (with undo) once there is something to remove. Registered per row
// so that a change updates every control of that movie in place.
function rowControls(row, { small = true, where = '' } = {}) {
  const id = S.cat.ids[row];
  const name = fullName(row);
  const stars = createStars({
    value: S.store.get(id), small,
    label: `Your rating for ${name}`,
    onChange: (v) => { if (v) rate(row, v, where); else removeWithUndo(id); },
  });
  const markBtn = (mark) => h('button', {
    type: 'button', class: `mark-btn ${mark}`, dataset: { mark }, text: MARK_TEXT[mark],
    attrs: { 'aria-pressed': 'false', 'aria-label': `${MARK_TEXT[mark]}: ${name}` },
    on: { click: () => toggleMark(row, mark, where) },
  });
  const seen = markBtn('notseen');
  const ni = markBtn('notinterested');
  const remove = h('button', {
    type: 'button', class: 'x-btn', text: '×', title: 'Remove (you can undo)',
    attrs: { 'aria-label': `Remove your rating or mark of ${name}` },
    on: { click: () => removeWithUndo(id) },
  });
  const root = h('div', { class: 'rate-ctl', dataset: { row: String(row) } }, stars, h('span', { class: 'marks' }, seen, ni, remove));
  root.stars = stars;
  root.update = () => {
    const v = S.store.get(id);
    const mark = S.store.mark(id);
    stars.setValue(v);
    seen.setAttribute('aria-pressed', mark === 'notseen' ? 'true' : 'false');
    ni.setAttribute('aria-pressed', mark === 'notinterested' ? 'true' : 'false');
    remove.hidden = !v && !mark;
    root.dataset.state = v ? 'rated' : (mark || 'none');
  };
  root.update();
  let set = S.controls.get(row);
  if (!set) S.controls.set(row, (set = new Set()));
  set.add(root);
  return root;
}

function updateControls(row) {
  const set = S.controls.get(row);
  if (!set) return;
  for (const c of set) {
    if (!c.isConnected) set.delete(c);
    else c.update();
  }
  if (!set.size) S.controls.delete(row);
  // the rows showing this movie say how it stands
  for (const li of document.querySelectorAll(`li[data-row="${row}"]`)) {
    li.dataset.state = S.store.get(S.cat.ids[row]) ? 'rated' : (S.store.mark(S.cat.ids[row]) || 'none');
  }
}

function updateAllControls() {
  for (const row of [...S.controls.keys()]) updateControls(row);
}

// a row of the recommendations rated or marked in place stays where it is until the pointer
// (or the keyboard focus) leaves the list
function pinIfInRecs(row, where) {
  if (where !== 'recs') return;
  const li = S.recLis.get(row);
  if (!li || !li.isConnected) return;
  S.pinned.set(row, [...$('recs').children].indexOf(li));
}

function rate(row, v, where = '') {
  pinIfInRecs(row, where);
  S.store.set(S.cat.ids[row], v);   // emits -> update
}

function toggleMark(row, mark, where = '') {
  const id = S.cat.ids[row];
  pinIfInRecs(row, where);
  const before = S.store.state(id);
  S.store.setMark(id, S.store.mark(id) === mark ? null : mark);
  if (before.rating) toast(`Your ${before.rating}★ rating of ${fullName(row)} was replaced by “${MARK_TEXT[mark]}”.`, () => S.store.restore(id, before));
}

// Removing a rating or a mark is always explicit, and can be undone from the toast.
function removeWithUndo(id) {
  const before = S.store.state(id);
  if (!before.rating && !before.mark) return;
  const row = S.cat.row.get(id);
  const name = row !== undefined ? fullName(row) : `movie ${id}`;
  S.store.remove(id);
  toast(before.rating ? `Removed your ${before.rating}★ rating of ${name}.` : `Removed “${MARK_TEXT[before.mark]}” from ${name}.`,
    () => S.store.restore(id, before));
}

let toastTimer = 0;
function toast(msg, undo) {
  const el = $('toast');
  clear(el);
  el.append(h('span', { class: 'toast-msg', text: msg }));
  if (undo) {
    el.append(h('button', {
      type: 'button', class: 'toast-undo', text: 'Undo',
      on: { click: () => { el.hidden = true; undo(); } },
    }));
  }
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.hidden = true; }, 10000);
}

// ------------------------------------------------------------------ first visit
// A grid of well-known, different movies chosen by the engine (Recommender.starter: popular,
// spread over the latent space); shown until the visitor has rated enough to get personal picks.
const STARTER_N = 12;          // movies in the grid
const STARTER_UNTIL = 10;      // the grid is shown while there are fewer ratings than this
const GOOD_PICKS_AT = 5;       // "rate N more for better picks" counts down to this

function starterAvailable() {
  return typeof S.r.starter === 'function';
}

function renderStarter() {
  const box = $('starter');
  const n = S.store.size;
  if (!starterAvailable() || (n >= STARTER_UNTIL && !S.starterRows.length)) { box.hidden = true; return; }
  if (!S.starterRows.length) newStarterSet(false);
  box.hidden = false;
  const grid = clear($('starter-grid'));
  for (const row of S.starterRows) grid.appendChild(starterCard(row));
  updateStarterHint();
}

// the movies to leave out of a grid: rated, marked, and those just shown
function starterExclusions(extra = []) {
  const ex = new Set(extra);
  for (const id of [...S.store.map.keys(), ...S.store.marks.keys()]) {
    const row = S.cat.row.get(id);
    if (row !== undefined) ex.add(row);
  }
  return Int32Array.from(ex);
}

function newStarterSet(render = true) {
  let rows;
  try {
    rows = S.r.starter(STARTER_N, S.starterSeed, starterExclusions(S.starterShown || []));
    if (rows.length < STARTER_N && S.starterShown?.length) {   // ran out: start over without the shown ones
      S.starterShown = [];
      rows = S.r.starter(STARTER_N, S.starterSeed, starterExclusions());
    }
  } catch (e) {
    console.warn('starter grid unavailable:', e);
    rows = [];
  }
  S.starterRows = Array.from(rows);
  S.starterShown = [...(S.starterShown || []), ...S.starterRows];
  if (render) renderStarter();
}

function starterCard(row) {
  const id = S.cat.ids[row];
  const genres = S.cat.genresOf(row);
  return h('li', { class: 'starter-card', dataset: { row: String(row), id: String(id), state: S.store.get(id) ? 'rated' : (S.store.mark(id) || 'none') } },
    h('div', null, titleButton(row)),
    h('div', { class: 'm-meta' }, genres.length ? h('span', { text: genres.slice(0, 2).join(' · ') }) : null),
    rowControls(row, { where: 'starter' }));
}

function updateStarterHint() {
  const el = $('progress-hint');
  const n = S.store.size;
  if (n >= STARTER_UNTIL && $('starter').hidden) return;
  el.textContent = n === 0 ? `Rate a few of these (or mark them “Not seen”): your picks change with the first rating.`
    : n < GOOD_PICKS_AT ? `${n} rated · rate ${GOOD_PICKS_AT - n} more for better picks.`
      : n < STARTER_UNTIL ? `${n} rated · your picks are personal now; each rating sharpens them.`
        : `${n} rated · well done. Search for more movies you know, or rate from your picks.`;
  el.dataset.count = String(n);
}

// ------------------------------------------------------------------ search
function runSearch() {
  const q = $('search').value;
  if (S.map && S.map.markRow >= 0 && q.trim()) S.map.mark(-1);
  if (!S.cat.searchReady) {
    $('search-count').textContent = q.trim() ? 'Indexing titles…' : '';
    return;   // run again once the index is there
  }
  const t0 = performance.now();
  const res = S.cat.search(q, 40);
  const ms = performance.now() - t0;
  S.searchRows = res.rows;
  const list = clear($('search-results'));
  if (!q.trim()) {
    $('search-count').textContent = '';
    S.map?.setHighlights([]);
    return;
  }
  const exact = res.total - (res.fuzzy || 0);
  $('search-count').textContent = res.total === 0 ? 'No title matches, even with a typo or two allowed.'
    : exact === 0 ? `No exact match; ${fmtInt(res.total)} title${res.total === 1 ? '' : 's'} with a similar spelling · ${ms < 1 ? '<1' : ms.toFixed(0)} ms`
      : `${fmtInt(res.total)} title${res.total === 1 ? '' : 's'} match${res.fuzzy ? ` (${res.fuzzy} by similar spelling)` : ''}${res.total > res.rows.length ? `; showing the ${res.rows.length} most rated` : ''} · ${ms < 1 ? '<1' : ms.toFixed(0)} ms`;
  for (const row of res.rows) list.appendChild(searchItem(row));
  S.map?.setHighlights(res.all);
}

function predText(row) {
  const p = predicted(row);
  return p === null ? '' : `≈ ${fmt1(p)} for you`;
}

// A movie row of a list (search, similar): title, facts, the rating control.
function movieItem(row, where, extraMeta = []) {
  const genres = S.cat.genresOf(row);
  const id = S.cat.ids[row];
  return h('li', { dataset: { row: String(row), id: String(id), state: S.store.get(id) ? 'rated' : (S.store.mark(id) || 'none') } },
    h('div', null, titleButton(row)),
    h('div', { class: 'm-meta' },
      extraMeta,
      genres.length ? h('span', { text: genres.slice(0, 3).join(' · ') }) : null,
      h('span', { text: countText(row) }),
      coldBadge(row),
      h('span', { class: 'pred', text: predText(row) })),
    h('div', { class: 'm-side' }, rowControls(row, { where })));
}

function searchItem(row) {
  return movieItem(row, 'search');
}

// predictions move with every rating; the rows stay
function refreshSearchPreds() {
  for (const li of $('search-results').children) {
    const p = li.querySelector('.pred');
    if (p) p.textContent = predText(Number(li.dataset.row));
  }
}

// ------------------------------------------------------------------ rated list
function ratedItem(row, id) {
  return h('li', { dataset: { row: String(row), id: String(id), state: 'rated' } },
    h('div', null, titleButton(row)),
    h('div', { class: 'm-meta' }, h('span', { text: S.cat.genresOf(row).slice(0, 3).join(' · ') })),
    h('div', { class: 'm-side' }, rowControls(row, { where: 'rated' })));
}

function ratedCountText() {
  const n = S.store.size;
  $('rated-count').textContent = String(n);
  $('rated-hint').hidden = n >= 3;
}

// One movie's change in "Your ratings": a new rating goes on top, an edit keeps its row (the
// stars were already updated in place), a removal takes its row out.
function updateRatedRow(change, row) {
  ratedCountText();
  if (row === undefined) return;
  const list = $('rated-list');
  const li = list.querySelector(`li[data-id="${change.id}"]`);
  const now = change.after.rating, was = change.before.rating;
  if (now && !li) {
    if (S.store.entries()[0]?.id === change.id) list.prepend(ratedItem(row, change.id));
    else renderRated();   // an undo puts it back in its old place
  }
  else if (!now && li) {
    // keep keyboard focus in the list
    if (li.contains(document.activeElement)) (li.nextElementSibling || li.previousElementSibling)?.querySelector('.m-title')?.focus();
    li.remove();
  } else if (now && was && li && change.before.added !== change.after.added) {
    renderRated();   // restored by undo with its old place
  }
}

function renderRated() {
  const list = clear($('rated-list'));
  const entries = S.store.entries();
  ratedCountText();
  let unknown = 0;
  for (const e of entries) {
    const row = S.cat.row.get(e.id);
    if (row === undefined) { unknown++; continue; }
    list.appendChild(ratedItem(row, e.id));
  }
  if (unknown) {
    list.appendChild(h('li', { class: 'muted small' },
      h('div', { text: `${unknown} rating${unknown === 1 ? '' : 's'} for movies this model does not know (kept, and exported).` })));
  }
}

// ------------------------------------------------------------------ recommendations
// The year range, checked as it is typed: a message beside the fields, and the list keeps the
// last valid range meanwhile.
function yearRange() {
  const y0 = Number($('f-ymin').value) || 0;
  const y1 = Number($('f-ymax').value) || 0;
  const err = $('f-year-err');
  let msg = '';
  if (y0 && y1 && y0 > y1) msg = `“From” (${y0}) is after “To” (${y1}): swap them or clear one.`;
  err.textContent = msg;
  err.hidden = !msg;
  $('f-ymin').setAttribute('aria-invalid', msg ? 'true' : 'false');
  $('f-ymax').setAttribute('aria-invalid', msg ? 'true' : 'false');
  if (!msg) S.lastYears = [y0, y1];
  return S.lastYears || [0, 0];
}

function resetFilters() {
  $('f-genre').value = '0';
  $('f-min').value = '0';
  $('f-ymin').value = '';
  $('f-ymax').value = '';
  yearRange();
  saveFilters();
  renderRecs();
}

function filters() {
  const g = Number($('f-genre').value) || 0;
  const [y0, y1] = yearRange();
  return {
    genreMask: g ? (1 << (g - 1)) >>> 0 : 0,
    minCount: Number($('f-min').value) || 0,
    yearMin: y0 ? Math.max(1, Math.min(32767, y0)) : 0,
    yearMax: y1 ? Math.max(1, Math.min(32767, y1)) : 0,
  };
}

function saveFilters() {
  try {
    localStorage.setItem('mfrec.filters.v1', JSON.stringify({
      genre: $('f-genre').value, min: $('f-min').value, ymin: $('f-ymin').value, ymax: $('f-ymax').value,
    }));
  } catch { /* ignore */ }
}

function loadFilters() {
  let f = null;
  try { f = JSON.parse(localStorage.getItem('mfrec.filters.v1') || 'null'); } catch { /* ignore */ }
  // the list recommender (hybrid) ranks what people watch: no filter needed. A model ranked by
  // predicted rating alone favours movies with a few high ratings: skip those unless asked
  const min = f?.min ?? (S.r.kind() === 'hybrid' ? '0' : S.cat.n > 20000 ? '20' : '10');
  $('f-min').value = min;
  if (f) {
    if ([...$('f-genre').options].some((o) => o.value === f.genre)) $('f-genre').value = f.genre;
    $('f-ymin').value = f.ymin || '';
    $('f-ymax').value = f.ymax || '';
  }
}

function renderRecs() {
  const f = filters();
  const t0 = performance.now();
  // the engine's one recommend (the same as `mfrec recommend --rate`): fold-in, rated movies
  // excluded, "not interested" movies excluded, filters, top n
  let res;
  try {
    res = S.r.recommend(S.items, S.ratings, {
      n: S.recN, minCount: f.minCount, genreMask: f.genreMask, yearMin: f.yearMin, yearMax: f.yearMax,
      notInterested: S.excluded,  // hidden, and the list recommender turns away from them
    });
  } catch (e) {
    $('recs-note').textContent = `The recommendations could not be computed: ${e.message || e}`;
    return;
  }
  const dt = performance.now() - t0;
  S.timings.rank.push(dt);
  const list = $('recs');
  const n = S.items.length;
  const fi = S.timings.foldIn[S.timings.foldIn.length - 1] || 0;
  $('recs-note').textContent = (n === 0
    ? 'No ratings yet: these are popular, well-liked movies. Rate a few to make them yours.'
    : `Based on your ${n} rating${n === 1 ? '' : 's'} · computed in ${(fi + dt).toFixed(1)} ms`);
  $('recs-empty').hidden = res.items.length > 0 || S.pinned.size > 0;
  // rows shown: the engine's list, with rows just rated here kept at their place
  const rows = [];
  const at = new Map();
  for (let k = 0; k < res.items.length; k++) {
    if (S.pinned.has(res.items[k])) continue;
    rows.push(res.items[k]);
    at.set(res.items[k], k);
  }
  for (const [row, idx] of [...S.pinned].sort((a, b) => a[1] - b[1])) rows.splice(Math.min(idx, rows.length), 0, row);
  const best = res.scores.length ? res.scores[0] : 0;
  const keep = new Set();
  const prevOrder = [...S.recLis.keys()];
  // after a rating, say how the list moved and mark the new picks
  const fresh = S.recLis.size ? rows.filter((r) => !S.recLis.has(r)).length : 0;
  if (n > 0 && fresh) $('recs-note').textContent += ` · ${fresh} new pick${fresh === 1 ? '' : 's'}`;
  let rank = 0;
  rows.forEach((row, pos) => {
    let li = S.recLis.get(row);
    if (!li) {
      li = recItem(row);
      if (prevOrder.length) li.classList.add('fresh');   // new since the last update
      S.recLis.set(row, li);
    } else li.classList.remove('fresh');
    keep.add(row);
    const k = at.get(row);
    const pinned = k === undefined;
    li.classList.toggle('pinned', pinned);
    const rankEl = li.querySelector('.rank');
    rankEl.textContent = pinned ? '✓' : String(++rank);
    const scoreEl = li.querySelector('.score');
    const matchEl = li.querySelector('.match');
    if (pinned) {
      const mark = S.store.mark(S.cat.ids[row]);
      scoreEl.textContent = mark === 'notinterested' ? 'hidden from your picks' : mark === 'notseen' ? 'noted' : 'rated';
      scoreEl.title = '';
      matchEl.textContent = '';
      delete li.dataset.score; delete li.dataset.raw; delete li.dataset.sd;
    } else {
      const r = res.ratings[k];
      const sd = res.sd ? res.sd[k] : NaN;
      scoreEl.textContent = Number.isFinite(r) ? `★ ${fmt1(r)}${Number.isFinite(sd) ? ` ± ${fmt1(sd)}` : ''}` : '';
      scoreEl.title = Number.isFinite(r) ? `Predicted rating ${r.toFixed(2)}` : '';
      const m = matchPercent(res.scores[k], best);
      matchEl.textContent = `${Math.round(m)}% match`;
      matchEl.title = 'How strongly the model picks it: 100% = your best pick, 0% = a typical movie';
      li.dataset.score = String(r);
      li.dataset.sd = String(sd);
      li.dataset.raw = String(res.scores[k]);
      li.dataset.match = String(m);
    }
    const open = S.open.has(row);
    const panel = li.querySelector('.why');
    if (open) {
      const fresh = whyPanel(row, `why-${row}`);
      if (panel) panel.replaceWith(fresh); else li.appendChild(fresh);
    } else if (panel) panel.remove();
    if (list.children[pos] !== li) list.insertBefore(li, list.children[pos] || null);
  });
  for (const row of prevOrder) {
    if (keep.has(row)) continue;
    const li = S.recLis.get(row);
    if (li.contains(document.activeElement)) list.querySelector('.m-title')?.focus();
    li.remove();
    S.recLis.delete(row);
  }
  for (const r of [...S.open]) if (!keep.has(r)) S.open.delete(r);
  $('more-btn').hidden = res.items.length < S.recN || S.recN >= 100;
}

function recItem(row) {
  const genres = S.cat.genresOf(row);
  const whyId = `why-${row}`;
  const id = S.cat.ids[row];
  return h('li', { dataset: { row: String(row), id: String(id), state: 'none' } },
    h('span', { class: 'rank' }),
    h('div', null, titleButton(row)),
    h('div', { class: 'm-meta' },
      genres.length ? h('span', { text: genres.slice(0, 3).join(' · ') }) : null,
      h('span', { text: countText(row) }),
      coldBadge(row)),
    h('div', { class: 'm-side' },
      h('span', { class: 'score' }),
      h('span', { class: 'match' }),
      S.caps.explains ? h('button', {
        type: 'button', class: 'why-btn', text: 'Why?',
        attrs: { 'aria-expanded': 'false', 'aria-controls': whyId },
        on: { click: (e) => toggleWhy(row, e.currentTarget) },
      }) : null),
    h('div', { class: 'm-rate' }, rowControls(row, { where: 'recs' })));
}

function unpinRecs() {
  if (!S.pinned.size) return;
  S.pinned.clear();
  renderRecs();
}

function toggleWhy(row, btn) {
  const li = btn.closest('li');
  const existing = li.querySelector('.why');
  if (existing) {
    existing.remove();
    S.open.delete(row);
    btn.setAttribute('aria-expanded', 'false');
  } else {
    S.open.add(row);
    li.appendChild(whyPanel(row, `why-${row}`));
    btn.setAttribute('aria-expanded', 'true');
  }
}

// ------------------------------------------------------------------ explanations
const TOP_TERMS = 6;

function whyRow(label, value, scale, { base = false, cls = '', title = '' } = {}) {
  const bar = h('span', { class: 'bar' });
  if (!base && scale > 0 && value !== 0) {
    bar.appendChild(h('span', { class: value > 0 ? 'pos' : 'neg', style: { width: `${Math.min(50, (Math.abs(value) / scale) * 50)}%` } }));
  }
  return [
    h('span', { class: `lbl ${base ? 'base' : ''} ${cls}`.trim(), title: title || (typeof label === 'string' ? label : label.textContent) }, label),
    h('span', {
      class: `val term ${base ? 'base' : value > 0.005 ? 'pos' : value < -0.005 ? 'neg' : ''}`.trim(),
      dataset: { value: String(value) }, text: base ? fmt2(value) : fmtSigned(value),
    }),
    bar,
  ];
}

function whyPanel(row, id) {
  let e;
  try {
    e = S.r.explain(S.items, S.ratings, row, S.excluded);
  } catch (err) {
    return h('div', { class: 'why', id, text: `No explanation: ${err.message || err}` });
  }
  const byRated = Array.from(e.byRated).sort((a, b) => Math.abs(b.value) - Math.abs(a.value));
  const byGenre = Array.from(e.byGenre).sort((a, b) => Math.abs(b.value) - Math.abs(a.value));
  const shownRated = byRated.slice(0, TOP_TERMS);
  const restRated = byRated.slice(TOP_TERMS);
  const restSum = restRated.reduce((s, t) => s + t.value, 0);
  const scale = Math.max(1e-9, Math.abs(e.itemBias), Math.abs(e.userBias), Math.abs(e.itemOwn),
    ...byRated.map((t) => Math.abs(t.value)), ...byGenre.map((t) => Math.abs(t.value)), Math.abs(restSum));

  const ratingOf = (item) => {
    const t = Array.from(S.items).indexOf(item);
    return t >= 0 ? S.ratings[t] : 0;
  };
  // plain words for each term (the numbers are the engine's, unchanged: they still add up)
  const liked = (r) => r >= e.mu;
  const ratedWords = (t, r) => {
    const name = fullName(t.item);
    if (t.value >= 0) {
      return liked(r) ? ['People who liked ', h('em', { text: name }), ' liked this too']
        : ['You rated ', h('em', { text: name }), ' low, and this movie is unlike it'];
    }
    return liked(r) ? ['You liked ', h('em', { text: name }), ', and this movie is unlike it']
      : ['People who disliked ', h('em', { text: name }), ' tend to dislike this too'];
  };
  const a = h('div', { class: 'why-grid', dataset: { kind: 'rated', total: String(e.scoreRaw) } },
    whyRow('A typical rating', e.mu, scale, { base: true, title: 'The average of all ratings in the data' }),
    whyRow(e.itemBias >= 0 ? 'People rate this movie above average' : 'People rate this movie below average', e.itemBias, scale,
      { title: 'How much better or worse than a typical movie everyone rates it' }),
    shownRated.map((t) => {
      const r = ratingOf(t.item);
      const lbl = h('span', null, ratedWords(t, r), h('span', { class: 'you-rated', text: ` · you: ${r}★` }));
      return whyRow(lbl, t.value, scale, { title: `${fullName(t.item)}: you rated it ${r}★` });
    }),
    restRated.length ? whyRow(`${restRated.length} more of your ratings, together`, restSum, scale) : null,
    h('span', { class: 'lbl total', text: 'Predicted score' }),
    h('span', { class: 'val total', dataset: { total: String(e.scoreRaw) }, text: fmt2(e.scoreRaw) }),
    h('span', { class: 'bar total' }));

  const b = h('div', { class: 'why-grid', dataset: { kind: 'genre', total: String(e.scoreRaw) } },
    whyRow('A typical rating', e.mu, scale, { base: true, title: 'The average of all ratings in the data' }),
    whyRow(e.userBias >= 0 ? 'You rate more generously than most' : 'You rate more strictly than most', e.userBias, scale,
      { title: 'How much higher or lower than others you rate in general' }),
    byGenre.map((t) => {
      const g = S.cat.genreNames[t.genre] ?? String(t.genre);
      return whyRow(t.value >= 0 ? `You like ${g} more than most` : `You like ${g} less than most`, t.value, scale,
        { title: `${g}: how your taste and this genre line up` });
    }),
    whyRow(e.itemOwn >= 0 ? 'What sets this movie apart suits you' : 'What sets this movie apart does not suit you', e.itemOwn, scale,
      { title: 'The movie beyond its genres, and how it meets your taste' }),
    h('span', { class: 'lbl total', text: 'Predicted score' }),
    h('span', { class: 'val total', dataset: { total: String(e.scoreRaw) }, text: fmt2(e.scoreRaw) }),
    h('span', { class: 'bar total' }));

  // a list recommender (hybrid) orders its list by another score: why the movie is on the list,
  // one part per rated movie plus the movie's own appeal, adding up to that score
  let l = null;
  if (e.hasRank) {
    const byRank = Array.from(e.rankByRated).sort((x, y) => Math.abs(y.value) - Math.abs(x.value));
    const shown = byRank.slice(0, TOP_TERMS);
    const rest = byRank.slice(TOP_TERMS);
    const restRank = rest.reduce((acc, t) => acc + t.value, 0);
    const lscale = Math.max(1e-9, Math.abs(e.rankItem), ...byRank.map((t) => Math.abs(t.value)), Math.abs(restRank));
    l = h('div', { class: 'why-grid', dataset: { kind: 'list', total: String(e.rankScore) } },
      whyRow(e.rankItem >= 0 ? 'People rate it well' : 'People rate it poorly', e.rankItem, lscale,
        { title: 'How well everyone rates this movie' }),
      shown.map((t) => {
        const r = ratingOf(t.item);
        const name = fullName(t.item);
        const words = t.value >= 0 ? ['People who watched ', h('em', { text: name }), ' watch this too']
          : ['People who watched ', h('em', { text: name }), ' rarely watch this'];
        return whyRow(h('span', null, words, h('span', { class: 'you-rated', text: ` · you: ${r}★` })), t.value, lscale,
          { title: `${name}: you rated it ${r}★` });
      }),
      rest.length ? whyRow(`${rest.length} more of your ratings, together`, restRank, lscale) : null,
      h('span', { class: 'lbl total', text: 'List score' }),
      h('span', { class: 'val total', dataset: { total: String(e.rankScore) }, text: e.rankScore.toFixed(3) }),
      h('span', { class: 'bar total' }));
  }

  const clamped = clampToScale(e.scoreRaw) !== e.scoreRaw;
  return h('div', { class: 'why', id, dataset: { row: String(row), score: String(e.score), raw: String(e.scoreRaw) } },
    l ? h('div', { class: 'why-list' }, h('h4', { text: 'Why it is on your list' }), l) : null,
    h('div', { class: 'why-cols' },
      h('div', null, h('h4', { text: S.items.length ? 'Which of your ratings add up to it' : 'Before you rate anything' }), a),
      h('div', null, h('h4', { text: 'The same score, by genre' }), b)),
    h('p', {
      class: 'why-note',
      text: `${l ? `The list parts add up exactly to its score ${e.rankScore.toFixed(3)}. ` : ''}Both rating columns add up exactly to ${fmt2(e.scoreRaw)}; shown as ${fmt1(e.score)}${clamped ? ` (clamped to the model's ${S.scale.min}–${S.scale.max} scale)` : ''}.`,
    }));
}

// ------------------------------------------------------------------ movie dialog
function openMovie(row) {
  const dlg = $('movie-dialog');
  if (S.map && S.map.markRow !== row) S.map.mark(-1);   // a new action: the old mark goes
  S.dialogRow = row;
  renderMovie(row, true);
  if (!dlg.open) dlg.showModal();
  S.map?.focus(row);
}

function renderMovie(row, resetScroll) {
  const body = clear($('movie-body'));
  const d = S.cat.display(row);
  const id = S.cat.ids[row];
  const mine = S.store.get(id);
  const pred = predicted(row);
  body.dataset.row = String(row);
  body.appendChild(h('h2', { id: 'md-title', class: 'md-title' }, d.name, d.year ? h('span', { class: 'm-year', text: `(${d.year})` }) : null));
  body.appendChild(h('div', { class: 'md-genres' },
    S.cat.genresOf(row).map((g) => h('span', { text: g })), coldBadge(row)));
  body.appendChild(h('div', { class: 'md-facts' },
    h('div', { class: 'md-rate' }, h('div', { class: 'k', text: 'Your rating' }), h('div', { class: 'v' }, rowControls(row, { small: false, where: 'dialog' }))),
    pred === null ? null : h('div', null, h('div', { class: 'k', text: mine ? 'Model predicts' : 'Predicted for you' }),
      h('div', { class: 'v md-pred', dataset: { value: String(pred) } }, fmt1(pred), h('span', { class: 'star-on', text: ' ★' }))),
    h('div', null, h('div', { class: 'k', text: 'Ratings in the data' }),
      h('div', { class: 'v md-count', text: fmtInt(S.cat.counts[row]) }))));
  const whyBtn = h('button', { type: 'button', class: 'why-btn big', text: 'Why this score?', attrs: { 'aria-expanded': 'false' } });
  const whyBox = h('div');
  whyBtn.addEventListener('click', () => {
    if (whyBox.firstChild) { clear(whyBox); whyBtn.setAttribute('aria-expanded', 'false'); }
    else { whyBox.appendChild(whyPanel(row, `md-why-${row}`)); whyBtn.setAttribute('aria-expanded', 'true'); }
  });
  body.appendChild(h('div', { class: 'actions' },
    whyBtn,
    S.caps.vectors ? h('button', { type: 'button', class: 'show-on-map', text: 'Show on map', on: { click: () => { $('movie-dialog').close(); showOnMap(row); } } }) : null));
  body.appendChild(whyBox);

  body.appendChild(h('h3', { text: 'Similar movies', style: { display: 'block', margin: '1rem 0 .3rem' } }));
  let sim;
  try {
    sim = S.r.similar(row, 12, Math.min(Number($('f-min').value) || 0, 5));
  } catch (e) {
    body.appendChild(h('p', { class: 'muted', text: `Not available: ${e.message || e}` }));
    return;
  }
  const list = h('ol', { class: 'movie-list sim', id: 'similar-list', attrs: { 'aria-label': 'Similar movies' } });
  for (let k = 0; k < sim.items.length; k++) {
    const s = sim.items[k];
    list.appendChild(movieItem(s, 'similar', [h('span', { class: 'sim-val', text: `${Math.round(sim.similarity[k] * 100)}% similar` })]));
  }
  if (!sim.items.length) list.appendChild(h('li', { class: 'muted' }, h('div', { text: 'No similar movies.' })));
  body.appendChild(list);
  if (resetScroll) $('movie-dialog').scrollTop = 0;
}

// after a rating: the dialog's numbers change, its rows stay
function updateMovieDialog() {
  const body = $('movie-body');
  const p = body.querySelector('.md-pred');
  if (p) {
    const v = predicted(S.dialogRow);
    p.dataset.value = String(v);
    p.firstChild.textContent = fmt1(v);
  }
  for (const li of body.querySelectorAll('#similar-list > li[data-row]')) {
    const el = li.querySelector('.pred');
    if (el) el.textContent = predText(Number(li.dataset.row));
  }
}

// "Show on map": the map zooms to the movie and marks it with a ring and its title, which stay
// until the next action on the map or another movie is opened.
function showOnMap(row) {
  if (!S.map) return;
  S.map.mark(row, fullName(row));
  S.map.zoomTo(row);
  selectTab('map');
}

// ------------------------------------------------------------------ hypothetical movie
function buildHypo() {
  const box = clear($('hypo-genres'));
  for (const { bit, name } of S.cat.pickableGenres()) {
    const cb = h('input', { type: 'checkbox', value: String(bit), checked: ((S.hypoMask >>> bit) & 1) === 1 });
    cb.addEventListener('change', () => {
      S.hypoMask = cb.checked ? (S.hypoMask | (1 << bit)) >>> 0 : (S.hypoMask & ~(1 << bit)) >>> 0;
      renderHypo();
    });
    box.appendChild(h('label', null, cb, name));
  }
}

function renderHypo() {
  const out = clear($('hypo-result'));
  if (!S.hypoMask) {
    out.textContent = 'Pick at least one genre.';
    out.dataset.value = '';
    S.map?.setHypothetical(null);
    return;
  }
  const v = S.r.coldStart(S.x, S.hypoMask);
  out.dataset.value = String(v);
  out.append('You would rate it about ', h('strong', { text: fmt1(v) }), ' ★',
    h('span', { class: 'muted small', text: ` · the diamond on the map` }));
  S.map?.setHypothetical(S.r.projectGenres(S.hypoMask));
}

// ------------------------------------------------------------------ map
async function initMap() {
  const el = $('map');
  if (!S.map) {
    S.map = new LatentMap(el, {
      renderer: params.get('map') || 'auto',
      onClick: (row) => openMovie(row),
    });
    $('map-reset').addEventListener('click', () => S.map.resetView());
  }
  const palette = genrePalette(S.cat.genreNames);
  try {
    await S.map.setData(S.cat.xy, S.cat.mainGenre, palette, (i) => {
      const d = S.cat.display(i);
      return `${d.name}${d.year ? ` (${d.year})` : ''} · ${S.cat.genresOf(i).slice(0, 3).join(', ') || 'no genre'}`;
    });
  } catch (e) {
    console.error(e);
    el.appendChild(h('div', { class: 'map-msg', text: `The map could not be drawn: ${e.message || e}` }));
    return;
  }
  S.map.setVisitor(S.items.length ? S.r.project(S.x) : null);
  S.map.setRated(Array.from(S.items));
  if (S.hypoMask) S.map.setHypothetical(S.r.projectGenres(S.hypoMask));
  if ($('search').value.trim()) runSearch();
  // legend: genres by how many movies they colour
  const counts = new Map();
  for (const c of S.cat.mainGenre) counts.set(c, (counts.get(c) || 0) + 1);
  const legend = clear($('legend'));
  [...counts.entries()].sort((a, b) => b[1] - a[1]).forEach(([c]) => {
    const name = c < S.cat.genreNames.length ? S.cat.genreNames[c] : 'no genre';
    legend.appendChild(h('li', null, h('i', { style: { background: palette[c] } }), name));
  });
}


// ------------------------------------------------------------------ static wiring
function wireStatic() {
  // search
  const search = $('search');
  search.addEventListener('input', runSearch);
  search.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown' || e.key === 'Enter') {
      // to the first result (its title: Enter opens it, Up/Down move, 1-5 rate)
      const first = $('search-results').querySelector('li[data-row] .m-title');
      if (first) { e.preventDefault(); first.focus(); }
    } else if (e.key === 'Escape') {
      search.value = '';
      runSearch();
    }
  });
  // filters
  const gsel = $('f-genre');
  while (gsel.options.length > 1) gsel.remove(1);
  for (const { bit, name } of S.cat.pickableGenres()) gsel.appendChild(h('option', { value: String(bit + 1), text: name }));
  let yMin = 9999, yMax = 0;
  for (const y of S.cat.years) if (y > 0) { if (y < yMin) yMin = y; if (y > yMax) yMax = y; }
  $('f-ymin').placeholder = 'any';
  $('f-ymax').placeholder = 'any';
  if (yMax) {
    $('f-ymin').title = `Earliest year (the catalog starts in ${yMin})`;
    $('f-ymax').title = `Latest year (the catalog ends in ${yMax})`;
  }
  loadFilters();
  $('filters').addEventListener('submit', (e) => e.preventDefault());
  $('reset-filters').addEventListener('click', resetFilters);
  $('filters').addEventListener('input', () => { saveFilters(); renderRecs(); });
  $('filters').addEventListener('change', () => { saveFilters(); renderRecs(); });
  $('more-btn').addEventListener('click', () => { S.recN = Math.min(100, S.recN + 20); renderRecs(); });

  S.store.onChange((store, change) => {
    if (change) update(change); else refresh();
    if (narrow() && S.tab !== 'recs') $('recs-cue').hidden = false;   // "recommendations updated"
  });
  // rows rated in the list stay in place until the pointer or the focus leaves it
  $('recs').addEventListener('pointerleave', unpinRecs);
  $('recs').addEventListener('focusout', (e) => { if (!$('recs').contains(e.relatedTarget)) unpinRecs(); });
  $('starter-more').addEventListener('click', () => { S.starterSeed++; newStarterSet(); });
  wireListKeys();
  wireTabs();

  // import / export / reset
  $('export-btn').addEventListener('click', exportCsv);
  $('import-file').addEventListener('change', importCsv);
  $('reset-btn').addEventListener('click', askReset);

  $('movie-dialog').addEventListener('close', () => { S.dialogRow = -1; S.map?.focus(-1); });
  $('movie-dialog').addEventListener('click', (e) => {
    if (e.target === $('movie-dialog')) $('movie-dialog').close();   // click on the backdrop
  });

  buildHypo();
  setupTraining({
    container: $('train-body'),
    getCatalogBundle: () => S.bundleBytes,
    onModel: (r, info) => {
      useModel(r, 'trained', info);
      afterModelChange();
    },
    onShipped: async () => {
      if (!S.bundleBytes) return;
      useModel(openBundle(S.M, S.bundleBytes), 'shipped');
      afterModelChange();
    },
    isTrained: () => S.modelSource === 'trained',
    getModule: () => S.M,
  });
}

// Keyboard in every movie list: Up/Down move between rows (to their titles), Enter opens a movie
// (the title is a button), 1-5 rate the row, Delete removes its rating (with undo). The stars
// keep Left/Right for half steps.
function wireListKeys() {
  document.addEventListener('keydown', (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const t = e.target;
    if (!(t instanceof Element)) return;
    const li = t.closest('li[data-row]');
    const list = li && li.parentElement;
    if (!li || !list || !(list.matches('.movie-list, .starter-grid'))) return;
    const onStars = t.classList.contains('stars');
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const rows = [...list.children].filter((x) => x.matches('li[data-row]'));
      const i = rows.indexOf(li) + (e.key === 'ArrowDown' ? 1 : -1);
      if (i >= 0 && i < rows.length) rows[i].querySelector('.m-title')?.focus();
      else if (i < 0 && list.id === 'search-results') $('search').focus();
      return;
    }
    if (onStars || t.tagName === 'INPUT') return;   // the stars handle digits and Delete themselves
    const row = Number(li.dataset.row);
    const where = list.id === 'recs' ? 'recs' : list.id === 'starter-grid' ? 'starter' : '';
    if (/^[1-5]$/.test(e.key)) {
      e.preventDefault();
      rate(row, Number(e.key), where);
    } else if (e.key === 'Delete' || e.key === 'Backspace') {
      e.preventDefault();
      removeWithUndo(S.cat.ids[row]);
    }
  });
}

// ------------------------------------------------------------------ narrow screens: tabs
const NARROW = window.matchMedia('(max-width: 760px)');
const narrow = () => NARROW.matches;

function selectTab(name) {
  S.tab = name;
  for (const b of document.querySelectorAll('#tabs [role=tab]')) {
    const on = b.dataset.tab === name;
    b.setAttribute('aria-selected', on ? 'true' : 'false');
    b.tabIndex = on ? 0 : -1;
  }
  for (const p of document.querySelectorAll('[data-panel]')) p.classList.toggle('tab-off', p.dataset.panel !== name);
  if (name === 'recs') $('recs-cue').hidden = true;
  if (name === 'map' && S.map) S.map._resize?.();
}

function wireTabs() {
  const tabs = [...document.querySelectorAll('#tabs [role=tab]')];
  for (const b of tabs) {
    b.addEventListener('click', () => { selectTab(b.dataset.tab); if (narrow()) window.scrollTo({ top: 0 }); });
    b.addEventListener('keydown', (e) => {
      if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
      const i = (tabs.indexOf(b) + (e.key === 'ArrowRight' ? 1 : tabs.length - 1)) % tabs.length;
      tabs[i].focus();
      selectTab(tabs[i].dataset.tab);
    });
  }
  selectTab('rate');
}

async function afterModelChange() {
  const gval = $('f-genre').value;
  const gsel = $('f-genre');
  while (gsel.options.length > 1) gsel.remove(1);
  for (const { bit, name } of S.cat.pickableGenres()) gsel.appendChild(h('option', { value: String(bit + 1), text: name }));
  if ([...gsel.options].some((o) => o.value === gval)) gsel.value = gval;
  buildHypo();
  refresh();
  runSearch();
  if (S.map) await initMap();
}

function flash(msg, err = false) {
  const el = $('io-message');
  el.textContent = msg;
  el.className = err ? 'small err' : 'small';
}

function exportCsv() {
  const csv = S.store.toCsv();
  const blob = new Blob([csv], { type: 'text/csv' });
  const a = h('a', { href: URL.createObjectURL(blob), download: `mfrec-ratings-${new Date().toISOString().slice(0, 10)}.csv` });
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
  const m = S.store.marksSize;
  flash(`Exported ${S.store.size} rating${S.store.size === 1 ? '' : 's'}${m ? ` and ${m} “not seen” / “not interested” mark${m === 1 ? '' : 's'} (a 5th column, status)` : ''} (MovieLens CSV: userId,movieId,rating,timestamp).`);
}

async function importCsv(e) {
  const file = e.target.files && e.target.files[0];
  e.target.value = '';
  if (!file) return;
  if (file.size > 50 * 1024 * 1024) {
    flash(`${file.name} is ${fmtBytes(file.size)}: too large for a personal ratings file.`, true);
    return;
  }
  try {
    const text = await file.text();
    const res = S.store.importCsv(text);
    const known = res.rows.filter((r) => S.cat.row.has(r.id)).length;
    const parts = [`Imported ${res.rows.length} rating${res.rows.length === 1 ? '' : 's'} from ${file.name}`];
    if (res.rows.length - known) parts.push(`${res.rows.length - known} for movies this model does not know`);
    if (res.marks.length) parts.push(`${res.marks.length} movie${res.marks.length === 1 ? '' : 's'} marked “not seen” or “not interested”`);
    if (res.skipped) parts.push(`${res.skipped} unreadable line${res.skipped === 1 ? '' : 's'} skipped`);
    if (res.otherUsers) parts.push(`the file holds ${res.users} users: only user ${res.user}'s ratings were taken`);
    flash(parts.join('; ') + '.', res.rows.length + res.marks.length === 0);
  } catch (err) {
    flash(`Could not import ${file.name}: ${err.message || err}`, true);
  }
}

function askReset() {
  const wrap = $('reset-wrap');
  if (!S.store.size) { flash('There are no ratings to reset.'); return; }
  const yes = h('button', { type: 'button', class: 'danger', id: 'reset-yes', text: `Yes, delete ${S.store.size}` });
  const no = h('button', { type: 'button', text: 'Cancel' });
  const restore = () => { clear(wrap); const b = h('button', { type: 'button', id: 'reset-btn', class: 'danger', text: 'Reset' }); b.addEventListener('click', askReset); wrap.appendChild(b); };
  yes.addEventListener('click', () => {
    const n = S.store.size;
    S.store.clear();
    restore();
    flash(`Deleted ${n} rating${n === 1 ? '' : 's'}. (Export first next time if you want to keep them.)`);
  });
  no.addEventListener('click', () => { restore(); $('reset-btn').focus(); });
  clear(wrap).append(yes, no);
  no.focus();
}

// ------------------------------------------------------------------ offline
async function registerServiceWorker() {
  if (!('serviceWorker' in navigator) || params.has('nosw')) return;
  try {
    await navigator.serviceWorker.register(new URL('../sw.js', import.meta.url), { scope: new URL('../', import.meta.url).pathname });
    await navigator.serviceWorker.ready;
    const cache = await caches.open(SW_CACHE);
    // the threaded engine is worth keeping only where it can run (a cross-origin isolated page)
    if (self.crossOriginIsolated) {
      // literal names: mfrec export-site rewrites them to the content-hashed ones
      const engine = [new URL('../wasm/mfrec_mt.js', import.meta.url), new URL('../wasm/mfrec_mt.wasm', import.meta.url),
        new URL('../wasm/mfrec_mt.worker.js', import.meta.url)];
      await Promise.all(engine.map(async ({ href: url }) => {
        if (await cache.match(url)) return;
        try { const resp = await fetch(url); if (resp.ok && resp.status === 200) await cache.put(url, resp); } catch { /* optional */ }
      }));
    }
    const ok = (await cache.match(BUNDLE_URL)) && (await cache.match(new URL('../wasm/mfrec.wasm', import.meta.url).href));
    if (ok) {
      const chip = $('offline-chip');
      chip.hidden = false;
      chip.className = 'chip ok';
      chip.textContent = '✓ works offline';
      chip.title = 'The page, the engine and the model are cached in this browser';
      document.documentElement.dataset.offline = '1';
    }
  } catch (e) {
    console.warn('service worker not available:', e);
  }
}

boot().catch(bootFail);
