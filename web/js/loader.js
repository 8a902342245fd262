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
