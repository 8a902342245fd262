// Development-only JS stand-in for web/wasm/mfrec.js (never shipped in web/): same API as the
// embind module, reading the JSON bundle of make-mock-bundle.mjs. Exact model algebra of
// core/infer.h (fold-in ridge, additive explanations), tiny k.
function solve(A, b) { // Gaussian elimination with partial pivoting, A copied
  const n = b.length; const M = A.map((r, i) => [...r, b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c; for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[p][c])) p = r;
    [M[c], M[p]] = [M[p], M[c]];
    for (let r = c + 1; r < n; r++) { const f = M[r][c] / M[c][c]; for (let j = c; j <= n; j++) M[r][j] -= f * M[c][j]; }
  }
  const x = new Array(n).fill(0);
  for (let r = n - 1; r >= 0; r--) { let s = M[r][n]; for (let j = r + 1; j < n; j++) s -= M[r][j] * x[j]; x[r] = s / M[r][r]; }
  return x;
}
const dot = (a, b) => a.reduce((s, v, i) => s + v * b[i], 0);
const clamp = (v) => Math.min(5, Math.max(0.5, v));

class Recommender {
  static fromBundle(u8) {
    let j;
    try {
      if (u8[0] !== 0x7b) throw new Error('x');
      j = JSON.parse(new TextDecoder().decode(u8));
    } catch { throw new Error(`bundle: bad magic or truncated file (${u8.length} bytes)`); }
    return new Recommender(j);
  }
  constructor(j) {
    this.k = j.k; this.mu = j.mu; this.lambda = j.lambda; this.lambdaB = j.lambdaB; this.genres = j.genres; this.ids = j.ids; this._years = j.years; this.masks = j.masks; this._counts = j.counts; this.genreVec = j.genreVec; this.delta = j.delta; this._cold = j.coldThreshold; this.n = j.ids.length;
    this.rows = []; // y_i = ybar_i + delta_i ([b_i, q_i])
    this.ybar = [];
    for (let i = 0; i < this.n; i++) {
      const yb = this._ybar(j.masks[i]); this.ybar.push(yb);
      this.rows.push(yb.map((v, d) => v + j.delta[i][d]));
    }
    // "PCA": first two latent dims, normalised
    this.xy = new Float32Array(2 * this.n);
    for (let i = 0; i < this.n; i++) { this.xy[2 * i] = this.rows[i][1]; this.xy[2 * i + 1] = this.rows[i][2]; }
    const enc = new TextEncoder(); const parts = j.titles.map((t) => enc.encode(t));
    this.offs = new Uint32Array(this.n + 1); let o = 0; parts.forEach((p, i) => { this.offs[i] = o; o += p.length; }); this.offs[this.n] = o;
    this.blob = new Uint8Array(o); parts.forEach((p, i) => this.blob.set(p, this.offs[i]));
  }
  _ybar(mask) {
    const gs = []; for (let g = 0; g < 32; g++) if (mask & (1 << g)) gs.push(g);
    const v = new Array(this.k + 1).fill(0); for (const g of gs) this.genreVec[g].forEach((w, d) => { v[d] += w / gs.length; });
    return v;
  }
  numItems() { return this.n; } factors() { return this.k; } globalMean() { return this.mu; }
  genreNames() { return [...this.genres]; } itemIds() { return Int32Array.from(this.ids); }
  years() { return Int16Array.from(this._years); }
  genreMasks() { return Uint32Array.from(this.masks); } counts() { return Int32Array.from(this._counts); }
  titlesBlob() { return this.blob.slice(); } titleOffsets() { return this.offs.slice(); } mapXY() { return this.xy.slice(); }
  _A(items) {
    const K = this.k + 1; const A = Array.from({ length: K }, (_, i) => Array.from({ length: K }, (_, j) => (i === j ? (i === 0 ? this.lambdaB : this.lambda) : 0)));
    for (const it of items) { const z = [1, ...this.rows[it].slice(1)]; for (let a = 0; a < K; a++) for (let b = 0; b < K; b++) A[a][b] += z[a] * z[b]; }
    return A;
  }
  _check(items, ratings) {
    if (items.length !== ratings.length) throw new Error('foldIn: items and ratings differ in length');
    for (let t = 0; t < items.length; t++) {
      if (!(items[t] >= 0 && items[t] < this.n)) throw new Error(`foldIn: item row ${items[t]} out of range`);
      if (!(ratings[t] >= 0.5 && ratings[t] <= 5)) throw new Error(`foldIn: rating ${ratings[t]} outside [0.5, 5]`);
    }
  }
  foldIn(items, ratings) {
    this._check(items, ratings); const K = this.k + 1;
    if (!items.length) return new Float32Array(K);
    const A = this._A(items); const rhs = new Array(K).fill(0);
    items.forEach((it, t) => { const z = [1, ...this.rows[it].slice(1)]; const rt = ratings[t] - this.mu - this.rows[it][0]; z.forEach((v, d) => { rhs[d] += v * rt; }); });
    return Float32Array.from(solve(A, rhs));
  }
  scoreAll(x) { const s = new Float32Array(this.n); for (let i = 0; i < this.n; i++) { const r = this.rows[i]; s[i] = this.mu + x[0] + r[0] + dot(r.slice(1), Array.from(x).slice(1)); } return s; }
  rank(x, exclude, minCount, genreMask, yearMin, yearMax, n) {
    const s = this.scoreAll(x); const ex = new Set(exclude); const c = [];
    for (let i = 0; i < this.n; i++) {
      if (ex.has(i) || this._counts[i] < minCount) continue;
      if (genreMask && !(this.masks[i] & genreMask)) continue;
      const y = this._years[i]; if (yearMin && (!y || y < yearMin)) continue; if (yearMax && (!y || y > yearMax)) continue;
      c.push(i);
    }
    c.sort((a, b) => s[b] - s[a] || a - b); const top = c.slice(0, n);
    return { items: Int32Array.from(top), scores: Float32Array.from(top.map((i) => clamp(s[i]))), raw: Float32Array.from(top.map((i) => s[i])) };
  }
  explain(items, ratings, item) {
    this._check(items, ratings); const x = this.foldIn(items, ratings); const r = this.rows[item];
    const zi = [1, ...r.slice(1)]; const A = this._A(items);
    const byRated = Array.from(items).map((j, t) => { const zj = [1, ...this.rows[j].slice(1)]; const rt = ratings[t] - this.mu - this.rows[j][0]; return { item: j, value: dot(zi, solve(A, zj)) * rt }; });
    byRated.sort((a, b) => Math.abs(b.value) - Math.abs(a.value));
    const pu = [1, ...Array.from(x).slice(1)];
    const gs = []; for (let g = 0; g < 32; g++) if (this.masks[item] & (1 << g)) gs.push(g);
    const byGenre = gs.map((g) => ({ genre: g, value: dot(pu, this.genreVec[g]) / gs.length })).sort((a, b) => Math.abs(b.value) - Math.abs(a.value));
    const itemOwn = dot(pu, this.delta[item]);
    const raw = this.mu + x[0] + r[0] + dot(r.slice(1), Array.from(x).slice(1));
    return { score: clamp(raw), scoreRaw: raw, mu: this.mu, itemBias: r[0], userBias: x[0], itemOwn, byRated, byGenre };
  }
  similar(item, n, minCount) {
    const q = this.rows[item].slice(1); const nq = Math.hypot(...q) || 1; const c = [];
    for (let i = 0; i < this.n; i++) { if (i === item || this._counts[i] < minCount) continue; const v = this.rows[i].slice(1); c.push([i, dot(q, v) / (nq * (Math.hypot(...v) || 1))]); }
    c.sort((a, b) => b[1] - a[1]); const top = c.slice(0, n);
    return { items: Int32Array.from(top.map((t) => t[0])), similarity: Float32Array.from(top.map((t) => t[1])) };
  }
  coldStart(x, mask) { const yb = this._ybar(mask); return clamp(this.mu + x[0] + yb[0] + dot(yb.slice(1), Array.from(x).slice(1))); }
  isCold(item) { return this._counts[item] <= this._cold; } coldThreshold() { return this._cold; }
  project(x) { return Float32Array.from([x[1], x[2]]); }
  projectGenres(mask) { const yb = this._ybar(mask); return Float32Array.from([yb[1], yb[2]]); }
  delete() {}
}
export default async function createMfrec() { return { Recommender }; }
