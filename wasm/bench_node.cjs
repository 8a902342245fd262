// bench_node.cjs - the page's hot path in the wasm module, under node (V8, as in Chromium).
//
//   node --no-experimental-fetch wasm/bench_node.cjs build-wasm/wasm/node/mfrec_node.js BUNDLE [REPS] [--json]
//
// Per repetition a new visitor (20 ratings of the 1,000 most-rated movies, fixed seed) is folded
// in and all movies are ranked (top 20, rated excluded, no filter): foldIn + rank, the work of
// one click on the page. Reports the median and the 10th/90th percentiles over REPS (default 200)
// after 10 warm-up runs, plus fromBundle (load) time and the parts: foldIn, scoreAll (which copies
// n floats out to JS), rank, explain, similar.
'use strict';
const fs = require('fs');
const path = require('path');
const os = require('os');

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const json = process.argv.includes('--json');
const [modulePath, bundlePath] = args;
const reps = +(args[2] || 200);
if (!modulePath || !bundlePath) {
  console.error('usage: bench_node.cjs MODULE.js BUNDLE [REPS] [--json]');
  process.exit(2);
}

function stats(ms) {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { median: q(0.5), p10: q(0.1), p90: q(0.9), n: s.length };
}

function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6D2B79F5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function main() {
  const M = await require(path.resolve(modulePath))();
  const bytes = new Uint8Array(fs.readFileSync(bundlePath));
  const loads = [];
  let r = null;
  for (let i = 0; i < 5; i++) {
    if (r) r.delete();
    const t = performance.now();
    r = M.Recommender.fromBundle(bytes);
    loads.push(performance.now() - t);
  }
  const n = r.numItems();
  const counts = r.counts();
  const popular = [...counts.keys()].sort((a, b) => counts[b] - counts[a] || a - b).slice(0, 1000);
  const rand = rng(1);
  const visitor = () => {
    const seen = new Set();
    while (seen.size < 20) seen.add(popular[Math.floor(rand() * popular.length)]);
    const items = Int32Array.from(seen);
    const ratings = Float32Array.from(items, () => 0.5 * (1 + Math.floor(rand() * 10)));
    return { items, ratings };
  };

  const time = (fn, count) => {
    const ms = [];
    for (let i = 0; i < 10 + count; i++) {
      const t = performance.now();
      fn();
      if (i >= 10) ms.push(performance.now() - t);
    }
    return stats(ms);
  };
  let sink = 0;
  const visitors = Array.from({ length: reps + 10 }, visitor);  // drawn outside the timed part
  let next = 0;
  const clickStats = time(() => {
    const v = visitors[next++];
    const x = r.foldIn(v.items, v.ratings);
    const top = r.rank(x, v.items, 0, 0, 0, 0, 20);
    sink += top.items[0];
  }, reps);
  const v = visitor();
  const x = r.foldIn(v.items, v.ratings);
  const parts = {
    foldIn: time(() => { sink += r.foldIn(v.items, v.ratings)[0]; }, reps),
    rank: time(() => { sink += r.rank(x, v.items, 0, 0, 0, 0, 20).items[0]; }, reps),
    scoreAll: time(() => { sink += r.scoreAll(x)[0]; }, reps),
    explain: time(() => { sink += r.explain(v.items, v.ratings, 7).score; }, Math.min(reps, 100)),
    similar: time(() => { sink += r.similar(7, 20, 0).items[0]; }, Math.min(reps, 100)),
  };
  const cpu = os.cpus()[0].model;
  const out = {
    module: path.basename(modulePath), bundle: path.basename(bundlePath), bundle_bytes: bytes.length,
    items: n, factors: r.factors(), quantization: r.quantization(), cpu, node: process.version, reps,
    load_ms: stats(loads), foldin_rank_ms: clickStats,
    parts_ms: Object.fromEntries(Object.entries(parts).map(([k, s]) => [k, s])),
  };
  if (json) {
    console.log(JSON.stringify(out));
  } else {
    const f = (s) => `median ${s.median.toFixed(3)} ms (p10 ${s.p10.toFixed(3)}, p90 ${s.p90.toFixed(3)}, n ${s.n})`;
    console.log(`${out.module} on ${cpu}, node ${process.version}`);
    console.log(`bundle ${out.bundle}: ${n} movies, k=${out.factors}, ${out.quantization}, ${bytes.length} bytes`);
    console.log(`fromBundle          ${f(out.load_ms)}`);
    console.log(`foldIn(20) + rank   ${f(clickStats)}`);
    for (const [k, s] of Object.entries(parts)) console.log(`  ${k.padEnd(18)}${f(s)}`);
  }
  r.delete();
  if (sink === 0.123) console.log('');
}

main().catch((e) => { console.error(e); process.exit(1); });
