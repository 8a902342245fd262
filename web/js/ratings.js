// The visitor's ratings: MovieLens movie id -> {rating, ts, added}, kept in localStorage (by movie
// id, so they survive a new model), exported and imported as MovieLens CSV
// (userId,movieId,rating,timestamp). Beside them, the movies marked "not seen" or "not
// interested" (id -> {mark, ts}): kept under their own key, exported with a fifth column
// `status` (rating empty) only when there are any, so a ratings-only export stays plain MovieLens.
//
// `added` is when the movie was first rated: lists ordered by it keep an edited row in place.

const KEY = 'mfrec.ratings.v1';
const MARKS_KEY = 'mfrec.marks.v1';
export const MARKS = ['notseen', 'notinterested'];
const MARK_CSV = { notseen: 'not-seen', notinterested: 'not-interested' };
const CSV_MARK = { 'not-seen': 'notseen', 'not-interested': 'notinterested' };
export const EXPORT_USER_ID = 0;   // not a MovieLens user id (those start at 1)

export function validRating(r) {
  return Number.isFinite(r) && r >= 0.5 && r <= 5 && Math.abs(r * 2 - Math.round(r * 2)) < 1e-6;
}

export class RatingStore {
  constructor(storage = globalThis.localStorage) {
    this.storage = storage;
    this.map = new Map();
    this.marks = new Map();
    this.listeners = new Set();
    this.persistError = null;
    this.load();
    // another tab changed the ratings
    globalThis.addEventListener?.('storage', (e) => {
      if (e.key === KEY || e.key === MARKS_KEY) { this.load(); this.emit(); }
    });
  }

  load() {
    this.map.clear();
    this.marks.clear();
    let raw = null, rawMarks = null;
    try { raw = this.storage?.getItem(KEY); rawMarks = this.storage?.getItem(MARKS_KEY); } catch { /* storage disabled */ }
    try {
      const arr = raw ? JSON.parse(raw) : [];
      if (Array.isArray(arr)) {
        for (const e of arr) {
          if (!Array.isArray(e)) continue;
          const [id, r, ts, added] = e;
          const t = Number.isFinite(ts) ? ts : 0;
          if (Number.isInteger(id) && validRating(r)) this.map.set(id, { rating: r, ts: t, added: Number.isFinite(added) ? added : t });
        }
      }
    } catch { /* corrupt entry: start empty rather than fail */ }
    try {
      const arr = rawMarks ? JSON.parse(rawMarks) : [];
      if (Array.isArray(arr)) {
        for (const e of arr) {
          if (!Array.isArray(e)) continue;
          const [id, mark, ts] = e;
          if (Number.isInteger(id) && MARKS.includes(mark) && !this.map.has(id)) this.marks.set(id, { mark, ts: Number.isFinite(ts) ? ts : 0 });
        }
      }
    } catch { /* corrupt entry: start empty */ }
  }

  save() {
    try {
      this.storage?.setItem(KEY, JSON.stringify(Array.from(this.map, ([id, v]) => [id, v.rating, v.ts, v.added])));
      this.storage?.setItem(MARKS_KEY, JSON.stringify(Array.from(this.marks, ([id, v]) => [id, v.mark, v.ts])));
      this.persistError = null;
    } catch (e) {
      this.persistError = e;   // quota or private mode: keep working in memory
    }
  }

  onChange(fn) { this.listeners.add(fn); return () => this.listeners.delete(fn); }
  // change: {id, before, after} for one movie (before/after: the state() of it), or null for many
  emit(change = null) { for (const fn of this.listeners) fn(this, change); }

  get size() { return this.map.size; }
  get(id) { return this.map.get(id)?.rating ?? 0; }
  has(id) { return this.map.has(id); }
  mark(id) { return this.marks.get(id)?.mark ?? null; }
  // the ids marked `mark`
  marked(mark) { const out = []; for (const [id, v] of this.marks) if (v.mark === mark) out.push(id); return out; }
  get marksSize() { return this.marks.size; }

  // everything known about one movie, to restore it later (undo)
  state(id) {
    const r = this.map.get(id);
    const m = this.marks.get(id);
    return { rating: r?.rating ?? 0, ts: r?.ts ?? m?.ts ?? 0, added: r?.added ?? 0, mark: m?.mark ?? null };
  }

  restore(id, st) {
    const before = this.state(id);
    this.map.delete(id);
    this.marks.delete(id);
    if (st.rating) this.map.set(id, { rating: st.rating, ts: st.ts, added: st.added || st.ts });
    else if (st.mark) this.marks.set(id, { mark: st.mark, ts: st.ts });
    this.save();
    this.emit({ id, before, after: this.state(id) });
  }

  set(id, rating) {
    if (!rating) return this.remove(id);
    if (!validRating(rating)) throw new RangeError(`rating ${rating} is not one of 0.5, 1, ..., 5`);
    const before = this.state(id);
    const old = this.map.get(id);
    const ts = Math.floor(Date.now() / 1000);
    // an edit keeps the movie's place (`added`); a new rating is added now
    this.map.set(id, { rating, ts, added: old ? old.added : Date.now() / 1000 });
    this.marks.delete(id);
    this.save();
    this.emit({ id, before, after: this.state(id) });
  }

