// In-browser training: a dropped ratings CSV is trained by the threaded wasm build in a Web
// Worker (needs a cross-origin isolated page for SharedArrayBuffer), with a progress bar; the new
// model replaces the shipped one and is kept (Cache Storage) until the visitor switches back.
import { h, clear, fmtBytes } from './dom.js';
import { openBundle } from './loader.js';

const USER_CACHE = 'mfrec-user';
const TRAINED_URL = new URL('../trained-model.mfm', import.meta.url).href;   // a cache key, never fetched

export async function loadTrainedBundle() {
  if (!('caches' in globalThis)) return null;
  const cache = await caches.open(USER_CACHE);
  const resp = await cache.match(TRAINED_URL);
  if (!resp) return null;
  let info = {};
  try { info = JSON.parse(decodeURIComponent(resp.headers.get('X-Mfrec-Info') || '%7B%7D')); } catch { /* ignore */ }
  return { bytes: new Uint8Array(await resp.arrayBuffer()), info };
}

async function storeTrainedBundle(bytes, info) {
  if (!('caches' in globalThis)) return;
  const cache = await caches.open(USER_CACHE);
  await cache.put(TRAINED_URL, new Response(bytes, {
    headers: { 'Content-Type': 'application/octet-stream', 'X-Mfrec-Info': encodeURIComponent(JSON.stringify(info)) },
  }));
}

export async function forgetTrainedBundle() {
  if (!('caches' in globalThis)) return;
  const cache = await caches.open(USER_CACHE);
  await cache.delete(TRAINED_URL);
}

export function trainingAvailable() {
  return globalThis.crossOriginIsolated === true && typeof SharedArrayBuffer === 'function';
}

// The form's defaults and limits come from the engine's parameter table (M.paramSpec(), the same
// table the command line uses); 20% held out with seed 42 draws the same split as
// `mfrec train --split random:0.2 --seed 42`.
const SPLIT = { testFraction: 0.2, seed: 42 };
const FORM_PARAMS = [['factors', 'Factors'], ['iterations', 'Iterations'], ['regularization', 'λ']];

function specOf(M) {
  const out = {};
  for (const s of M.paramSpec()) out[s.name] = s;
  return out;
}

