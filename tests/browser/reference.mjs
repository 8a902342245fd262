// An independent reference for the browser tests: reads a web bundle (docs/FORMAT.md, "Web
// bundle"; core/bundle.h) with plain JavaScript and computes what the page should show by the
// formulas of docs/WEB_API.md, in double precision, without the wasm engine:
//   fold-in   x = (Σ z_j z_jᵀ + diag(λ_b, λ, …, λ))⁻¹ Σ z_j (r_j − μ − b_j),  z_j = [1, q_j]
//   score     μ + b_u + b_i + p_uᵀ q_i
//   explain   term_j = z_iᵀ A⁻¹ z_j (r_j − μ − b_j);  genre term g = (τ/|G_i|) w_gᵀ [1, p_u]
//   similar   cosine of the q vectors;  cold start  μ + b_u + ȳᵀ[1, p_u], ȳ = τ · mean_g w_g
//   map       movie i at Aᵀ(q_i − mean), the visitor at s · Aᵀ p_u
// The page must agree with these up to float32 rounding.

const TYPE_SIZE = { 1: 1, 2: 1, 3: 2, 4: 2, 5: 2, 6: 4, 7: 4, 8: 4, 9: 8, 10: 8, 11: 8, 12: 1 };

function f16(h) {
  const e = (h >> 10) & 31, m = h & 1023;
  const v = e === 0 ? m * 2 ** -24 : e === 31 ? (m ? NaN : Infinity) : (1024 + m) * 2 ** (e - 25);
  return h & 0x8000 ? -v : v;
}

// The sections of an .mfm container: {name: {type, shape, view: DataView, bytes: Uint8Array}}
export function readSections(buf) {
  const u8 = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  const dv = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  const magic = new TextDecoder().decode(u8.subarray(0, 8));
  if (magic !== 'MFRECMFM') throw new Error(`not an mfrec file: ${magic}`);
  const count = dv.getUint32(24, true);
  const out = {};
  for (let s = 0; s < count; s++) {
    const e = 64 + 96 * s;
    let name = '';
    for (let c = 0; c < 32 && u8[e + c]; c++) name += String.fromCharCode(u8[e + c]);
    const type = dv.getUint32(e + 32, true);
    const shape = [0, 1, 2].map((d) => Number(dv.getBigUint64(e + 40 + 8 * d, true)));
    const offset = Number(dv.getBigUint64(e + 64, true));
    const size = Number(dv.getBigUint64(e + 72, true));
    if (shape[0] * shape[1] * shape[2] * TYPE_SIZE[type] !== size) throw new Error(`section ${name}: bad size`);
    out[name] = { type, shape, view: new DataView(u8.buffer, u8.byteOffset + offset, size), bytes: u8.subarray(offset, offset + size) };
  }
  return out;
}

function numbers(sec, name) {
  const s = sec[name];
  if (!s) throw new Error(`section ${name}: missing`);
  const n = s.shape[0] * s.shape[1] * s.shape[2];
  const v = s.view;
  const get = {
    2: (i) => v.getInt8(i), 4: (i) => v.getInt16(2 * i, true), 5: (i) => f16(v.getUint16(2 * i, true)),
    6: (i) => v.getUint32(4 * i, true), 7: (i) => v.getInt32(4 * i, true), 8: (i) => v.getFloat32(4 * i, true),
    10: (i) => Number(v.getBigInt64(8 * i, true)),
  }[s.type];
  if (!get) throw new Error(`section ${name}: type ${s.type} not read here`);
  return Array.from({ length: n }, (_, i) => get(i));
}

function strings(sec, blob, offs) {
  const b = sec[blob].bytes, o = numbers(sec, offs), dec = new TextDecoder();
  return o.slice(0, -1).map((start, i) => dec.decode(b.subarray(start, o[i + 1])));
}

// Cholesky solve of the symmetric positive definite A (array of rows) for b
function cholSolve(A, b) {
  const n = b.length, L = A.map((r) => r.slice());
  for (let j = 0; j < n; j++) {
    let d = L[j][j];
    for (let k = 0; k < j; k++) d -= L[j][k] * L[j][k];
    if (!(d > 0)) throw new Error('not positive definite');
    L[j][j] = Math.sqrt(d);
    for (let i = j + 1; i < n; i++) {
      let s = L[i][j];
      for (let k = 0; k < j; k++) s -= L[i][k] * L[j][k];
      L[i][j] = s / L[j][j];
    }
  }
  const y = b.slice();
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < i; k++) y[i] -= L[i][k] * y[k];
    y[i] /= L[i][i];
  }
  for (let i = n - 1; i >= 0; i--) {
    for (let k = i + 1; k < n; k++) y[i] -= L[k][i] * y[k];
    y[i] /= L[i][i];
  }
  return y;
}

