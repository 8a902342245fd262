// Browser tests of issue 15 (publish the demo): folders written by `mfrec export-site`, checked
// by tests/browser/site-check.mjs (what `mfrec export-site --check` runs) from a subpath of
// 127.0.0.1, with and without the isolation headers. Run them alone: node tests/browser/run.mjs site:
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { REPO, assert } from './harness.mjs';
import { checkSite, staticProblems } from './site-check.mjs';
import { BIG_N, bigBundle } from './tests.mjs';

function mfrec(args) {
  const bin = [process.env.MFREC_BIN, join(REPO, 'build', 'mfrec')].filter(Boolean).find((p) => existsSync(p));
  assert(bin, 'the mfrec binary (build/mfrec or $MFREC_BIN) is needed');
  return execFileSync(bin, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

// The default model (no --model: hybrid) trained on `data`, exported as a site; {dir, info, cleanup}
function exportDefault(data, extra = []) {
  const tmp = mkdtempSync(join(tmpdir(), 'mfrec-site-test-'));
  mfrec(['train', '--data', data, '--split', 'none', '--seed', '42', '--quiet', '--out', join(tmp, 'm.mfm'), ...extra]);
  const dir = join(tmp, 'site');
  const info = JSON.parse(mfrec(['export-site', '--model', join(tmp, 'm.mfm'), '--out', dir, '--format', 'json', '--quiet']));
  return { tmp, dir, info, model: join(tmp, 'm.mfm'), cleanup: () => rmSync(tmp, { recursive: true, force: true }) };
}

function describe(r) {
  return r.visits.map((v) => `${v.label}: first visit ${(v.firstVisitGzip / 1e6).toFixed(2)} MB gzip, `
    + `isolated ${v.isolated}, through the service worker ${v.isolatedSecondVisit}`).join('; ');
}

export const siteTests = [
  {
    name: 'site: export-site of the default model works from a subpath with and without isolation headers, hashed names, nothing else',
    real: true,
    fn: async (t) => {
      const s = exportDefault(join(REPO, 'data', 'ml-latest-small'));
      try {
        assert(s.info.kind === 'hybrid', `the default model is hybrid (${s.info.kind})`);
        const files = staticProblems(s.dir).files;
        // what is there: the page, hashed; the engines; the vendored map library; the bundle
        const fixed = new Set(['index.html', 'sw.js', '_headers', '.nojekyll', 'mfrec-site.json', 'vendor/LICENSES.txt']);
        for (const f of files) {
          if (fixed.has(f)) continue;
          assert(/\.[0-9a-f]{10}\.[a-z]+$/.test(f), `${f} has a content hash in its name`);
        }
        for (const re of [/^js\/app\.\w+\.js$/, /^wasm\/mfrec\.\w+\.wasm$/, /^wasm\/mfrec_mt\.worker\.\w+\.js$/,
          /^vendor\/regl-scatterplot\.\w+\.js$/, /^bundle\/bundle\.\w+\.mfm$/, /^manifest\.\w+\.webmanifest$/]) {
          assert(files.some((f) => re.test(f)), `the site has ${re}: ${files.join(' ')}`);
        }
        assert(!files.some((f) => /bench|tools\/|test/.test(f)), `no benchmark, tool or test file: ${files.join(' ')}`);
        const headers = readFileSync(join(s.dir, '_headers'), 'utf8');
        assert(/Cross-Origin-Opener-Policy: same-origin/.test(headers) && /Cross-Origin-Embedder-Policy: require-corp/.test(headers), '_headers isolates');
        // the page references the hashed names (and index.html nothing unhashed but sw.js)
        const index = readFileSync(join(s.dir, 'index.html'), 'utf8');
        assert(!/"(js\/app|css\/app|wasm\/mfrec|bundle\/bundle)\.(js|css|wasm|mfm)"/.test(index), 'index.html names no unhashed file');
        // the same model gives the same names (a host's cache stays valid across re-exports)
        const again = join(s.tmp, 'again');
        mfrec(['export-site', '--model', s.model, '--out', again, '--quiet']);
        assert(staticProblems(again).files.join() === files.join(), 're-exporting the same model gives the same names');
        // the command's size line is what the files are
        const sum = s.info.file_list.filter((f) => f.first_visit).reduce((a, f) => a + f.gzip_bytes, 0);
        assert(sum === s.info.first_visit_gzip_bytes, `first_visit_gzip_bytes ${s.info.first_visit_gzip_bytes} is the sum ${sum}`);

        const r = await checkSite(s.dir, { budgetMb: 8, browser: t.browser });
        assert(r.ok, `the site check passes:\n  ${r.problems.join('\n  ')}`);
        const [iso, plain] = r.visits;
        assert(iso.isolated === true, 'with the headers the page is cross-origin isolated (threads, training)');
        assert(plain.isolated === false, 'without headers the page is not cross-origin isolated');
        // the browser loads about what the command says a first visit costs (the threaded engine
        // aside, which an isolated page also fetches for offline use)
        const est = s.info.first_visit_gzip_bytes;
        assert(Math.abs(plain.firstVisitGzip - est) <= 0.05 * est, `measured first visit ${plain.firstVisitGzip} vs export-site's ${est}`);
        t.numbers.push(`site (ml-latest-small, hybrid): ${s.info.files} files, ${(s.info.bytes / 1e6).toFixed(2)} MB, export-site first visit ${(est / 1e6).toFixed(2)} MB gzip; ${describe(r)}`);
      } finally {
        s.cleanup();
      }
    },
  },
  {
    name: 'site: the check fails on a missing file, an absolute URL and an exceeded budget, naming each',
    real: true,
    fn: async (t) => {
      const s = exportDefault(join(REPO, 'data', 'ml-latest-small'), ['--iterations', '2']);
      try {
        const broken = join(s.tmp, 'broken');
        cpSync(s.dir, broken, { recursive: true });
        const bundle = readdirSync(join(broken, 'bundle'))[0];
        unlinkSync(join(broken, 'bundle', bundle));
        const r1 = await checkSite(broken, { budgetMb: 8, browser: t.browser });
        assert(!r1.ok && r1.problems.some((p) => p.includes(`HTTP 404`) && p.includes(bundle)), `a missing bundle fails, named: ${r1.problems.join(' | ')}`);

        const abs = join(s.tmp, 'abs');
        cpSync(s.dir, abs, { recursive: true });
        const index = readFileSync(join(abs, 'index.html'), 'utf8');
        writeFileSync(join(abs, 'index.html'), index.replace('<link rel="icon" href="', '<link rel="icon" href="/'));
        writeFileSync(join(abs, 'bench.html'), '<!doctype html>');
        const r2 = await checkSite(abs, { budgetMb: 0.05, browser: t.browser });
        const want = [/absolute URL "\/favicon/, /bench\.html: a test, benchmark/, /over the budget of 0\.05 MB/, /HTTP 404 for .*\/favicon/];
        for (const re of want) assert(r2.problems.some((p) => re.test(p)), `the check reports ${re}: ${r2.problems.join(' | ')}`);
      } finally {
        s.cleanup();
      }
    },
  },
  {
    name: `site: 87,585 movies (ML-32M's catalog), the default model: the first visit is within 8 MB gzip`,
    real: true,
    fn: async (t) => {
      bigBundle();   // builds the 87k-movie synthetic data into /tmp/mfrec-big-catalog
      const s = exportDefault(join(tmpdir(), 'mfrec-big-catalog', 'data'));
      try {
        assert(s.info.movies === BIG_N, `${s.info.movies} movies`);
        const r = await checkSite(s.dir, { budgetMb: 8, browser: t.browser });
        assert(r.ok, `the site check passes:\n  ${r.problems.join('\n  ')}`);
        t.numbers.push(`site (${BIG_N} movies, synthetic, hybrid): export-site first visit ${(s.info.first_visit_gzip_bytes / 1e6).toFixed(2)} MB gzip (bundle ${(s.info.bundle_gzip_bytes / 1e6).toFixed(2)} MB); ${describe(r)}`);
      } finally {
        s.cleanup();
      }
    },
  },
  {
    name: 'site: without headers (GitHub Pages) the page runs single-threaded; a service worker that adds the headers isolates it from the second visit',
    real: true,
    fn: async (t) => {
      const s = exportDefault(join(REPO, 'data', 'ml-latest-small'), ['--iterations', '2']);
      try {
        // as exported: not isolated, on the first visit nor through the service worker
        const r = await checkSite(s.dir, { budgetMb: 8, browser: t.browser });
        assert(r.ok, `the site check passes:\n  ${r.problems.join('\n  ')}`);
        const plain = r.visits[1];
        assert(plain.isolated === false && plain.isolatedSecondVisit === false, `no headers: single-threaded (${describe(r)})`);
        assert(/cross-origin isolated|isolat/i.test(plain.training), `the Train panel says why training is off: "${plain.training}"`);
        // the experiment: a service worker that adds COOP/COEP to every response it serves
        const coi = join(s.tmp, 'coi');
        cpSync(s.dir, coi, { recursive: true });
        const sw = readFileSync(join(coi, 'sw.js'), 'utf8');
        writeFileSync(join(coi, 'sw.js'), `self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET' || req.headers.has('range') || new URL(req.url).origin !== self.location.origin) return;
  event.respondWith(fetch(req).then((resp) => {
    if (resp.status === 0) return resp;
    const headers = new Headers(resp.headers);
    headers.set('Cross-Origin-Opener-Policy', 'same-origin');
    headers.set('Cross-Origin-Embedder-Policy', 'require-corp');
    return new Response(resp.body, { status: resp.status, statusText: resp.statusText, headers });
  }));
});
${sw}`);
        const r2 = await checkSite(coi, { budgetMb: 8, browser: t.browser });
        const p2 = r2.visits[1];
        assert(r2.ok, `the page still works with the header-adding worker:\n  ${r2.problems.join('\n  ')}`);
        assert(p2.isolated === false && p2.isolatedSecondVisit === true,
          `no headers + header-adding service worker: single-threaded on the first visit, isolated from the second (${describe(r2)})`);
        t.numbers.push(`site without headers: ${describe(r)}; with a header-adding service worker: ${describe(r2)}`);
      } finally {
        s.cleanup();
      }
    },
  },
];