export function setupTraining({ container, getCatalogBundle, onModel, onShipped, isTrained, getModule }) {
  clear(container);
  const card = container.closest('details');
  if (!trainingAvailable()) {
    container.appendChild(h('div', { class: 'notice warn', id: 'train-unavailable' },
      h('p', { style: { margin: '0 0 .4rem' }, text: 'Training in the browser is not available on this host.' }),
      h('p', { style: { margin: 0 }, text:
        'It runs the engine on several threads, and browsers allow the shared memory that threads need only on a '
        + 'cross-origin isolated page: one served with the headers "Cross-Origin-Opener-Policy: same-origin" and '
        + '"Cross-Origin-Embedder-Policy: require-corp". This server does not send them. Everything else on the page '
        + 'works here (single-threaded). To train, serve the page with scripts/serve.sh or a host that sends these headers.' })));
    if (card) card.dataset.available = '0';
    backButton();
    return;
  }
  if (card) card.dataset.available = '1';

  let file = null;
  let worker = null;
  const input = h('input', { type: 'file', accept: '.csv,text/csv', id: 'train-file', class: 'visually-hidden' });
  const dropText = h('span', { text: 'Drop a ratings CSV here (userId,movieId,rating,timestamp, like MovieLens ratings.csv) or click to choose one.' });
  const drop = h('label', { class: 'drop', for: 'train-file', attrs: { tabindex: 0 } }, dropText);
  const spec = specOf(getModule());
  const opt = (name, label, value, attrs = {}) => h('label', { attrs: { title: attrs.title || '' } }, label, ' ',
    h('input', { type: 'number', id: `train-${name}`, value: String(value), attrs }));
  const opts = h('div', { class: 'train-opts' },
    ...FORM_PARAMS.map(([name, label]) => {
      const s = spec[name];
      return opt(name, label, s.default, {
        min: s.min, max: s.max, step: s.type === 'integer' ? 1 : 'any', title: s.help,
      });
    }),
    opt('test', 'Held out %', SPLIT.testFraction * 100, { min: 0, max: 50, step: 1 }));
  const go = h('button', { type: 'button', class: 'primary', id: 'train-go', text: 'Train', disabled: true });
  const cancel = h('button', { type: 'button', text: 'Cancel', hidden: true });
  const bar = h('div', { class: 'progress', id: 'train-progress', attrs: { role: 'progressbar', 'aria-label': 'Training', 'aria-valuemin': 0, 'aria-valuemax': 100 }, hidden: true },
    h('div', { class: 'progress-fill' }));
  const status = h('p', { class: 'small', id: 'train-status', attrs: { role: 'status' } });
  const log = h('pre', { class: 'train-log', id: 'train-log' });
  container.append(
    h('p', { class: 'muted small', text: 'Train a new model on your own ratings file, in this browser, on all its cores. The file never leaves the browser; movies are matched to this catalog by movieId.' }),
    input, drop, opts, h('div', { class: 'actions' }, go, cancel), bar, status, log);
  const back = backButton();

  const pick = (f) => {
    if (!f) return;
    file = f;
    dropText.textContent = `${f.name} · ${fmtBytes(f.size)}`;
    go.disabled = false;
    status.textContent = 'Ready to train.';
  };
  input.addEventListener('change', () => pick(input.files[0]));
  drop.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); input.click(); } });
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    pick(e.dataTransfer.files[0]);
  });

  const setBar = (frac) => {
    bar.hidden = false;
    bar.firstChild.style.width = `${Math.round(frac * 100)}%`;
    bar.setAttribute('aria-valuenow', String(Math.round(frac * 100)));
  };
  const finish = () => {
    go.disabled = !file;
    cancel.hidden = true;
    if (worker) { worker.terminate(); worker = null; }
  };
  cancel.addEventListener('click', () => {
    finish();
    status.textContent = 'Training cancelled.';
    bar.hidden = true;
  });

  go.addEventListener('click', async () => {
    const catalog = getCatalogBundle();
    if (!file || !catalog) {
      status.textContent = catalog ? 'Choose a ratings file first.' : 'The shipped model (needed for the catalog) is not loaded.';
      return;
    }
    const num = (id, d) => { const v = Number(container.querySelector(`#train-${id}`).value); return Number.isFinite(v) ? v : d; };
    // values as typed: the engine checks them against its table and says what is wrong
    const options = { seed: SPLIT.seed, threads: Math.max(1, Math.min(8, navigator.hardwareConcurrency || 2)) };
    for (const [name] of FORM_PARAMS) options[name] = num(name, spec[name].default);
    const held = Math.max(0, Math.min(0.5, num('test', SPLIT.testFraction * 100) / 100));
    options.split = held > 0 ? `random:${held}` : 'none';
    go.disabled = true;
    cancel.hidden = false;
    log.textContent = '';
    setBar(0);
    status.textContent = `Reading ${file.name}…`;
    const csv = await file.arrayBuffer();
    status.textContent = 'Starting the threaded engine…';
    const t0 = performance.now();
    worker = new Worker(new URL('./train-worker.js', import.meta.url), { type: 'module', name: 'mfrec-train' });
    worker.onerror = (e) => {
      status.textContent = `Training failed: ${e.message || 'the worker could not start (is web/wasm/mfrec_mt.js built?)'}`;
      finish();
    };
    worker.onmessage = async ({ data }) => {
      if (data.type === 'status') status.textContent = data.text;
      else if (data.type === 'progress') {
        setBar(data.epoch / options.iterations);
        status.textContent = `Iteration ${data.epoch} of ${options.iterations}…`;
        log.textContent += `iteration ${String(data.epoch).padStart(2)}  ${data.seconds.toFixed(2)} s  train RMSE ${data.trainRmse.toFixed(4)}`
          + (Number.isFinite(data.testRmse) && data.testRmse > 0 ? `  test RMSE ${data.testRmse.toFixed(4)}` : '') + '\n';
        log.scrollTop = log.scrollHeight;
      } else if (data.type === 'error') {
        status.textContent = `Training failed: ${data.message}`;
        finish();
      } else if (data.type === 'done') {
        setBar(1);
        const info = {
          file: file.name, date: new Date().toISOString(), testRmse: data.testRmse, trainRmse: data.trainRmse,
          seconds: data.seconds, nTrain: data.nTrain, nTest: data.nTest, factors: options.factors,
        };
        finish();
        try {
          const r = openBundle(getModule(), new Uint8Array(data.bundle));
          onModel(r, info);
          await storeTrainedBundle(new Uint8Array(data.bundle), info).catch(() => {});
          status.textContent = `Done in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${data.nTrain.toLocaleString('en')} ratings`
            + (data.nTest ? `, test RMSE ${data.testRmse.toFixed(4)} on ${data.nTest.toLocaleString('en')} held out` : '')
            + '. The page now uses this model.';
          status.dataset.done = '1';
          back.hidden = false;
        } catch (e) {
          status.textContent = `The trained model could not be opened: ${e.message || e}`;
        }
      }
    };
    const cat = catalog.slice();
    worker.postMessage({ type: 'train', csv, catalog: cat.buffer, options }, [csv, cat.buffer]);
  });

  function backButton() {
    const b = h('button', { type: 'button', id: 'train-back', text: 'Back to the shipped model', hidden: !isTrained() });
    b.addEventListener('click', async () => {
      await forgetTrainedBundle().catch(() => {});
      await onShipped();
      b.hidden = true;
      const st = container.querySelector('#train-status');
      if (st) st.textContent = 'Using the shipped model again.';
    });
    container.appendChild(h('div', { class: 'actions' }, b));
    return b;
  }
}
