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
  recN: 20,
  open: new Set(),     // rows whose "why" is expanded
  dialogRow: -1,
  searchRows: [],
  map: null,
  hypoMask: 0,
  timings: { foldIn: [], rank: [] },
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

function bootFail(err) {
  const e = err instanceof LoadError ? err : new LoadError('wasm', `Something went wrong while starting: ${err && err.message ? err.message : err}`);
  window.__mfrec.errors.push(e.message);
  $('boot').classList.add('failed');
  $('boot').dataset.error = e.kind;
  $('boot-title').textContent = {
    missing: 'The model is missing',
    network: 'The model could not be downloaded',
    truncated: 'The model download is incomplete',
    corrupt: 'The model file is damaged',
    wasm: 'The recommender engine could not start',
  }[e.kind] || 'Something went wrong';
  $('boot-error-text').textContent = e.message;
  $('boot-error-hint').textContent = e.hint || '';
  $('boot-error').hidden = false;
  $('boot').hidden = false;
  $('app').hidden = true;
  console.error(err);
}

async function boot() {
  $('boot-retry').addEventListener('click', async () => {
    // a damaged file must not come back from the offline cache
    const kind = $('boot').dataset.error;
    if (kind === 'corrupt' || kind === 'truncated' || kind === 'wasm') {
      try {
        const cache = await caches.open('mfrec-v1');
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
  for (const e of S.store.entries()) {
    const row = S.cat.row.get(e.id);
    // the page rates in half stars 0.5-5 (MovieLens'); a model trained on another scale (e.g.
    // whole stars 1-5) takes the nearest rating on its own scale
    if (row !== undefined) { items.push(row); ratings.push(clampToScale(e.rating)); }
  }
  S.items = Int32Array.from(items);
  S.ratings = Float32Array.from(ratings);
}

function foldIn() {
  ratedArrays();
  const t0 = performance.now();
  S.x = S.r.foldIn(S.items, S.ratings);
  S.timings.foldIn.push(performance.now() - t0);
  S.scores = null;
}

function scores() {
  if (!S.scores) S.scores = S.r.scoreAll(S.x);
  return S.scores;
}

// the model's rating scale (the ratings it was trained on): predictions are clamped to it
function clampToScale(v) {
  const s = S.scale || (S.scale = S.r.ratingScale());
  return Math.min(s.max, Math.max(s.min, v));
}

function predicted(row) {
  return clampToScale(scores()[row]);
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

// Everything that depends on the ratings.
function refresh() {
  try {
    foldIn();
  } catch (e) {
    $('recs-note').textContent = `Could not use your ratings: ${e.message || e}`;
    return;
  }
  renderRecs();
  keepFocus($('rated-list'), renderRated);
  refreshSearchStars();
  renderHypo();
  if (S.map) {
    S.map.setVisitor(S.items.length ? S.r.project(S.x) : null);
    S.map.setRated(Array.from(S.items));
  }
  if (S.dialogRow >= 0 && $('movie-dialog').open) keepFocus($('movie-body'), () => renderMovie(S.dialogRow, false));
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

function starsFor(row, small = true) {
  const id = S.cat.ids[row];
  const d = S.cat.display(row);
  return createStars({
    value: S.store.get(id), small,
    label: `Your rating for ${d.name}${d.year ? ` (${d.year})` : ''}`,
    onChange: (v) => rate(id, v),
  });
}

function rate(id, v) {
  S.store.set(id, v);   // emits -> refresh
}

// ------------------------------------------------------------------ search
function runSearch() {
  const q = $('search').value;
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
  $('search-count').textContent = res.total === 0 ? 'No title matches.'
    : `${fmtInt(res.total)} title${res.total === 1 ? '' : 's'} match${res.total > res.rows.length ? `; showing the ${res.rows.length} most rated` : ''} · ${ms < 1 ? '<1' : ms.toFixed(0)} ms`;
  for (const row of res.rows) list.appendChild(searchItem(row));
  S.map?.setHighlights(res.all);
}

function searchItem(row) {
  const genres = S.cat.genresOf(row);
  return h('li', { dataset: { row: String(row), id: String(S.cat.ids[row]) } },
    h('div', null, titleButton(row)),
    h('div', { class: 'm-meta' },
      genres.length ? h('span', { text: genres.slice(0, 3).join(' · ') }) : null,
      h('span', { text: countText(row) }),
      coldBadge(row),
      h('span', { class: 'pred', text: `≈ ${fmt1(predicted(row))} for you` })),
    h('div', { class: 'm-side' }, starsFor(row)));
}

function refreshSearchStars() {
  for (const li of $('search-results').children) {
    const row = Number(li.dataset.row);
    const st = li.querySelector('.stars');
    st?.setValue?.(S.store.get(S.cat.ids[row]));
    const p = li.querySelector('.pred');
    if (p) p.textContent = `≈ ${fmt1(predicted(row))} for you`;
  }
}

// ------------------------------------------------------------------ rated list
function renderRated() {
  const list = clear($('rated-list'));
  const entries = S.store.entries();
  $('rated-count').textContent = String(entries.length);
  $('rated-hint').hidden = entries.length >= 3;
  let unknown = 0;
  for (const e of entries) {
    const row = S.cat.row.get(e.id);
    if (row === undefined) { unknown++; continue; }
    list.appendChild(h('li', { dataset: { row: String(row), id: String(e.id) } },
      h('div', null, titleButton(row)),
      h('div', { class: 'm-meta' }, h('span', { text: S.cat.genresOf(row).slice(0, 3).join(' · ') })),
      h('div', { class: 'm-side' },
        starsFor(row),
        h('button', {
          type: 'button', class: 'x-btn', text: '×', title: 'Remove this rating',
          attrs: { 'aria-label': `Remove your rating of ${S.cat.display(row).name}` },
          on: { click: () => S.store.remove(e.id) },
        }))));
  }
  if (unknown) {
    list.appendChild(h('li', { class: 'muted small' },
      h('div', { text: `${unknown} rating${unknown === 1 ? '' : 's'} for movies this model does not know (kept, and exported).` })));
  }
}

// ------------------------------------------------------------------ recommendations
function filters() {
  const g = Number($('f-genre').value) || 0;
  const y0 = Number($('f-ymin').value) || 0;
  const y1 = Number($('f-ymax').value) || 0;
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
  // a sensible default: skip movies with very few ratings unless asked
  const min = f?.min ?? (S.cat.n > 20000 ? '20' : '10');
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
  // excluded, filters, top n
  const res = S.r.recommend(S.items, S.ratings, {
    n: S.recN, minCount: f.minCount, genreMask: f.genreMask, yearMin: f.yearMin, yearMax: f.yearMax,
  });
  const dt = performance.now() - t0;
  S.timings.rank.push(dt);
  const list = clear($('recs'));
  const n = S.items.length;
  const fi = S.timings.foldIn[S.timings.foldIn.length - 1] || 0;
  $('recs-note').textContent = (n === 0
    ? 'No ratings yet: these are the movies rated highest on average (after shrinking toward the mean). Rate a few to make them yours.'
    : `Based on your ${n} rating${n === 1 ? '' : 's'} · computed in ${(fi + dt).toFixed(1)} ms`);
  if (!res.items.length) {
    list.appendChild(h('li', { class: 'muted' }, h('div', { text: 'Nothing matches these filters.' })));
  }
  const keep = new Set();
  for (let k = 0; k < res.items.length; k++) {
    const row = res.items[k];
    const genres = S.cat.genresOf(row);
    const open = S.open.has(row);
    if (open) keep.add(row);
    const whyId = `why-${row}`;
    const li = h('li', { dataset: { row: String(row), id: String(S.cat.ids[row]), score: String(res.ratings[k]), raw: String(res.scores[k]) } },
      h('span', { class: 'rank', text: String(k + 1) }),
      h('div', null, titleButton(row)),
      h('div', { class: 'm-meta' },
        genres.length ? h('span', { text: genres.slice(0, 3).join(' · ') }) : null,
        h('span', { text: countText(row) }),
        coldBadge(row)),
      h('div', { class: 'm-side' },
        h('span', { class: 'score', text: fmt1(res.ratings[k]), title: `Predicted rating ${res.ratings[k].toFixed(2)}` }),
        h('button', {
          type: 'button', class: 'why-btn', text: 'Why?',
          attrs: { 'aria-expanded': open ? 'true' : 'false', 'aria-controls': whyId },
          on: { click: (e) => toggleWhy(row, e.currentTarget) },
        })));
    if (open) li.appendChild(whyPanel(row, whyId));
    list.appendChild(li);
  }
  for (const r of [...S.open]) if (!keep.has(r)) S.open.delete(r);
  $('more-btn').hidden = res.items.length < S.recN || S.recN >= 100;
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
    e = S.r.explain(S.items, S.ratings, row);
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
  const a = h('div', { class: 'why-grid', dataset: { kind: 'rated', total: String(e.scoreRaw) } },
    whyRow('Average of all ratings', e.mu, scale, { base: true, title: 'The global mean rating μ' }),
    whyRow("This movie's own bias", e.itemBias, scale, { title: 'How much better or worse than average people rate it' }),
    shownRated.map((t) => {
      const d = S.cat.display(t.item);
      const r = ratingOf(t.item);
      const lbl = h('span', null, `${d.name}${d.year ? ` (${d.year})` : ''}`, h('span', { class: 'you-rated', text: ` · you: ${r}★` }));
      return whyRow(lbl, t.value, scale);
    }),
    restRated.length ? whyRow(`${restRated.length} more of your ratings`, restSum, scale) : null,
    h('span', { class: 'lbl total', text: 'Predicted score' }),
    h('span', { class: 'val total', dataset: { total: String(e.scoreRaw) }, text: fmt2(e.scoreRaw) }),
    h('span', { class: 'bar total' }));

  const b = h('div', { class: 'why-grid', dataset: { kind: 'genre', total: String(e.scoreRaw) } },
    whyRow('Average of all ratings', e.mu, scale, { base: true, title: 'The global mean rating μ' }),
    whyRow('Your general leniency', e.userBias, scale, { title: 'Your bias: how much higher or lower than others you rate' }),
    byGenre.map((t) => whyRow(`Genre: ${S.cat.genreNames[t.genre] ?? t.genre}`, t.value, scale)),
    whyRow('This movie beyond its genres', e.itemOwn, scale),
    h('span', { class: 'lbl total', text: 'Predicted score' }),
    h('span', { class: 'val total', dataset: { total: String(e.scoreRaw) }, text: fmt2(e.scoreRaw) }),
    h('span', { class: 'bar total' }));

  const clamped = clampToScale(e.scoreRaw) !== e.scoreRaw;
  return h('div', { class: 'why', id, dataset: { row: String(row), score: String(e.score), raw: String(e.scoreRaw) } },
    h('div', { class: 'why-cols' },
      h('div', null, h('h4', { text: S.items.length ? 'Which of your ratings add up to it' : 'Before you rate anything' }), a),
      h('div', null, h('h4', { text: 'The same score, split by genre' }), b)),
    h('p', {
      class: 'why-note',
      text: `Both columns add up exactly to ${fmt2(e.scoreRaw)}; shown as ${fmt1(e.score)}${clamped ? ` (clamped to the model's ${S.scale.min}–${S.scale.max} scale)` : ''}.`,
    }));
}

// ------------------------------------------------------------------ movie dialog
function openMovie(row) {
  const dlg = $('movie-dialog');
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
    h('div', null, h('div', { class: 'k', text: 'Your rating' }), h('div', { class: 'v' }, starsFor(row, false))),
    h('div', null, h('div', { class: 'k', text: mine ? 'Model predicts' : 'Predicted for you' }),
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
    h('button', { type: 'button', text: 'Show on map', on: { click: () => { $('movie-dialog').close(); S.map?.zoomTo(row); } } })));
  body.appendChild(whyBox);

  body.appendChild(h('h3', { text: 'Similar movies', style: { display: 'block', margin: '1rem 0 .3rem' } }));
  let sim;
  try {
    sim = S.r.similar(row, 12, Math.min(Number($('f-min').value) || 0, 5));
  } catch (e) {
    body.appendChild(h('p', { class: 'muted', text: `Not available: ${e.message || e}` }));
    return;
  }
  const list = h('ol', { class: 'movie-list sim', id: 'similar-list' });
  for (let k = 0; k < sim.items.length; k++) {
    const s = sim.items[k];
    list.appendChild(h('li', { dataset: { row: String(s) } },
      h('div', null, titleButton(s)),
      h('div', { class: 'm-meta' },
        h('span', { class: 'sim-val', text: `${Math.round(sim.similarity[k] * 100)}% similar` }),
        h('span', { text: countText(s) }),
        coldBadge(s)),
      h('div', { class: 'm-side' },
        h('span', { class: 'score', text: fmt1(predicted(s)), title: 'Predicted for you' }))));
  }
  if (!sim.items.length) list.appendChild(h('li', { class: 'muted' }, h('div', { text: 'No similar movies.' })));
  body.appendChild(list);
  if (resetScroll) $('movie-dialog').scrollTop = 0;
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

LatentMap.prototype.zoomTo = function zoomTo(row) {
  this.focus(row);
  if (this.renderer === 'webgl' && this.sp) {
    this.sp.zoomToPoints([row], { padding: 8, transition: true }).catch?.(() => {});
  } else {
    this.z = 8;
    const unit = 1;
    this.ox = -this.nx[row] * this.z * unit;
    this.oy = -this.ny[row] * this.z * unit;
    this._draw2dSoon();
  }
  this.el.scrollIntoView({ behavior: 'smooth', block: 'center' });
};

// ------------------------------------------------------------------ static wiring
function wireStatic() {
  // search
  const search = $('search');
  search.addEventListener('input', runSearch);
  search.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown' || e.key === 'Enter') {
      const first = $('search-results').querySelector('.stars');
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
  $('filters').addEventListener('input', () => { saveFilters(); renderRecs(); });
  $('filters').addEventListener('change', () => { saveFilters(); renderRecs(); });
  $('more-btn').addEventListener('click', () => { S.recN = Math.min(100, S.recN + 20); renderRecs(); });

  S.store.onChange(() => refresh());

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
  flash(`Exported ${S.store.size} rating${S.store.size === 1 ? '' : 's'} (MovieLens CSV: userId,movieId,rating,timestamp).`);
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
    if (res.skipped) parts.push(`${res.skipped} unreadable line${res.skipped === 1 ? '' : 's'} skipped`);
    if (res.otherUsers) parts.push(`the file holds ${res.users} users: only user ${res.user}'s ratings were taken`);
    flash(parts.join('; ') + '.', res.rows.length === 0);
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
    const cache = await caches.open('mfrec-v1');
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
