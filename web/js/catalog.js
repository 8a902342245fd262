// The catalog on the JS side: titles decoded once from the bundle's UTF-8 blob, display forms,
// main genres for the map, and a substring search index that stays instant at ~87k titles.

// Letters NFD does not decompose; everything else with a diacritic is split by NFD and the
// combining marks are dropped.
const FOLD = { 'ß': 'ss', 'æ': 'ae', 'œ': 'oe', 'ø': 'o', 'ł': 'l', 'đ': 'd', 'ð': 'd', 'þ': 'th', 'ı': 'i', 'ŀ': 'l' };
const FOLD_RE = /[ßæœøłđðþıŀ]/g;
const MARKS_RE = /[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]/g;
const NON_ASCII_RE = /[^\x00-\x7f]/;

// Case- and accent-insensitive form used by search: lower case, NFD without combining marks,
// apostrophes dropped ("schindler's" = "schindlers"), other punctuation as single spaces,
// newlines kept (they separate titles in the haystack). One pass over the characters: this runs
// over all ~87k titles at once when the page starts.
export function normalizeText(s) {
  let t = s.toLowerCase();
  if (NON_ASCII_RE.test(t)) t = t.normalize('NFD').replace(MARKS_RE, '').replace(FOLD_RE, (c) => FOLD[c]);
  const n = t.length;
  const out = new Uint16Array(n);
  let j = 0;
  let space = true;   // at the start of a line, or after a space
  for (let i = 0; i < n; i++) {
    const c = t.charCodeAt(i);
    if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57)) { out[j++] = c; space = false; }
    else if (c === 10) { if (j && out[j - 1] === 32) j--; out[j++] = 10; space = true; }
    else if (c === 39 || c === 96 || c === 0xb4 || c === 0x2019 || c === 0x2018) { /* apostrophes: dropped */ }
    else if (c < 0xc0 || (c >= 0x2000 && c <= 0x206f) || (c >= 0x3000 && c <= 0x303f) || (c >= 0xff01 && c <= 0xff0f)) {
      if (!space) { out[j++] = 32; space = true; }   // punctuation, symbols and spaces
    } else { out[j++] = c; space = false; }           // letters of other scripts
  }
  if (j && out[j - 1] === 32) j--;
  return UTF16.decode(out.subarray(0, j));
}
const UTF16 = new TextDecoder('utf-16le');

