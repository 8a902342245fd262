// Development-only mock (never shipped): builds a JSON "bundle" from a MovieLens directory for
// tests/browser/mock/mfrec.js, a JS stand-in for the wasm module with the same API.
//   node tests/browser/mock/make-mock-bundle.mjs data/ml-latest-small /tmp/mock-bundle.json
import { readFileSync, writeFileSync } from 'node:fs';
const [dir, outPath] = process.argv.slice(2);
const GENRES = ['Action', 'Adventure', 'Animation', 'Children', 'Comedy', 'Crime', 'Documentary', 'Drama',
  'Fantasy', 'Film-Noir', 'Horror', 'IMAX', 'Musical', 'Mystery', 'Romance', 'Sci-Fi', 'Thriller', 'War',
  'Western', '(no genres listed)'];
function parseCsvLine(line) {
  const out = []; let cur = ''; let q = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (q) { if (c === '"') { if (line[i + 1] === '"') { cur += '"'; i++; } else q = false; } else cur += c; }
    else if (c === '"') q = true; else if (c === ',') { out.push(cur); cur = ''; } else cur += c;
  }
  out.push(cur); return out;
}
const movies = readFileSync(`${dir}/movies.csv`, 'utf8').split(/\r?\n/).slice(1).filter(Boolean).map(parseCsvLine);
const ids = [], titles = [], years = [], masks = [];
const index = new Map();
for (const [id, title, genres] of movies) {
  index.set(+id, ids.length); ids.push(+id); titles.push(title);
  const m = /\((\d{4})(?:[-–]\d{4})?\)\s*$/.exec(title); years.push(m ? +m[1] : 0);
  let mask = 0; for (const g of genres.split('|')) { const b = GENRES.indexOf(g); if (b >= 0) mask |= 1 << b; }
  masks.push(mask >>> 0);
}
const n = ids.length, k = 8;
const counts = new Array(n).fill(0), sums = new Array(n).fill(0);
let total = 0, cnt = 0;
for (const line of readFileSync(`${dir}/ratings.csv`, 'utf8').split(/\r?\n/).slice(1)) {
  if (!line) continue; const [, mid, r] = line.split(','); const i = index.get(+mid); if (i === undefined) continue;
  counts[i]++; sums[i] += +r; total += +r; cnt++;
}
const mu = total / cnt;
let seed = 42; const rnd = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648 - 0.5; };
const genreVec = GENRES.map(() => Array.from({ length: k + 1 }, (_, d) => (d === 0 ? rnd() * 0.4 : rnd() * 0.8)));
const delta = [];
for (let i = 0; i < n; i++) {
  const b = counts[i] ? (sums[i] - counts[i] * mu) / (counts[i] + 5) : 0;
  delta.push(counts[i] ? Array.from({ length: k + 1 }, (_, d) => (d === 0 ? b : rnd() * 0.6)) : new Array(k + 1).fill(0));
}
writeFileSync(outPath, JSON.stringify({ mock: 1, k, mu, lambda: 12, lambdaB: 5, genres: GENRES, ids, titles, years, masks, counts, genreVec, delta, coldThreshold: 0 }));
console.log(`mock bundle: ${n} movies -> ${outPath}`);
