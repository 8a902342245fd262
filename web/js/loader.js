// Loading the wasm module and the model bundle, with streaming progress and errors a person
// can act on.

export class LoadError extends Error {
  // kind: 'missing' | 'network' | 'truncated' | 'corrupt' | 'wasm'
  constructor(kind, message, hint = '') {
    super(message);
    this.kind = kind;
    this.hint = hint;
  }
}

// Fetches url into one Uint8Array, calling onProgress(received, total) (total 0 when unknown).
export async function fetchBytes(url, onProgress = () => {}) {
  let resp;
  try {
    resp = await fetch(url);
  } catch (e) {
    throw new LoadError('network', `Could not download ${url}: ${e.message || e}.`,
      'Check the connection and try again. After one complete visit the page also works offline.');
  }
  if (resp.status === 404) {
    throw new LoadError('missing', `The model bundle ${url} is not on this server (HTTP 404).`,
      'Build it with: mfrec export-web --model MODEL --out web/bundle');
  }
  if (!resp.ok) {
    throw new LoadError('network', `The server answered HTTP ${resp.status} for ${url}.`, 'Try again later.');
  }
  // Content-Length is the size on the wire; with a Content-Encoding it is not the body size
  const encoded = (resp.headers.get('Content-Encoding') || 'identity') !== 'identity';
  const total = encoded ? 0 : Number(resp.headers.get('Content-Length')) || 0;
  const chunks = [];
  let received = 0;
  onProgress(0, total);
  if (resp.body && resp.body.getReader) {
    const reader = resp.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        received += value.length;
        onProgress(received, total);
      }
    } catch (e) {
      throw new LoadError('truncated', `The download of ${url} broke off after ${received} bytes${total ? ` of ${total}` : ''}.`,
        'Try again; if it keeps happening the file on the server is damaged.');
    }
  } else {
    const buf = new Uint8Array(await resp.arrayBuffer());
    chunks.push(buf);
    received = buf.length;
    onProgress(received, total);
  }
  if (total && received < total) {
    throw new LoadError('truncated', `The model bundle is incomplete: ${received} of ${total} bytes arrived.`,
      'Try again; if it keeps happening the file on the server is damaged.');
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(received);
  let o = 0;
  for (const c of chunks) { out.set(c, o); o += c.length; }
  return out;
}

// Imports and instantiates an Emscripten ES6 module factory.
export async function loadModule(url) {
  let mod;
  try {
    mod = await import(url);
  } catch (e) {
    throw new LoadError('wasm', `The WebAssembly module ${url} could not be loaded (${e.message || e}).`,
      'Build it (see docs/WEB_API.md) so that web/wasm/ holds mfrec.js and mfrec.wasm.');
  }
  try {
    return await mod.default();
  } catch (e) {
    throw new LoadError('wasm', `The WebAssembly module failed to start: ${e.message || e}.`,
      'This browser may not support WebAssembly, or web/wasm/ holds mismatched files.');
  }
}

// Recommender.fromBundle with its error turned into a LoadError.
export function openBundle(M, bytes) {
  try {
    return M.Recommender.fromBundle(bytes);
  } catch (e) {
    const msg = e && e.message ? e.message : String(e);
    throw new LoadError('corrupt', `The model bundle is damaged and cannot be used: ${msg}`,
      'Rebuild it with mfrec export-web, or try again if the download was interrupted.');
  }
}

// The payloads of named sections of an .mfm container (docs/FORMAT.md), for work that can start
// before the engine has opened the bundle (the search index, in a worker). Bounds-checked; null on
// anything unexpected. Not a validation: the engine checks the whole file (CRCs included) and
// decides whether the bundle is usable.
export function mfmSections(bytes, names) {
  try {
    if (!(bytes instanceof Uint8Array) || bytes.length < 64) return null;
    const magic = String.fromCharCode(...bytes.subarray(0, 8));
    if (magic !== 'MFRECMFM') return null;
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const u64 = (o) => dv.getUint32(o, true) + dv.getUint32(o + 4, true) * 4294967296;
    if (dv.getUint32(8, true) !== 1 || dv.getUint32(12, true) !== 0x01020304) return null;
    const count = dv.getUint32(24, true);
    const table = u64(32);
    if (count > 4096 || table + count * 96 > bytes.length) return null;
    const out = {};
    for (let s = 0; s < count; s++) {
      const e = table + s * 96;
      let name = '';
      for (let c = 0; c < 32 && bytes[e + c]; c++) name += String.fromCharCode(bytes[e + c]);
      if (!names.includes(name)) continue;
      const off = u64(e + 64), size = u64(e + 72);
      if (off + size > bytes.length) return null;
      out[name] = bytes.subarray(off, off + size);
    }
    return names.every((n) => out[n]) ? out : null;
  } catch {
    return null;
  }
}

// Builds the title search index in a worker from the bundle's title sections, while the main
// thread opens the bundle. Resolves to the index, or null (then the page builds it itself).
export function searchIndexInWorker(bytes) {
  if (typeof Worker !== 'function') return Promise.resolve(null);
  const sec = mfmSections(bytes, ['item_titles', 'item_title_offsets']);
  if (!sec || sec.item_title_offsets.length % 4) return Promise.resolve(null);
  const blob = sec.item_titles.slice();
  const offsets = sec.item_title_offsets.slice();
  return new Promise((resolve) => {
    let worker;
    try {
      worker = new Worker(new URL('./search-worker.js', import.meta.url), { type: 'module', name: 'mfrec-search-index' });
    } catch {
      resolve(null);
      return;
    }
    // resolves with the index; its `forms` promise resolves with the forgiving-search forms
    // (or null), after which the worker ends
    let formsDone;
    const forms = new Promise((res) => { formsDone = res; });
    let gotIndex = false;
    const end = () => { formsDone(null); worker.terminate(); };
    worker.onerror = () => { if (!gotIndex) resolve(null); end(); };
    worker.onmessage = ({ data }) => {
      if (!data || !data.ok) { if (!gotIndex) resolve(null); end(); return; }
      if (data.stage === 'forms') { formsDone(data); worker.terminate(); return; }
      gotIndex = true;
      resolve({ ...data, forms });
    };
    worker.postMessage({ blob: blob.buffer, offsets: offsets.buffer }, [blob.buffer, offsets.buffer]);
  });
}