const YEAR_RE = /\s*\((\d{4})(?:\s*[-\u2013]\s*(?:\d{4})?)?\)\s*$/;
const ARTICLE_RE = /^(.+?), (The|A|An|Les|La|Le|L'|Il|Lo|Gli|I|Das|Der|Die|Den|Det|El|Los|Las|Un|Une|O|Os|As)( \(.+\))?$/;

// "American President, The (1995)" -> {name: "The American President", year: 1995}
export function displayTitle(raw, year) {
  let name = raw.replace(YEAR_RE, '');
  const m = ARTICLE_RE.exec(name);
  if (m) name = `${m[2]}${m[2].endsWith("'") ? '' : ' '}${m[1]}${m[3] || ''}`;
  return { name: name || raw, year: year > 0 ? year : 0 };
}

// UTF-8 blob + byte offsets -> array of strings, decoding the whole blob once.
export function decodeTitles(blob, offsets) {
  const n = offsets.length - 1;
  const all = new TextDecoder('utf-8').decode(blob);
  const titles = new Array(n);
  if (all.length === blob.length) {                 // pure ASCII: byte offsets are char offsets
    for (let i = 0; i < n; i++) titles[i] = all.slice(offsets[i], offsets[i + 1]);
    return titles;
  }
  // map byte offsets to UTF-16 offsets in one pass over the bytes
  let units = 0, b = 0;
  let start = 0;
  for (let i = 0; i < n; i++) {
    const end = offsets[i + 1];
    const s0 = start;
    for (; b < end; b++) {
      const c = blob[b];
      if ((c & 0xc0) !== 0x80) units += c >= 0xf0 ? 2 : 1;
    }
    start = units;
    titles[i] = all.slice(s0, units);
  }
  return titles;
}

// Titles are one line each in the search haystack: a line break inside one would shift the rest.
export function sanitizeTitles(titles) {
  for (let i = 0; i < titles.length; i++) {
    const t = titles[i];
    if (t.includes('\n') || t.includes('\r')) titles[i] = t.replace(/[\r\n]+/g, ' ');
  }
  return titles;
}

// The search index of a list of titles: one haystack string of normalized titles separated by
// "\n" (plus, for titles whose article moved, the display form, so "the matrix" finds "Matrix,
// The"), the start of every line and the title row of every line. Pure: also runs in a worker.
export function buildSearchIndex(titles) {
  const n = titles.length;
  const extra = [];
  const extraRow = [];
  for (let i = 0; i < n; i++) {
    const t = titles[i];
    if (t.includes(', ')) {
      const y = YEAR_RE.exec(t);
      const d = displayTitle(t, y ? Number(y[1]) : 0);
      if (d.name !== t.replace(YEAR_RE, '')) { extra.push(d.name + (d.year ? ` ${d.year}` : '')); extraRow.push(i); }
    }
  }
  const all = extra.length ? `${titles.join('\n')}\n${extra.join('\n')}` : titles.join('\n');
  const hay = '\n' + normalizeText(all) + '\n';
  const lines = n + extra.length;
  const starts = new Int32Array(lines + 1);
  let p = 0;
  for (let l = 0; l < lines; l++) {
    starts[l] = p + 1;
    p = hay.indexOf('\n', p + 1);
  }
  starts[lines] = hay.length;
  const lineRow = new Int32Array(lines);
  for (let i = 0; i < n; i++) lineRow[i] = i;
  for (let k = 0; k < extra.length; k++) lineRow[n + k] = extraRow[k];
  return { n, hay, starts, lineRow };
}

export class Catalog {
  // r: a Recommender (wasm object). Copies everything it needs out of wasm memory.
  constructor(r) {
    this.n = r.numItems();
    this.k = r.factors();
    this.mu = r.globalMean();
    this.genreNames = Array.from(r.genreNames());
    this.ids = r.itemIds();
    this.years = r.years();
    this.masks = r.genreMasks();
    this.counts = r.counts();
    this.titles = sanitizeTitles(decodeTitles(r.titlesBlob(), r.titleOffsets()));
    this.xy = r.mapXY();
    this.coldThreshold = typeof r.coldThreshold === 'function' ? r.coldThreshold() : 0;
    this.row = new Map();
    for (let i = 0; i < this.n; i++) this.row.set(this.ids[i], i);
    this._display = new Array(this.n);
    this._search = null;
    this.noGenreBit = this.genreNames.findIndex((g) => /no genres/i.test(g));
    this.mainGenre = this._mainGenres();
  }

  display(i) {
    let d = this._display[i];
    if (!d) d = this._display[i] = displayTitle(this.titles[i], this.years[i]);
    return d;
  }

  genresOf(i) {
    const out = [];
    const m = this.masks[i];
    for (let g = 0; g < this.genreNames.length; g++) if ((m >>> g) & 1 && g !== this.noGenreBit) out.push(this.genreNames[g]);
    return out;
  }

  // The genres a visitor can pick: all but "(no genres listed)" (and empty names).
  pickableGenres() {
    const out = [];
    this.genreNames.forEach((name, g) => { if (g !== this.noGenreBit && name) out.push({ bit: g, name }); });
    return out;
  }

  // Colour class per movie: its rarest genre (the most distinctive one: "Comedy|Drama|Romance"
  // is drawn as Romance), or the last class for movies without genres.
  _mainGenres() {
    const G = this.genreNames.length;
    const freq = new Float64Array(G);
    for (let i = 0; i < this.n; i++) {
      const m = this.masks[i];
      for (let g = 0; g < G; g++) if ((m >>> g) & 1) freq[g]++;
    }
    this.genreFreq = freq;
    const none = G;     // class index for "no genre"
    const out = new Uint8Array(this.n);
    for (let i = 0; i < this.n; i++) {
      const m = this.masks[i];
      let best = none, bf = Infinity;
      for (let g = 0; g < G; g++) {
        if (g === this.noGenreBit || !((m >>> g) & 1)) continue;
        if (freq[g] < bf) { bf = freq[g]; best = g; }
      }
      out[i] = best;
    }
    return out;
  }

  // ---- search
  buildSearchIndex() {
    this._search = buildSearchIndex(this.titles);
  }

  // An index built elsewhere (a worker, from the same bundle bytes): used only if it fits.
  adoptSearchIndex(idx) {
    if (!idx || idx.n !== this.n || !(idx.starts instanceof Int32Array) || !(idx.lineRow instanceof Int32Array)
        || idx.starts.length !== idx.lineRow.length + 1 || typeof idx.hay !== 'string'
        || idx.starts[idx.starts.length - 1] !== idx.hay.length) return false;
    for (let l = 0; l < idx.lineRow.length; l++) if (!(idx.lineRow[l] >= 0 && idx.lineRow[l] < this.n)) return false;
    this._search = { hay: idx.hay, starts: idx.starts, lineRow: idx.lineRow };
    return true;
  }

  get searchReady() { return this._search !== null; }

  _lineOf(pos) {
    const s = this._search.starts;
    let lo = 0, hi = s.length - 2;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (s[mid] <= pos) lo = mid; else hi = mid - 1;
    }
    return lo;
  }

  // Returns {rows (best first, at most `limit`), total (all matching titles), all (every match, for
  // the map, capped at `allCap`)}. Every query word must occur; titles starting with the query
  // come first, then titles where the longest word starts a word, then the rest; ties by number of
  // ratings.
  search(query, limit = 40, allCap = 5000) {
    if (!this._search) this.buildSearchIndex();
    const q = normalizeText(query).trim();
    if (!q) return { rows: [], total: 0, all: [] };
    const words = q.split(' ').filter(Boolean);
    const { hay, starts, lineRow } = this._search;
    const lead = words.reduce((a, b) => (b.length > a.length ? b : a));
    const others = words.filter((w) => w !== lead);
    const stamp = this._stamp || (this._stamp = new Int32Array(this.n));
    const gen = (this._gen = (this._gen || 0) + 1);
    const rows = [];
    const keys = [];
    const counts = this.counts;
    const consider = (line, pos) => {
      const row = lineRow[line];
      if (stamp[row] === gen) return;
      const a = starts[line];
      if (others.length) {
        const text = hay.slice(a, starts[line + 1] - 1);
        for (const w of others) if (!text.includes(w)) return;
      }
      stamp[row] = gen;
      let cls;
      if (hay.startsWith(q, a)) {
        // the whole title (its year aside) is the query: first of all
        const e = a + q.length;
        const c = hay.charCodeAt(e);
        cls = c === 10 || (c === 32 && /^\d{4}\n/.test(hay.substr(e + 1, 5))) ? 0 : 1;
      } else {
        cls = pos === a || hay.charCodeAt(pos - 1) === 32 ? 2 : 3;
      }
      rows.push(row);
      keys.push(cls * 1e9 - counts[row]);
    };
    if (q.length < 2) {
      // one character: title starts only (a substring scan would match nearly everything)
      for (let l = 0; l < starts.length - 1; l++) if (hay.startsWith(q, starts[l])) consider(l, starts[l]);
    } else {
      let pos = hay.indexOf(lead);
      while (pos !== -1) {
        const line = this._lineOf(pos);
        consider(line, pos);
        pos = hay.indexOf(lead, starts[line + 1]);   // one hit per line is enough
      }
    }
    const order = Array.from(rows.keys()).sort((x, y) => keys[x] - keys[y] || rows[x] - rows[y]);
    const sorted = order.map((k) => rows[k]);
    return { rows: sorted.slice(0, limit), total: sorted.length, all: sorted.length > allCap ? sorted.slice(0, allCap) : sorted };
  }
}
