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

// ---- forgiving search: the forms a person types for a title

// The words of every search line (its year dropped), as ids into a vocabulary (typo matching is
// done once per distinct word), their concatenation ("walle" for "WALL·E") and their initials
// ("lotr..." for "Lord of the Rings"). Pure: also runs in the search worker.
export function buildSearchForms({ hay, starts }) {
  const lines = starts.length - 1;
  const compact = new Array(lines), initials = new Array(lines);
  const vocab = new Map();
  const vocabList = [];
  const wordStart = new Int32Array(lines + 1);
  const ids = [];
  for (let l = 0; l < lines; l++) {
    const w = hay.slice(starts[l], starts[l + 1] - 1).split(' ');
    if (w.length > 1 && /^\d{4}$/.test(w[w.length - 1])) w.pop();
    wordStart[l] = ids.length;
    let ini = '';
    for (const x of w) {
      let id = vocab.get(x);
      if (id === undefined) { id = vocabList.length; vocab.set(x, id); vocabList.push(x); }
      ids.push(id);
      ini += x[0] || '';
    }
    compact[l] = w.join('');
    initials[l] = ini;
  }
  wordStart[lines] = ids.length;
  return { compact, initials, vocabList, wordStart, wordIds: Int32Array.from(ids) };
}
const ROMAN = ['', 'i', 'ii', 'iii', 'iv', 'v', 'vi', 'vii', 'viii', 'ix', 'x', 'xi', 'xii', 'xiii', 'xiv', 'xv', 'xvi', 'xvii', 'xviii', 'xix', 'xx'];

// "2" <-> "ii" (1-20; single-letter roman numerals are words too often to be read as numbers)
export function numeralVariant(w) {
  if (/^\d{1,2}$/.test(w)) { const v = Number(w); return v >= 1 && v <= 20 ? ROMAN[v] : null; }
  const i = ROMAN.indexOf(w);
  return i > 0 && w.length >= 2 ? String(i) : null;
}

// Optimal-string-alignment distance (edits: insert, delete, substitute, swap two neighbours),
// or max + 1 as soon as it must exceed max.
export function editDistance(a, b, max) {
  const la = a.length, lb = b.length;
  if (Math.abs(la - lb) > max) return max + 1;
  let prev2 = new Int32Array(lb + 1), prev = new Int32Array(lb + 1), cur = new Int32Array(lb + 1);
  for (let j = 0; j <= lb; j++) prev[j] = j;
  for (let i = 1; i <= la; i++) {
    cur[0] = i;
    let rowMin = i;
    const ca = a.charCodeAt(i - 1);
    for (let j = 1; j <= lb; j++) {
      const cb = b.charCodeAt(j - 1);
      let v = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca === cb ? 0 : 1));
      if (i > 1 && j > 1 && ca === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === cb) v = Math.min(v, prev2[j - 2] + 1);
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    const t = prev2; prev2 = prev; prev = cur; cur = t;
  }
  return prev[lb];
}

