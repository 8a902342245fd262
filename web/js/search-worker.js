// Worker: the title search index (catalog.js buildSearchIndex) from the bundle's raw title
// sections, built while the page's main thread opens the bundle.
import { decodeTitles, sanitizeTitles, buildSearchIndex } from './catalog.js';

self.onmessage = ({ data }) => {
  try {
    const blob = new Uint8Array(data.blob);
    const offsets = new Uint32Array(data.offsets);
    if (offsets.length < 1 || offsets[0] !== 0 || offsets[offsets.length - 1] !== blob.length) throw new Error('offsets');
    for (let i = 1; i < offsets.length; i++) if (offsets[i] < offsets[i - 1]) throw new Error('offsets');
    const idx = buildSearchIndex(sanitizeTitles(decodeTitles(blob, offsets)));
    self.postMessage({ ok: true, n: idx.n, hay: idx.hay, starts: idx.starts, lineRow: idx.lineRow },
      [idx.starts.buffer, idx.lineRow.buffer]);
  } catch (e) {
    self.postMessage({ ok: false, message: String(e && e.message || e) });
  }
};
