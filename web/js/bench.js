// Benchmark: median time of foldIn(20 ratings) + rank(top 20, rated excluded) over >= 100
// repetitions, plus the parts. ?reps=N (default 200). Results in window.__bench.
import { h, $ } from './dom.js';
import { fetchBytes, loadModule, openBundle } from './loader.js';

const params = new URLSearchParams(location.search);
const REPS = Math.max(100, Number(params.get('reps')) || 200);

function stats(times) {
  const s = [...times].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  const n = s.length;
  const median = n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  return { reps: n, median, p10: q(0.1), p90: q(0.9), min: s[0], mean: s.reduce((a, b) => a + b, 0) / n };
}

function time(fn, reps) {
  for (let i = 0; i < Math.min(20, reps); i++) fn(i);   // warm-up
  const t = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn(i);
    t.push(performance.now() - t0);
  }
  return stats(t);
}

async function run() {
  const [M, bytes] = await Promise.all([
    loadModule(new URL('../wasm/mfrec.js', import.meta.url).href),
    fetchBytes(new URL('../bundle/bundle.mfm', import.meta.url).href),
  ]);
  const r = openBundle(M, bytes);
  const n = r.numItems();
  const counts = r.counts();
  // the 20 most rated movies, with ratings from a fixed pseudo-random sequence
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => counts[b] - counts[a] || a - b);
  const items = Int32Array.from(order.slice(0, 20));
  let seed = 12345;
  const rnd = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x7fffffff; };
  const ratings = Float32Array.from(items, () => 0.5 + Math.floor(rnd() * 10) / 2);
  const x = r.foldIn(items, ratings);

  const results = {
    n, factors: r.factors(), reps: REPS, crossOriginIsolated: globalThis.crossOriginIsolated === true,
    userAgent: navigator.userAgent,
    foldInRank: time(() => { const xx = r.foldIn(items, ratings); r.rank(xx, items, 0, 0, 0, 0, 20); }, REPS),
    foldIn: time(() => r.foldIn(items, ratings), REPS),
    rank: time(() => r.rank(x, items, 0, 0, 0, 0, 20), REPS),
    scoreAll: time(() => r.scoreAll(x), REPS),
    explain: time((i) => r.explain(items, ratings, order[100 + (i % 50)]), Math.min(REPS, 100)),
    similar: time((i) => r.similar(order[i % 50], 12, 0), Math.min(REPS, 100)),
  };
  r.delete();
  window.__bench = results;
  const table = $('bench-table');
  table.appendChild(h('tr', null, ['operation', 'median ms', 'p10', 'p90', 'reps'].map((t) => h('th', { text: t, style: { textAlign: 'left', paddingRight: '1.5rem' } }))));
  for (const k of ['foldInRank', 'foldIn', 'rank', 'scoreAll', 'explain', 'similar']) {
    const s = results[k];
    table.appendChild(h('tr', { dataset: { op: k } }, [k === 'foldInRank' ? 'foldIn(20) + rank(top 20)' : k,
      s.median.toFixed(3), s.p10.toFixed(3), s.p90.toFixed(3), String(s.reps)].map((t) => h('td', { text: t }))));
  }
  $('bench-status').textContent = `${n.toLocaleString('en')} movies, ${results.factors} factors: foldIn(20 ratings) + rank median ${results.foldInRank.median.toFixed(3)} ms over ${REPS} repetitions.`;
  $('bench-json').textContent = JSON.stringify(results, null, 2);
}

run().catch((e) => {
  $('bench-status').textContent = `Benchmark failed: ${e.message || e}`;
  window.__bench = { error: String(e.message || e) };
});
