// Service worker: makes later visits load from cache and the page work offline.
// - the engine (wasm/) and the model (bundle/): cache first, revalidated in the background (the
//   next visit gets a changed file); both are big and change together.
// - everything else (html, js, css): network first, cache as the fallback when offline.
// Caches are only ever written with complete 200 responses.
const CACHE = 'mfrec-v2';
const PRECACHE = [
  './', 'index.html', 'css/app.css', 'favicon.svg', 'manifest.webmanifest',
  'js/app.js', 'js/dom.js', 'js/catalog.js', 'js/ratings.js', 'js/stars.js', 'js/map.js', 'js/loader.js',
  'js/training.js', 'js/train-worker.js', 'js/search-worker.js', 'js/file-check.js',
  'vendor/regl-scatterplot.js', 'vendor/regl.js', 'vendor/pub-sub-es.js',
  'wasm/mfrec.js', 'wasm/mfrec.wasm', 'bundle/bundle.mfm',
];
// Cached by the page when it can use them (below); listed so that activate keeps them.
const OPTIONAL = ['wasm/mfrec_mt.js', 'wasm/mfrec_mt.wasm', 'wasm/mfrec_mt.worker.js'];
// Only what every host can use is precached. The threaded engine (wasm/mfrec_mt.*) runs only on
// a cross-origin isolated page: the page itself adds it to the cache when it is (app.js,
// registerServiceWorker). The benchmark page is never precached (cached if visited).

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // one by one: a missing optional file (e.g. the threaded build) must not fail the install
    await Promise.all(PRECACHE.map(async (path) => {
      const url = new URL(path, self.registration.scope).href;
      try {
        const resp = await fetch(url, { cache: 'no-cache' });
        if (resp.ok && resp.status === 200) await cache.put(url, resp);
      } catch { /* offline or missing: cached on first use instead */ }
    }));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      if (key.startsWith('mfrec-v') && key !== CACHE) await caches.delete(key);
    }
    // A site from mfrec export-site has content-hashed names (app.0123abcdef.js): a new version
    // has new names, and the old version's files are dropped here, once nothing can ask for them.
    const cache = await caches.open(CACHE);
    const keep = new Set([...PRECACHE, ...OPTIONAL].map((p) => new URL(p, self.registration.scope).href));
    for (const req of await cache.keys()) {
      if (/\.[0-9a-f]{10}\.[a-z]+$/.test(new URL(req.url).pathname) && !keep.has(req.url)) await cache.delete(req);
    }
    await self.clients.claim();
  })());
});

function sameValidators(a, b) {
  const h = (r, k) => r.headers.get(k) || '';
  return h(a, 'ETag') === h(b, 'ETag') && h(a, 'Last-Modified') === h(b, 'Last-Modified')
    && h(a, 'Content-Length') === h(b, 'Content-Length');
}

async function cacheFirst(event, req) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(req);
  const network = fetch(req, { cache: 'no-cache' }).then(async (resp) => {
    if (resp.ok && resp.status === 200 && !(cached && sameValidators(cached, resp))) {
      await cache.put(req, resp.clone());
    }
    return resp;
  });
  if (cached) {
    event.waitUntil(network.catch(() => {}));
    return cached;
  }
  return network;
}

async function networkFirst(req) {
  const cache = await caches.open(CACHE);
  try {
    const resp = await fetch(req);
    if (resp.ok && resp.status === 200) await cache.put(req, resp.clone());
    return resp;
  } catch (e) {
    const cached = await cache.match(req, { ignoreSearch: req.mode === 'navigate' });
    if (cached) return cached;
    if (req.mode === 'navigate') {
      const index = await cache.match(new URL('index.html', self.registration.scope).href);
      if (index) return index;
    }
    throw e;
  }
}

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin || !url.href.startsWith(self.registration.scope)) return;
  if (req.headers.has('range')) return;
  const path = url.href.slice(self.registration.scope.length);
  if (path.startsWith('wasm/') || path.startsWith('bundle/')) event.respondWith(cacheFirst(event, req));
  else event.respondWith(networkFirst(req));
});
