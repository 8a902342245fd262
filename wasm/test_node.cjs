// test_node.cjs - end-to-end test of the wasm bindings under node (run by ctest).
//
//   node --no-experimental-fetch wasm/test_node.cjs build-wasm/wasm/mfrec_node.js data/ml-latest-small [--threaded]
//
// 1. Writes a small model file in JS (an independent writer of the .mfm container, docs/FORMAT.md):
//    the ml-latest-small catalog with random factors, counts from ratings.csv.
// 2. Loads it with Recommender.fromBundle and checks the catalog accessors, fold-in, ranking,
//    the exact explanation sums, similar movies, cold start, the map, and the errors.
// 3. Trains in wasm from ratings.csv (M.trainFromCsv), checks the accuracy and progress reports,
//    writes the trained model as an int8 web bundle (toBundle), reads it back and compares rankings.
// With --threaded (the pthreads build) training uses several threads.
'use strict';
const fs = require('fs');
const path = require('path');

const [modulePath, dataDir] = process.argv.slice(2);
const threaded = process.argv.includes('--threaded');
if (!modulePath || !dataDir) {
  console.error('usage: test_node.cjs MODULE.js DATA_DIR [--threaded]');
  process.exit(2);
}

let checks = 0;
function check(cond, what) {
  checks++;
  if (!cond) throw new Error('check failed: ' + what);
}
function near(a, b, tol, what) {
  check(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b} (tolerance ${tol})`);
}
function throwsMatching(fn, re, what) {
  let err = null;
  try { fn(); } catch (e) { err = e; }
  check(err instanceof Error, `${what}: an Error expected, got ${err === null ? 'no exception' : typeof err + ' ' + err}`);
  check(re.test(err.message), `${what}: message "${err.message}" should match ${re}`);
}

// ---- CSV (RFC 4180 on one line, as MovieLens writes it)
function splitCsv(line) {
  const out = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let s = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) throw new Error('unterminated quote: ' + line);
        s += line.slice(i, q);
        if (line[q + 1] === '"') { s += '"'; i = q + 2; } else { i = q + 1; break; }
      }
      out.push(s);
      i++;  // the comma
    } else {
      let c = line.indexOf(',', i);
      if (c < 0) c = line.length;
      out.push(line.slice(i, c));
      i = c + 1;
    }
  }
  return out;
}

// ---- the .mfm container (little-endian; see core/mfm.h)
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();
function crc32(bytes) {
  let c = 0xFFFFFFFF;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xFF] ^ (c >>> 8);
  return (c ^ 0xFFFFFFFF) >>> 0;
}
const TYPES = { u8: 1, i8: 2, u16: 3, i16: 4, f16: 5, u32: 6, i32: 7, f32: 8, u64: 9, i64: 10, f64: 11, bytes: 12 };
function mfmWrite(sections) {  // [{name, type, shape: [r, c, d], data: TypedArray|Uint8Array}]
  const align = (x) => Math.ceil(x / 64) * 64;
  const tableEnd = 64 + 96 * sections.length;
  let cursor = align(tableEnd);
  const laid = sections.map((s) => {
    const bytes = new Uint8Array(s.data.buffer, s.data.byteOffset, s.data.byteLength);
    const e = { ...s, bytes, offset: cursor };
    cursor = align(cursor + bytes.length);
    return e;
  });
  const out = new Uint8Array(cursor);
  const dv = new DataView(out.buffer);
  out.set(new TextEncoder().encode('MFRECMFM'), 0);
  dv.setUint32(8, 1, true);
  dv.setUint32(12, 0x01020304, true);
  dv.setBigUint64(16, BigInt(cursor), true);
  dv.setUint32(24, sections.length, true);
  dv.setBigUint64(32, 64n, true);
  laid.forEach((s, i) => {
    const e = 64 + 96 * i;
    out.set(new TextEncoder().encode(s.name), e);
    dv.setUint32(e + 32, TYPES[s.type], true);
    for (let d = 0; d < 3; d++) dv.setBigUint64(e + 40 + 8 * d, BigInt(s.shape[d] ?? 1), true);
    dv.setBigUint64(e + 64, BigInt(s.offset), true);
    dv.setBigUint64(e + 72, BigInt(s.bytes.length), true);
    dv.setUint32(e + 80, crc32(s.bytes), true);
    out.set(s.bytes, s.offset);
  });
  dv.setUint32(56, crc32(out.subarray(64, tableEnd)), true);
  dv.setUint32(60, crc32(out.subarray(0, 60)), true);
  return out;
}

function strings(list) {
  const enc = new TextEncoder();
  const parts = list.map((s) => enc.encode(s));
  const off = new BigUint64Array(parts.length + 1);
  let total = 0;
  parts.forEach((p, i) => { total += p.length; off[i + 1] = BigInt(total); });
  const blob = new Uint8Array(total);
  let at = 0;
  for (const p of parts) { blob.set(p, at); at += p.length; }
  return { blob, off };
}

// a deterministic generator (mulberry32) and normal draws
function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6D2B79F5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  next.normal = () => Math.sqrt(-2 * Math.log(next() + 1e-300)) * Math.cos(2 * Math.PI * next());
  return next;
}

const GENRES = ['Action', 'Adventure', 'Animation', 'Children', 'Comedy', 'Crime', 'Documentary', 'Drama', 'Fantasy',
  'Film-Noir', 'Horror', 'IMAX', 'Musical', 'Mystery', 'Romance', 'Sci-Fi', 'Thriller', 'War', 'Western',
  '(no genres listed)'];

function titleYear(t) {
  const m = /\((\d{4})(?:-\d{4})?\)\s*$/.exec(t);
  if (!m) return 0;
  const y = +m[1];
  return y >= 1800 && y <= 2200 ? y : 0;
}

function makeModelFile(movies, counts, k) {
  const n = movies.length, K = k + 1;
  const r = rng(7);
  const items = new Float32Array(n * K);
  for (let i = 0; i < n; i++) {
    items[i * K] = 0.3 * r.normal();
    for (let c = 1; c < K; c++) items[i * K + c] = 0.4 * r.normal();
  }
  const genres = new Float32Array(GENRES.length * K).map(() => 0.2 * r.normal());
  const t = strings(movies.map((m) => m.title));
  const g = strings(GENRES);
  return mfmWrite([
    { name: 'kind', type: 'bytes', shape: [5], data: new TextEncoder().encode('model') },
    { name: 'k', type: 'i32', shape: [1], data: new Int32Array([k]) },
    { name: 'mu', type: 'f32', shape: [1], data: new Float32Array([3.5]) },
    { name: 'params_int', type: 'i64', shape: [8], data: new BigInt64Array([2n, BigInt(k), 10n, 0n, 0n, 3n, 42n, 0n]) },
    { name: 'params_float', type: 'f32', shape: [5], data: new Float32Array([12, 5, 1, 1, 0.1]) },
    { name: 'user_ids', type: 'i32', shape: [0], data: new Int32Array(0) },
    { name: 'user_counts', type: 'i32', shape: [0], data: new Int32Array(0) },
    { name: 'user_factors', type: 'f32', shape: [0, K], data: new Float32Array(0) },
    { name: 'item_ids', type: 'i32', shape: [n], data: Int32Array.from(movies, (m) => m.id) },
    { name: 'item_counts', type: 'i32', shape: [n], data: counts },
    { name: 'item_factors', type: 'f32', shape: [n, K], data: items },
    { name: 'item_years', type: 'i16', shape: [n], data: Int16Array.from(movies, (m) => titleYear(m.title)) },
    { name: 'item_genres', type: 'u32', shape: [n], data: Uint32Array.from(movies, (m) => m.mask) },
    { name: 'item_titles', type: 'bytes', shape: [t.blob.length], data: t.blob },
    { name: 'item_title_offsets', type: 'u64', shape: [n + 1], data: t.off },
    { name: 'genre_names', type: 'bytes', shape: [g.blob.length], data: g.blob },
    { name: 'genre_name_offsets', type: 'u64', shape: [GENRES.length + 1], data: g.off },
    { name: 'genre_factors', type: 'f32', shape: [GENRES.length, K], data: genres },
  ]);
}

function topOverlap(a, b) {
  const s = new Set(a);
  let n = 0;
  for (const x of b) n += s.has(x);
  return n / Math.max(1, a.length);
}

async function main() {
  const t0 = Date.now();
  const createMfrec = require(path.resolve(modulePath));
  const M = await createMfrec();
  check(M.threaded() === threaded, `threaded() is ${M.threaded()}`);

  // ---- the catalog and counts from the data folder
  const moviesText = fs.readFileSync(path.join(dataDir, 'movies.csv'), 'utf8').split('\n');
  const movies = [];
  for (const line of moviesText.slice(1)) {
    const l = line.replace(/\r$/, '');
    if (!l) continue;
    const [id, title, genres] = splitCsv(l);
    let mask = 0;
    for (const g of genres.split('|')) {
      const b = GENRES.indexOf(g);
      if (b >= 0) mask |= 1 << b;
    }
    movies.push({ id: +id, title, mask: mask >>> 0 });
  }
  const row = new Map(movies.map((m, i) => [m.id, i]));
  const ratingsBytes = fs.readFileSync(path.join(dataDir, 'ratings.csv'));
  const counts = new Int32Array(movies.length);
  for (const line of ratingsBytes.toString('utf8').split('\n').slice(1)) {
    if (!line) continue;
    counts[row.get(+line.split(',')[1])]++;
  }
  const n = movies.length, k = 8;

  // ---- 1. a model file written in JS, read by the wasm core
  const modelBytes = makeModelFile(movies, counts, k);
  const r = M.Recommender.fromBundle(modelBytes);
  check(r.numItems() === n, 'numItems');
  check(r.factors() === k, 'factors');
  near(r.globalMean(), 3.5, 1e-6, 'globalMean');
  check(r.quantization() === 'f32', 'a model file is float32');
  check(JSON.stringify(r.genreNames()) === JSON.stringify(GENRES), 'genreNames');
  const ids = r.itemIds();
  check(ids instanceof Int32Array && ids.length === n && ids.every((v, i) => v === movies[i].id), 'itemIds');
  const years = r.years();
  check(years instanceof Int16Array && years[0] === 1995, 'years');
  const masks = r.genreMasks();
  check(masks instanceof Uint32Array && masks.every((v, i) => v === movies[i].mask), 'genreMasks');
  const cnt = r.counts();
  check(cnt instanceof Int32Array && cnt.every((v, i) => v === counts[i]), 'counts');
  const blob = r.titlesBlob(), off = r.titleOffsets();
  check(blob instanceof Uint8Array && off instanceof Uint32Array && off.length === n + 1, 'titles');
  const dec = new TextDecoder();
  for (const i of [0, 1, 100, n - 1]) check(dec.decode(blob.subarray(off[i], off[i + 1])) === movies[i].title, `title ${i}`);
  const xy = r.mapXY();
  check(xy instanceof Float32Array && xy.length === 2 * n && xy.every(Number.isFinite), 'mapXY');
  check(r.findItem(movies[5].id) === 5 && r.findItem(-3) === -1, 'findItem');
  check(r.coldThreshold() === 5, 'coldThreshold');
  const coldRow = counts.findIndex((c) => c > 0 && c < 5), warmRow = counts.findIndex((c) => c >= 5);
  check(r.isCold(coldRow) && !r.isCold(warmRow), 'isCold');

  // a visitor: 20 ratings of popular movies
  const popular = [...counts.keys()].sort((a, b) => counts[b] - counts[a] || a - b).slice(0, 200);
  const pick = rng(3);
  const rated = [];
  while (rated.length < 20) {
    const it = popular[Math.floor(pick() * popular.length)];
    if (!rated.includes(it)) rated.push(it);
  }
  const items = Int32Array.from(rated);
  const ratings = Float32Array.from(rated, () => 0.5 * (1 + Math.floor(pick() * 10)));
  const x = r.foldIn(items, ratings);
  check(x instanceof Float32Array && x.length === k + 1, 'foldIn length');
  const scores = r.scoreAll(x);
  check(scores instanceof Float32Array && scores.length === n, 'scoreAll');
  const top = r.rank(x, items, 0, 0, 0, 0, 20);
  check(top.items.length === 20 && top.scores.length === 20 && top.raw.length === 20, 'rank lengths');
  for (let t = 0; t < 20; t++) {
    check(!rated.includes(top.items[t]), 'rank excludes rated');
    near(top.raw[t], scores[top.items[t]], 1e-5, 'rank raw = scoreAll');
    near(top.scores[t], Math.min(5, Math.max(0.5, top.raw[t])), 1e-6, 'rank clamps');
    if (t) check(top.raw[t] <= top.raw[t - 1], 'rank order');
  }
  // filters: genre, years, min count
  const comedy = 1 << GENRES.indexOf('Comedy');
  const f = r.rank(x, items, 50, comedy, 1990, 1999, 30);
  for (const i of f.items) check((masks[i] & comedy) && years[i] >= 1990 && years[i] <= 1999 && counts[i] >= 50, 'rank filters');
  // explanation: both exact decompositions
  const target = top.items[3];
  const e = r.explain(items, ratings, target);
  near(e.scoreRaw, scores[target], 1e-4, 'explain scoreRaw = scoreAll');
  const sumRated = e.byRated.reduce((s, t) => s + t.value, 0);
  const sumGenre = e.byGenre.reduce((s, t) => s + t.value, 0);
  near(e.mu + e.itemBias + sumRated, e.scoreRaw, 1e-4, 'mu + itemBias + sum byRated');
  near(e.mu + e.userBias + e.itemOwn + sumGenre, e.scoreRaw, 1e-4, 'mu + userBias + itemOwn + sum byGenre');
  check(e.byRated.length === 20 && e.byRated.every((t) => rated.includes(t.item)), 'byRated items');
  check(e.byGenre.every((t) => masks[target] & (1 << t.genre)), 'byGenre genres');
  near(e.userBias, x[0], 1e-5, 'userBias = x[0]');
  // similar
  const sim = r.similar(target, 10, 0);
  check(sim.items.length === 10 && !sim.items.includes(target), 'similar');
  for (let t = 1; t < 10; t++) check(sim.similarity[t] <= sim.similarity[t - 1] && sim.similarity[t] <= 1.0001, 'similar order');
  // cold start and the map
  const cs = r.coldStart(x, comedy);
  check(cs >= 0.5 && cs <= 5, 'coldStart in range');
  const p = r.project(x), pg = r.projectGenres(comedy);
  check(p.length === 2 && pg.length === 2 && [...p, ...pg].every(Number.isFinite), 'project');
  // no ratings: the zero row
  const x0 = r.foldIn(new Int32Array(0), new Float32Array(0));
  check(x0.every((v) => v === 0), 'empty fold-in');

  // ---- errors are JS Errors with the core's message; the module keeps working after them
  const bad = modelBytes.slice();
  const at = bad.length - 5000;  // inside the last payloads (genre factors / offsets)
  bad[at] ^= 0x10;
  throwsMatching(() => M.Recommender.fromBundle(bad), /^section \S+: CRC mismatch/, 'corrupt bytes');
  throwsMatching(() => M.Recommender.fromBundle(modelBytes.subarray(0, 4000)), /truncated/, 'truncated bytes');
  throwsMatching(() => M.Recommender.fromBundle(new Uint8Array(10)), /magic/, 'not an mfrec file');
  throwsMatching(() => M.Recommender.fromBundle(42), /typed array/, 'not bytes');
  // a one-movie model with k = 20000 (it once ran 38 s and threw a bare number): refused at once
  {
    const t = Date.now();
    throwsMatching(() => M.Recommender.fromBundle(makeModelFile(movies.slice(0, 1), Int32Array.of(3), 20000)),
      /section k: 20000 is not a valid number of factors \(0-1024\)/, 'forged k');
    console.log(`forged k refused in ${Date.now() - t} ms`);
  }
  const fromBuffer = M.Recommender.fromBundle(modelBytes.slice().buffer);  // an ArrayBuffer works too
  check(fromBuffer.numItems() === n, 'fromBundle(ArrayBuffer)');
  fromBuffer.delete();
  throwsMatching(() => r.foldIn(Int32Array.of(n + 5), Float32Array.of(4)), /outside the model/, 'bad item row');
  throwsMatching(() => r.foldIn(Int32Array.of(1), Float32Array.of(7)), /outside the model's scale 0\.5-5/, 'bad rating');
  throwsMatching(() => r.foldIn(Int32Array.of(1, 2), Float32Array.of(4)), /2 items but 1 ratings/, 'length mismatch');
  throwsMatching(() => r.scoreAll(new Float32Array(3)), /3 values, 9 expected/, 'bad visitor row');
  throwsMatching(() => r.explain(items, ratings, -1), /outside the model/, 'bad explain item');
  throwsMatching(() => r.similar(n, 5, 0), /outside the model/, 'bad similar item');
  throwsMatching(() => r.isCold(n), /outside/, 'bad isCold item');
  throwsMatching(() => r.projectGenres(-1), /genre mask/, 'bad mask');
  throwsMatching(() => r.toBundle('int4'), /int4/, 'bad quantization');
  const again = r.foldIn(items, ratings);
  check(again.every((v, i) => v === x[i]), 'works after errors');

  // ---- 2. training in wasm
  const epochs = [];
  const opts = { factors: 16, iterations: 6, regularization: 12, reg_bias: 5, genre_prior: 1, split: 'random:0.2', seed: 42,
    threads: threaded ? 3 : 1 };
  throwsMatching(() => M.trainFromCsv(new TextEncoder().encode('userId,movieId,rating,timestamp\n1,1,4.0,1\n1,2,x,2\n'), r, opts, null),
    /^ratings\.csv:3: field 'rating': "x" is not a number$/, 'bad ratings.csv');
  throwsMatching(() => M.trainFromCsv(new TextEncoder().encode('userId,movieId,rating,timestamp\n1,999999999,4.0,1\n'), r, opts, null),
    /ratings\.csv:2: field 'movieId': movie 999999999 is not in the catalog/, 'unknown movie');
  throwsMatching(() => M.trainFromCsv(ratingsBytes, r, { factors: 0 }, null), /factors: 0 is outside 1\.\.1024/, 'bad option');
  throwsMatching(() => M.trainFromCsv(ratingsBytes, r, { regularization: Infinity }, null), /regularization: inf is not a finite number/,
    'infinite regularization');
  throwsMatching(() => M.trainFromCsv(ratingsBytes, r, { genre_prior: NaN }, null), /genre_prior: nan is not a finite number/, 'NaN option');
  throwsMatching(() => M.trainFromCsv(ratingsBytes, r, { testFraction: 0.2 }, null), /unknown option 'testFraction'/, 'unknown option');
  throwsMatching(() => M.trainFromCsv(ratingsBytes, r, { split: 'random:2' }, null), /strictly between 0 and 1/, 'bad split');
  throwsMatching(() => M.trainFromCsv(new TextEncoder().encode('userId,movieId,rating,timestamp\n'), r, {}, null), /no ratings/,
    'header-only ratings.csv');
  // the page reads limits and defaults from the engine
  const spec = M.paramSpec();
  const fac = spec.find((s) => s.name === 'factors');
  check(fac && fac.default === 64 && fac.min === 1 && fac.max === 1024 && fac.type === 'integer', 'paramSpec factors');
  check(spec.find((s) => s.name === 'solver').choices === 'cholesky|cg', 'paramSpec solver choices');
  check(M.kinds().some((k) => k.name === 'als' && k.rates && k.vectors), 'kinds');
  const t1 = Date.now();
  const res = M.trainFromCsv(new Uint8Array(ratingsBytes), r, opts, (epoch, seconds, trainRmse, testRmse) => {
    epochs.push({ epoch, seconds, trainRmse, testRmse });
  });
  const trainSeconds = (Date.now() - t1) / 1000;
  check(epochs.length === 6 && epochs.every((ep, i) => ep.epoch === i + 1 && ep.testRmse > 0), 'progress per epoch');
  check(res.nTrain + res.nTest === 100836 && Math.abs(res.nTest - 20167) <= 1, `split sizes ${res.nTrain}+${res.nTest}`);
  check(res.testRmse > 0.8 && res.testRmse < 0.9, `test RMSE ${res.testRmse} (biased ALS + genre prior ~0.85 at k=16, 6 iterations)`);
  check(res.trainRmse < res.testRmse, 'train below test RMSE');
  near(res.testRmse, epochs[5].testRmse, 1e-9, 'final RMSE = last epoch');
  if (threaded) check(res.threads === 3, `threads ${res.threads}`);
  const tr = res.recommender;
  check(tr.numItems() === n && tr.factors() === 16 && tr.trainedUsers() === 610, 'trained recommender');
  const xt = tr.foldIn(items, ratings);
  const topT = tr.rank(xt, items, 0, 0, 0, 0, 20);
  const et = tr.explain(items, ratings, topT.items[0]);
  near(et.mu + et.itemBias + et.byRated.reduce((s, t) => s + t.value, 0), et.scoreRaw, 1e-4, 'trained: explain by rated');
  near(et.mu + et.userBias + et.itemOwn + et.byGenre.reduce((s, t) => s + t.value, 0), et.scoreRaw, 1e-4, 'trained: explain by genre');
  // the default kind (hybrid) orders its list by the list score and rates by its rating part
  check(tr.kind() === 'hybrid' && et.hasRank === true, `trained the default kind: ${tr.kind()}`);
  near(et.rankScore, topT.raw[0], 1e-4, 'trained: explain = rank (list score)');
  near(et.rankItem + et.rankByRated.reduce((s, t) => s + t.value, 0), et.rankScore, 1e-4, 'trained: the list parts add up');
  near(et.scoreRaw, tr.rateAll(xt)[topT.items[0]], 1e-4, 'trained: explain = rateAll (predicted rating)');
  // "not interested" in the top two: hidden, the visitor's row moves away (a confident "no" to the
  // implicit part), and the explanation of a pick still adds up to its list score
  const dis = Int32Array.of(topT.items[0], topT.items[1]);
  const recN = tr.recommend(items, ratings, { n: 20, notInterested: dis });
  check(recN.items.length === 20 && !recN.items.includes(dis[0]) && !recN.items.includes(dis[1]), 'notInterested: hidden');
  const xn = tr.foldIn(items, ratings, dis);
  check(xn.length === xt.length && xn.some((v, i) => Math.abs(v - xt[i]) > 1e-6), 'notInterested: the row moves');
  check(tr.foldIn(items, ratings, new Int32Array(0)).every((v, i) => v === xt[i]), 'notInterested: none = plain fold-in');
  const en = tr.explain(items, ratings, recN.items[0], dis);
  near(en.rankScore, recN.scores[0], 1e-4, 'notInterested: explain = the list score');
  near(en.rankItem + en.rankByRated.reduce((s, t) => s + t.value, 0), en.rankScore, 1e-4, 'notInterested: the parts add up');
  throwsMatching(() => tr.recommend(items, ratings, { notInterested: Int32Array.of(n + 3) }), /outside the model/, 'notInterested: bad row');

  // ---- 3. the trained model as web bundles; rankings agree with float32
  const sizes = {};
  for (const [quant, bar] of [['f32', 1.0], ['f16', 0.95], ['int8', 0.9]]) {
    const bundle = tr.toBundle(quant);
    sizes[quant] = bundle.length;
    const b = M.Recommender.fromBundle(bundle);
    check(b.quantization() === quant && b.numItems() === n && b.trainedUsers() === 610, `${quant} bundle`);
    check(b.itemIds().every((v, i) => v === ids[i]), `${quant} bundle ids`);
    const xb = b.foldIn(items, ratings);
    const topB = b.rank(xb, items, 0, 0, 0, 0, 20);
    const ov = topOverlap(topT.items, topB.items);
    check(ov >= bar, `${quant} bundle top-20 overlap ${ov} < ${bar}`);
    const pb = b.project(xb), pt = tr.project(xt);
    near(Math.hypot(pb[0] - pt[0], pb[1] - pt[1]), 0, 0.05 * (1 + Math.hypot(pt[0], pt[1])), `${quant} bundle: visitor on the map`);
    b.delete();
  }
  check(sizes.int8 < sizes.f16 && sizes.f16 < sizes.f32, 'bundle sizes');
  tr.delete();
  r.delete();
  console.log(`ok: ${checks} checks, ${threaded ? 'threaded' : 'single-threaded'}; trained k=16 x6 in ${trainSeconds.toFixed(2)} s ` +
    `(test RMSE ${res.testRmse.toFixed(4)}); bundles f32 ${sizes.f32} / f16 ${sizes.f16} / int8 ${sizes.int8} bytes; ` +
    `${((Date.now() - t0) / 1000).toFixed(2)} s total`);
}

main().then(() => process.exit(0), (e) => {
  console.error('FAILED:', e && e.stack || e);
  process.exit(1);
});
