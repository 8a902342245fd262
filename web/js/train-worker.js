// Web Worker: trains a model with the threaded wasm build (web/wasm/mfrec_mt.js) and posts back
// progress and the new model as bundle bytes. Runs only on a cross-origin isolated page.
let modulePromise = null;

function post(msg, transfer) { self.postMessage(msg, transfer || []); }

self.onmessage = async ({ data }) => {
  if (!data || data.type !== 'train') return;
  let catalog = null;
  try {
    if (!self.crossOriginIsolated) throw new Error('this page is not cross-origin isolated, so threads are unavailable');
    post({ type: 'status', text: 'Loading the threaded engine…' });
    if (!modulePromise) {
      modulePromise = import('../wasm/mfrec_mt.js').then((m) => m.default());
    }
    const M = await modulePromise;
    if (typeof M.trainFromCsv !== 'function') throw new Error('this engine build has no trainFromCsv');
    catalog = M.Recommender.fromBundle(new Uint8Array(data.catalog));
    post({ type: 'status', text: 'Reading the ratings…' });
    // the options are the engine's own names (M.paramSpec()), passed through unchanged
    const res = M.trainFromCsv(new Uint8Array(data.csv), catalog, data.options, (epoch, seconds, trainRmse, testRmse) => {
      post({ type: 'progress', epoch, seconds, trainRmse, testRmse });
    });
    const r = res.recommender;
    let bytes;
    if (typeof r.toBundle !== 'function') throw new Error('this engine build cannot serialise the trained model (no toBundle)');
    // the same quantization as the shipped bundle
    const quant = typeof catalog.quantization === 'function' ? catalog.quantization() : 'int8';
    bytes = r.toBundle(quant);
    const copy = new Uint8Array(bytes);   // own buffer, transferable
    post({
      type: 'done', bundle: copy.buffer, testRmse: res.testRmse, trainRmse: res.trainRmse,
      seconds: res.seconds, nTrain: res.nTrain, nTest: res.nTest,
    }, [copy.buffer]);
    try { r.delete(); } catch { /* ignore */ }
  } catch (e) {
    post({ type: 'error', message: e && e.message ? e.message : String(e) });
  } finally {
    try { catalog?.delete(); } catch { /* ignore */ }
  }
};