const clamp = (v) => Math.min(5, Math.max(0.5, v));
const dot = (a, b) => a.reduce((s, v, i) => s + v * b[i], 0);

export class Reference {
  constructor(bytes) {
    const sec = readSections(bytes);
    const kind = new TextDecoder().decode(sec.kind.bytes);
    if (kind !== 'web_bundle') throw new Error(`not a web bundle: ${kind}`);
    this.k = numbers(sec, 'k')[0];
    this.mu = numbers(sec, 'mu')[0];
    // the "params" text section: name=value lines (core/params.h), read independently here
    if (sec.params) {
      const params = {};
      for (const line of new TextDecoder().decode(sec.params.bytes).split('\n')) {
        const eq = line.indexOf('=');
        if (eq > 0) params[line.slice(0, eq)] = line.slice(eq + 1);
      }
      this.regByCount = params.reg_by_count === 'true';
      this.reg = Number(params.regularization);
      this.regBias = Number(params.reg_bias);
      this.tau = Number(params.genre_prior);
    } else {  // version-1 bundles (the mock): positional parameters
      const pi = numbers(sec, 'params_int'), pf = numbers(sec, 'params_float');
      this.regByCount = pi[3] === 1;
      [this.reg, this.regBias, , this.tau] = pf;
    }
    const info = numbers(sec, 'bundle_info');
    this.quant = ['int8', 'f16', 'f32'][info[0]];
    this.coldThreshold = info[1];
    this.ids = numbers(sec, 'item_ids');
    this.n = this.ids.length;
    this.row = new Map(this.ids.map((id, i) => [id, i]));
    this.counts = numbers(sec, 'item_counts');
    this.years = numbers(sec, 'item_years');
    this.masks = numbers(sec, 'item_genres');
    this.titles = strings(sec, 'item_titles', 'item_title_offsets');
    this.genreNames = strings(sec, 'genre_names', 'genre_name_offsets');
    const K = this.k + 1, k = this.k;
    const g = numbers(sec, 'genre_factors');
    this.genres = Array.from({ length: g.length / K }, (_, r) => g.slice(r * K, r * K + K));
    const bias = numbers(sec, 'item_bias');
    // item rows [b_i, q_i] (q in the bundle's stored basis: scores do not depend on it)
    let q;
    if (this.quant === 'int8') {
      const codes = numbers(sec, 'item_q8'), scale = numbers(sec, 'item_q8_scale');
      q = codes.map((c, j) => Math.fround(scale[Math.floor(j / k)] * c));
    } else {
      q = numbers(sec, this.quant === 'f16' ? 'item_q16' : 'item_q32');
    }
    this.items = Array.from({ length: this.n }, (_, i) => [bias[i], ...q.slice(i * k, i * k + k)]);
    this.mapMean = numbers(sec, 'map_mean');
    const axes = numbers(sec, 'map_axes');
    this.mapAxes = [axes.slice(0, k), axes.slice(k, 2 * k)];
    this.mapUserScale = numbers(sec, 'map_user_scale')[0];
  }

  isCold(i) { return this.counts[i] < this.coldThreshold; }

  // rated: [[row, rating], ...] (the last rating of a row wins)
  foldIn(rated) {
    const last = new Map(rated);
    const K = this.k + 1;
    const A = Array.from({ length: K }, () => new Array(K).fill(0));
    const b = new Array(K).fill(0);
    for (const [i, r] of last) {
      const z = [1, ...this.items[i].slice(1)];
      const t = r - this.mu - this.items[i][0];
      for (let a = 0; a < K; a++) {
        b[a] += z[a] * t;
        for (let c = 0; c < K; c++) A[a][c] += z[a] * z[c];
      }
    }
    if (!last.size) return { x: new Array(K).fill(0), A, rated: last };
    const scale = this.regByCount ? last.size : 1;
    A[0][0] += this.regBias * scale;
    for (let a = 1; a < K; a++) A[a][a] += this.reg * scale;
    return { x: cholSolve(A, b), A, rated: last };
  }