  // "not seen" / "not interested" (null clears); a rating of the movie is removed
  setMark(id, mark) {
    if (mark !== null && !MARKS.includes(mark)) throw new RangeError(`unknown mark ${mark}`);
    const before = this.state(id);
    this.map.delete(id);
    if (mark) this.marks.set(id, { mark, ts: Math.floor(Date.now() / 1000) });
    else this.marks.delete(id);
    this.save();
    this.emit({ id, before, after: this.state(id) });
  }

  remove(id) {
    const before = this.state(id);
    if (this.map.delete(id) | this.marks.delete(id)) { this.save(); this.emit({ id, before, after: this.state(id) }); }
  }

  clear() {
    this.map.clear();
    this.marks.clear();
    this.save();
    this.emit();
  }

  // newest first by when each movie was first rated (an edit does not move a movie)
  entries() {
    return Array.from(this.map, ([id, v]) => ({ id, rating: v.rating, ts: v.ts, added: v.added })).reverse()
      .sort((a, b) => b.added - a.added);
  }

  // oldest first by when each rating was last set (the order the engine weighs by: the list
  // recommender counts the recent ratings more, as `mfrec recommend --rate` does its last ones)
  chronological() {
    return Array.from(this.map, ([id, v]) => ({ id, rating: v.rating, ts: v.ts, added: v.added }))
      .sort((a, b) => a.ts - b.ts || a.added - b.added || a.id - b.id);
  }

  toCsv() {
    const withMarks = this.marks.size > 0;
    const lines = [withMarks ? 'userId,movieId,rating,timestamp,status' : 'userId,movieId,rating,timestamp'];
    const rows = Array.from(this.map, ([id, v]) => [id, v]).sort((a, b) => a[1].ts - b[1].ts || a[0] - b[0]);
    for (const [id, v] of rows) lines.push(`${EXPORT_USER_ID},${id},${formatRating(v.rating)},${v.ts}${withMarks ? ',' : ''}`);
    for (const [id, v] of this.marks) lines.push(`${EXPORT_USER_ID},${id},,${v.ts},${MARK_CSV[v.mark]}`);
    return lines.join('\n') + '\n';
  }

  // Merges a MovieLens-format CSV (header optional; columns found by name when there is one).
  // A file with several users contributes the first user's rows only. Returns a summary.
  importCsv(text) {
    const parsed = parseRatingsCsv(text);
    for (const r of parsed.rows) {
      const old = this.map.get(r.id);
      this.marks.delete(r.id);
      this.map.set(r.id, { rating: r.rating, ts: r.ts, added: old ? old.added : r.ts });
    }
    for (const m of parsed.marks) if (!this.map.has(m.id)) this.marks.set(m.id, { mark: m.mark, ts: m.ts });
    if (parsed.rows.length || parsed.marks.length) { this.save(); this.emit(); }
    return parsed;
  }
}

export function formatRating(r) {
  return Number.isInteger(r) ? r.toFixed(1) : String(r);
}

export function parseRatingsCsv(text) {
  const lines = text.replace(/^\ufeff/, '').split(/\r?\n/);
  let col = { user: 0, movie: 1, rating: 2, ts: 3, status: -1 };
  let first = 0;
  while (first < lines.length && !lines[first].trim()) first++;
  if (first < lines.length && /[a-z]/i.test(lines[first])) {
    const head = lines[first].split(',').map((s) => s.trim().toLowerCase().replace(/^"|"$/g, ''));
    const find = (...names) => head.findIndex((h) => names.includes(h));
    col = { user: find('userid', 'user_id', 'user'), movie: find('movieid', 'movie_id', 'movie', 'itemid', 'item'),
            rating: find('rating', 'score'), ts: find('timestamp', 'ts', 'time'), status: find('status') };
    if (col.movie < 0 || col.rating < 0) {
      throw new Error('the header has no movieId and rating columns (expected userId,movieId,rating,timestamp)');
    }
    first++;
  }
  const rows = [];
  const marks = [];
  let skipped = 0, otherUsers = 0, user = null;
  const users = new Set();
  for (let l = first; l < lines.length; l++) {
    const line = lines[l].trim();
    if (!line) continue;
    const f = line.split(',');
    const id = Number(f[col.movie]);
    const status = col.status >= 0 ? CSV_MARK[(f[col.status] || '').trim()] : undefined;
    const rating = status ? NaN : Number(f[col.rating]);
    if (!Number.isInteger(id) || !(status || (rating >= 0.5 && rating <= 5))) { skipped++; continue; }
    if (col.user >= 0 && f[col.user] !== undefined) {
      const u = f[col.user].trim();
      users.add(u);
      if (user === null) user = u;
      else if (u !== user) { otherUsers++; continue; }
    }
    const ts = col.ts >= 0 ? Number(f[col.ts]) : NaN;
    if (status) { marks.push({ id, mark: status, ts: Number.isFinite(ts) ? ts : Math.floor(Date.now() / 1000) }); continue; }
    rows.push({ id, rating: Math.min(5, Math.max(0.5, Math.round(rating * 2) / 2)), ts: Number.isFinite(ts) ? ts : Math.floor(Date.now() / 1000) });
  }
  return { rows, marks, skipped, otherUsers, users: users.size, user };
}
