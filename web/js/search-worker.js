// Worker: the title search index (catalog.js buildSearchIndex) from the bundle's raw title
// sections, built while the page's main thread opens the bundle; then the forgiving-search forms
// (catalog.js buildSearchForms), so that the page's main thread never builds them.
import { decodeTitles, sanitizeTitles, buildSearchIndex, buildSearchForms } from './catalog.js';

self.onmessage = ({ data }) => {
  try {
    const blob = new Uint8Array(data.blob);
    const offsets = new Uint32Array(data.offsets);
    if (offsets.length < 1 || offsets[0] !== 0 || offsets[offsets.length - 1] !== blob.length) throw new Error('offsets');
    for (let i = 1; i < offsets.length; i++) if (offsets[i] < offsets[i - 1]) throw new Error('offsets');
    const idx = buildSearchIndex(sanitizeTitles(decodeTitles(blob, offsets)));
    // the index first (search is usable with it), then the forgiving-search forms
    self.postMessage({ ok: true, stage: 'index', n: idx.n, hay: idx.hay, starts: idx.starts.slice(), lineRow: idx.lineRow },
      [idx.lineRow.buffer]);
    const f = buildSearchForms(idx);
    self.postMessage({ ok: true, stage: 'forms', ...f }, [f.wordStart.buffer, f.wordIds.buffer]);
  } catch (e) {
    self.postMessage({ ok: false, message: String(e && e.message || e) });
  }
};