  score(x, i) {
    const y = this.items[i];
    let s = this.mu + x[0] + y[0];
    for (let c = 1; c <= this.k; c++) s += x[c] * y[c];
    return s;
  }

  scores(x) { return Array.from({ length: this.n }, (_, i) => this.score(x, i)); }

  // the top n rows by raw score (ties by row) under the page's filters
  rank(x, { exclude = [], minCount = 0, genreMask = 0, yearMin = 0, yearMax = 0 } = {}, n = 20) {
    const ex = new Set(exclude);
    const s = this.scores(x);
    const rows = [];
    for (let i = 0; i < this.n; i++) {
      if (ex.has(i) || this.counts[i] < minCount) continue;
      if (genreMask && !(this.masks[i] & genreMask)) continue;
      const y = this.years[i];
      if (yearMin && (y === 0 || y < yearMin)) continue;
      if (yearMax && (y === 0 || y > yearMax)) continue;
      rows.push(i);
    }
    rows.sort((a, b) => (s[b] - s[a]) || (a - b));
    return rows.slice(0, n).map((i) => ({ row: i, raw: s[i], score: clamp(s[i]) }));
  }

  explain(rated, item) {
    const { x, A, rated: last } = this.foldIn(rated);
    const zi = [1, ...this.items[item].slice(1)];
    const byRated = [];
    if (last.size) {
      const v = cholSolve(A, zi);
      for (const [j, r] of last) {
        const zj = [1, ...this.items[j].slice(1)];
        byRated.push({ item: j, value: dot(v, zj) * (r - this.mu - this.items[j][0]) });
      }
    }
    const xa = [1, ...x.slice(1)];
    const itemSide = dot(this.items[item], xa);
    const byGenre = [];
    const mask = this.masks[item];
    const gs = [];
    for (let g = 0; g < this.genres.length; g++) if ((mask >>> g) & 1) gs.push(g);
    if (gs.length && this.tau !== 0) for (const g of gs) byGenre.push({ genre: g, value: (this.tau / gs.length) * dot(this.genres[g], xa) });
    const genreSum = byGenre.reduce((s, t) => s + t.value, 0);
    const scoreRaw = this.mu + x[0] + itemSide;
    return { scoreRaw, score: clamp(scoreRaw), mu: this.mu, itemBias: this.items[item][0], userBias: x[0], itemOwn: itemSide - genreSum, byRated, byGenre };
  }

  similar(item, n, minCount = 0) {
    const q = this.items[item].slice(1);
    const qn = Math.hypot(...q);
    const out = [];
    for (let j = 0; j < this.n; j++) {
      if (j === item || this.counts[j] < minCount) continue;
      const p = this.items[j].slice(1);
      const pn = Math.hypot(...p);
      if (pn === 0) continue;
      out.push({ row: j, similarity: dot(q, p) / (qn * pn) });
    }
    out.sort((a, b) => (b.similarity - a.similarity) || (a.row - b.row));
    return out.slice(0, n);
  }

  coldStart(x, mask) {
    const K = this.k + 1;
    const y = new Array(K).fill(0);
    let cnt = 0;
    for (let g = 0; g < this.genres.length; g++) {
      if (!((mask >>> g) & 1)) continue;
      cnt++;
      for (let c = 0; c < K; c++) y[c] += this.genres[g][c];
    }
    if (cnt) for (let c = 0; c < K; c++) y[c] *= this.tau / cnt;
    return clamp(this.mu + x[0] + dot(y, [1, ...x.slice(1)]));
  }

  // the visitor's map position s · Aᵀ p_u (the same units as the movies' Aᵀ(q_i − mean))
  project(x) {
    const p = x.slice(1);
    return this.mapAxes.map((a) => this.mapUserScale * dot(a, p));
  }
}

// Two ranked lists agree when they hold the same rows in the same order, except that rows whose
// reference values are within `tol` may trade places (float32 ties). Returns '' or what differs.
export function sameRanking(got, want, valueOf, tol, label) {
  if (got.length !== want.length) return `${label}: ${got.length} entries, expected ${want.length}`;
  for (let t = 0; t < want.length; t++) {
    if (got[t] === want[t]) continue;
    if (Math.abs(valueOf(got[t]) - valueOf(want[t])) > tol) {
      return `${label}: position ${t + 1} holds row ${got[t]} (reference value ${valueOf(got[t])}), expected row ${want[t]} (${valueOf(want[t])})`;
    }
  }
  return '';
}