// how well one typed word matches one title word: 1 exact (or the same numeral), 0.9 a prefix
// of at least 3 letters, 0.8 / 0.65 one / two typos (two only for words of 8+ letters), else 0
function wordMatch(q, w, qNum) {
  if (q === w || (qNum !== null && qNum === w)) return 1;
  if (q.length >= 3 && w.startsWith(q)) return 0.9;
  const max = q.length >= 8 ? 2 : q.length >= 4 ? 1 : 0;
  if (!max) return 0;
  const d = editDistance(q, w, max);
  return d === 1 ? 0.8 : d === 2 && max >= 2 ? 0.65 : 0;
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

  // builds the forgiving-search forms ahead of the first typo (called when the page is idle)
  prepareForgivingSearch() { if (this._search) this._forms(); }

  _lineOf(pos) {
    const s = this._search.starts;
    let lo = 0, hi = s.length - 2;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (s[mid] <= pos) lo = mid; else hi = mid - 1;
    }
    return lo;
  }

  // The words of every search line (its year dropped), their concatenation ("walle" for
  // "WALL·E") and their initials ("lotr..." for "Lord of the Rings"): built on first use.
  _forms() {
    if (!this._formsCache) this._formsCache = buildSearchForms(this._search);
    return this._formsCache;
  }

  // forms built elsewhere (the search worker) for this index: used only if they fit
  adoptSearchForms(f) {
    if (this._formsCache || !f || !this._search) return false;
    const lines = this._search.starts.length - 1;
    if (!Array.isArray(f.compact) || f.compact.length !== lines || !Array.isArray(f.initials) || f.initials.length !== lines
        || !(f.wordStart instanceof Int32Array) || f.wordStart.length !== lines + 1 || !(f.wordIds instanceof Int32Array)
        || f.wordStart[lines] !== f.wordIds.length || !Array.isArray(f.vocabList)) return false;
    for (let j = 0; j < f.wordIds.length; j++) if (!(f.wordIds[j] >= 0 && f.wordIds[j] < f.vocabList.length)) return false;
    this._formsCache = { compact: f.compact, initials: f.initials, vocabList: f.vocabList, wordStart: f.wordStart, wordIds: f.wordIds };
    return true;
  }

  // Exact search: every query word occurs in the title (a query of single letters, "e t" from
  // "e.t.", must occur as those whole words in a row). Returns Map row -> class (0 best).
  _exact(q, out) {
    const words = q.split(' ').filter(Boolean);
    const { hay, starts, lineRow } = this._search;
    const lead = words.reduce((a, b) => (b.length > a.length ? b : a));
    const others = words.filter((w) => w !== lead);
    const phrase = words.length >= 2 && words.every((w) => w.length === 1) ? ` ${q} ` : null;
    const consider = (line, pos) => {
      const row = lineRow[line];
      const a = starts[line];
      if (others.length || phrase) {
        const text = hay.slice(a, starts[line + 1] - 1);
        for (const w of others) if (!text.includes(w)) return;
        if (phrase && !` ${text} `.includes(phrase)) return;
      }
      let cls;
      if (hay.startsWith(q, a)) {
        // the whole title (its year aside) is the query: first of all
        const e = a + q.length;
        const c = hay.charCodeAt(e);
        cls = c === 10 || (c === 32 && /^\d{4}\n/.test(hay.substr(e + 1, 5))) ? 0 : 1;
      } else {
        cls = pos === a || hay.charCodeAt(pos - 1) === 32 ? 2 : 3;
      }
      const had = out.get(row);
      if (had === undefined || cls < had) out.set(row, cls);
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
  }

  // Returns {rows (best first, at most `limit`), total (all matching titles), all (every match, for
  // the map, capped at `allCap`), fuzzy (rows found only by typo tolerance)}. Exact matches first:
  // titles that are the query, then titles starting with it, then where a word starts with it,
  // then the rest; the same with numerals swapped ("godfather 2" = "godfather ii"), titles typed
  // without spaces ("walle") or as initials ("lotr"); ties by number of ratings. When that finds
  // fewer than 3 titles, titles within a typo or two of every word follow ("matrx", "toy stroy").
  search(query, limit = 40, allCap = 5000) {
    if (!this._search) this.buildSearchIndex();
    const q = normalizeText(query).trim();
    if (!q) return { rows: [], total: 0, all: [], fuzzy: 0 };
    const found = new Map();
    this._exact(q, found);
    const words = q.split(' ').filter(Boolean);
    const nums = words.map(numeralVariant);
    if (nums.some((v) => v !== null)) this._exact(words.map((w, i) => nums[i] ?? w).join(' '), found);
    const cq = words.join('');
    if (cq.length >= 3 && /[a-z]/.test(cq)) {
      const { compact, initials } = this._forms();
      const { lineRow } = this._search;
      const acro = words.length === 1 && cq.length <= 6 && /^[a-z]+$/.test(cq);
      for (let l = 0; l < compact.length; l++) {
        let cls = -1;
        if (compact[l] === cq) cls = 0;
        else if (compact[l].startsWith(cq) && words.length === 1) cls = 2;
        else if (acro && initials[l].startsWith(cq)) cls = 2;
        if (cls < 0) continue;
        const row = lineRow[l];
        const had = found.get(row);
        if (had === undefined || cls < had) found.set(row, cls);
      }
    }
    const counts = this.counts;
    const exact = [...found.keys()].sort((x, y) => found.get(x) - found.get(y) || counts[y] - counts[x] || x - y);
    let fuzzy = [];
    if (exact.length < 3) fuzzy = this._fuzzy(words, found);
    const sorted = exact.concat(fuzzy);
    return {
      rows: sorted.slice(0, limit), total: sorted.length, all: sorted.length > allCap ? sorted.slice(0, allCap) : sorted,
      fuzzy: fuzzy.length,
    };
  }

  // Typo-tolerant matching: every typed word of 2+ characters must match a word of the title
  // (wordMatch); ranked by the mean match, then by how much of the title the words cover, then by
  // number of ratings.
  _fuzzy(words, skip) {
    const { vocabList, wordStart, wordIds } = this._forms();
    const { lineRow } = this._search;
    const qs = words.filter((w) => w.length >= 2);
    if (!qs.length) return [];
    const qNums = qs.map(numeralVariant);
    // per typed word, its match with every distinct title word
    const V = vocabList.length;
    const match = qs.map((q, k) => {
      const m = new Float32Array(V);
      for (let v = 0; v < V; v++) m[v] = wordMatch(q, vocabList[v], qNums[k]);
      return m;
    });
    const best = new Map();
    const lines = wordStart.length - 1;
    for (let l = 0; l < lines; l++) {
      const row = lineRow[l];
      if (skip.has(row)) continue;
      const a = wordStart[l], b = wordStart[l + 1];
      let sum = 0;
      let ok = true;
      for (let k = 0; k < qs.length && ok; k++) {
        const mk = match[k];
        let m = 0;
        for (let j = a; j < b; j++) { const v = mk[wordIds[j]]; if (v > m) m = v; }
        if (m === 0) ok = false;
        sum += m;
      }
      if (!ok) continue;
      const score = sum / qs.length + 0.05 * Math.min(1, qs.length / (b - a));
      const had = best.get(row);
      if (had === undefined || score > had) best.set(row, score);
    }
    const counts = this.counts;
    return [...best.keys()].sort((x, y) => best.get(y) - best.get(x) || counts[y] - counts[x] || x - y);
  }
}
