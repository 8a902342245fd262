// The visitor's ratings: MovieLens movie id -> {rating, ts}, kept in localStorage (by movie id,
// so they survive a new model), exported and imported as MovieLens CSV
// (userId,movieId,rating,timestamp).

const KEY = 'mfrec.ratings.v1';
export const EXPORT_USER_ID = 0;   // not a MovieLens user id (those start at 1)

export function validRating(r) {
  return Number.isFinite(r) && r >= 0.5 && r <= 5 && Math.abs(r * 2 - Math.round(r * 2)) < 1e-6;
}

export class RatingStore {
  constructor(storage = globalThis.localStorage) {
    this.storage = storage;
    this.map = new Map();
    this.listeners = new Set();
    this.persistError = null;
    this.load();
    // another tab changed the ratings
    globalThis.addEventListener?.('storage', (e) => {
      if (e.key === KEY) { this.load(); this.emit(); }
    });
  }

  load() {
    this.map.clear();
    let raw = null;
    try { raw = this.storage?.getItem(KEY); } catch { /* storage disabled */ }
    if (!raw) return;
    try {
      const arr = JSON.parse(raw);
      if (!Array.isArray(arr)) return;
      for (const e of arr) {
        if (!Array.isArray(e)) continue;
        const [id, r, ts] = e;
        if (Number.isInteger(id) && validRating(r)) this.map.set(id, { rating: r, ts: Number.isFinite(ts) ? ts : 0 });
      }
    } catch { /* corrupt entry: start empty rather than fail */ }
  }

  save() {
    try {
      this.storage?.setItem(KEY, JSON.stringify(Array.from(this.map, ([id, v]) => [id, v.rating, v.ts])));
      this.persistError = null;
    } catch (e) {
      this.persistError = e;   // quota or private mode: keep working in memory
    }
  }

  onChange(fn) { this.listeners.add(fn); return () => this.listeners.delete(fn); }
  emit() { for (const fn of this.listeners) fn(this); }

  get size() { return this.map.size; }
  get(id) { return this.map.get(id)?.rating ?? 0; }
  has(id) { return this.map.has(id); }

  set(id, rating) {
    if (!rating) return this.remove(id);
    if (!validRating(rating)) throw new RangeError(`rating ${rating} is not one of 0.5, 1, ..., 5`);
    this.map.delete(id);   // re-inserted last: the Map's order is the order of rating
    this.map.set(id, { rating, ts: Math.floor(Date.now() / 1000) });
    this.save();
    this.emit();
  }

  remove(id) {
    if (this.map.delete(id)) { this.save(); this.emit(); }
  }

  clear() {
    this.map.clear();
    this.save();
    this.emit();
  }

  // newest first (timestamps are in seconds: within one second, the later rating first)
  entries() {
    return Array.from(this.map, ([id, v]) => ({ id, rating: v.rating, ts: v.ts })).reverse().sort((a, b) => b.ts - a.ts);
  }

  toCsv() {
    const lines = ['userId,movieId,rating,timestamp'];
    const rows = Array.from(this.map, ([id, v]) => [id, v]).sort((a, b) => a[1].ts - b[1].ts || a[0] - b[0]);
    for (const [id, v] of rows) lines.push(`${EXPORT_USER_ID},${id},${formatRating(v.rating)},${v.ts}`);
    return lines.join('\n') + '\n';
  }

  // Merges a MovieLens-format CSV (header optional; columns found by name when there is one).
  // A file with several users contributes the first user's rows only. Returns a summary.
  importCsv(text) {
    const parsed = parseRatingsCsv(text);
    for (const r of parsed.rows) this.map.set(r.id, { rating: r.rating, ts: r.ts });
    if (parsed.rows.length) { this.save(); this.emit(); }
    return parsed;
  }
}

export function formatRating(r) {
  return Number.isInteger(r) ? r.toFixed(1) : String(r);
}

export function parseRatingsCsv(text) {
  const lines = text.replace(/^\ufeff/, '').split(/\r?\n/);
  let col = { user: 0, movie: 1, rating: 2, ts: 3 };
  let first = 0;
  while (first < lines.length && !lines[first].trim()) first++;
  if (first < lines.length && /[a-z]/i.test(lines[first])) {
    const head = lines[first].split(',').map((s) => s.trim().toLowerCase().replace(/^"|"$/g, ''));
    const find = (...names) => head.findIndex((h) => names.includes(h));
    col = { user: find('userid', 'user_id', 'user'), movie: find('movieid', 'movie_id', 'movie', 'itemid', 'item'),
            rating: find('rating', 'score'), ts: find('timestamp', 'ts', 'time') };
    if (col.movie < 0 || col.rating < 0) {
      throw new Error('the header has no movieId and rating columns (expected userId,movieId,rating,timestamp)');
    }
    first++;
  }
  const rows = [];
  let skipped = 0, otherUsers = 0, user = null;
  const users = new Set();
  for (let l = first; l < lines.length; l++) {
    const line = lines[l].trim();
    if (!line) continue;
    const f = line.split(',');
    const id = Number(f[col.movie]);
    const rating = Number(f[col.rating]);
    if (!Number.isInteger(id) || !(rating >= 0.5 && rating <= 5)) { skipped++; continue; }
    if (col.user >= 0 && f[col.user] !== undefined) {
      const u = f[col.user].trim();
      users.add(u);
      if (user === null) user = u;
      else if (u !== user) { otherUsers++; continue; }
    }
    const ts = col.ts >= 0 ? Number(f[col.ts]) : NaN;
    rows.push({ id, rating: Math.min(5, Math.max(0.5, Math.round(rating * 2) / 2)), ts: Number.isFinite(ts) ? ts : Math.floor(Date.now() / 1000) });
  }
  return { rows, skipped, otherUsers, users: users.size, user };
}
