#!/usr/bin/env node
// Checks a folder written by `mfrec export-site` before it is published (`mfrec export-site
// --check DIR` runs this):
//
//   node tests/browser/site-check.mjs DIR [--budget-mb 8] [--json]
//
// Statically: no test, benchmark or tool files; every URL the page's files load from is relative
// (no scheme, no leading slash); `_headers` and `.nojekyll` present. Then in headless Chromium,
// with the folder served from 127.0.0.1 under a subpath (/a/b/, as on GitHub Pages' project
// sites): once with the COOP/COEP headers of `_headers` (Netlify, Cloudflare Pages) and once
// without (GitHub Pages, S3), each in a fresh profile: the page must become usable (search typed
// into shows results, picks listed), its service worker must precache it (the "works offline"
// chip), no request may fail or leave the subpath, and what the first visit downloads (each URL
// once, at its gzip -9 size; the threaded engine, which an isolated page fetches in the
// background once usable, counted apart) must be within the budget. Without headers it also records what
// the page can do about threads: whether it is cross-origin isolated, on the first visit and on
// a second one through its service worker. Exits 1 with the reasons when anything fails.
import { createServer } from 'node:http';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { extname, join, relative, resolve, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const CHROMIUM = process.env.MFREC_CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
export const SUBPATH = '/mfrec-demo/site/';
const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css',
  '.wasm': 'application/wasm', '.json': 'application/json', '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml', '.mfm': 'application/octet-stream', '.txt': 'text/plain; charset=utf-8',
};

function walk(dir, base = dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p, base));
    else out.push(relative(base, p).split(sep).join('/'));
  }
  return out.sort();
}

// The folder's own problems, before any browser: files that must not be published, absolute URLs.
export function staticProblems(dir) {
  const problems = [];
  const files = walk(dir);
  for (const f of ['index.html', 'sw.js', '_headers', '.nojekyll']) {
    if (!files.includes(f)) problems.push(`${f} is missing`);
  }
  for (const f of files) {
    if (/(^|\/)(tests?|tools|mock|screenshots)\//.test(f) || /(^|\/)(bench|test|spec)[^/]*$/.test(f)) {
      problems.push(`${f}: a test, benchmark or tool file does not belong in a published site`);
    }
  }
  // URLs in loading positions: HTML attributes, CSS url(), JS imports, new URL(), fetch(),
  // Worker(), importScripts(), and the service worker's precache list
  const patterns = [
    /\b(?:href|src|content)\s*=\s*["']([^"']*)["']/g,
    /url\(\s*["']?([^"')]*)["']?\s*\)/g,
    /\bfrom\s*["']([^"']*)["']/g,
    /\bimport\s*\(\s*["'`]([^"'`]*)["'`]/g,
    /\bnew URL\(\s*["'`]([^"'`]*)["'`]/g,
    /\bfetch\(\s*["'`]([^"'`]*)["'`]/g,
    /\b(?:Worker|SharedWorker|importScripts)\(\s*["'`]([^"'`]*)["'`]/g,
    /"(?:start_url|src|scope)"\s*:\s*"([^"]*)"/g,
  ];
  for (const f of files.filter((x) => /\.(html|js|mjs|css|webmanifest|svg)$/.test(x))) {
    if (f.startsWith('vendor/')) continue;   // third-party builds: their strings are not the page's URLs
    const text = readFileSync(join(dir, f), 'utf8');
    const pre = /const PRECACHE = \[([\s\S]*?)\];/.exec(text);
    const urls = [];
    for (const re of patterns) for (const m of text.matchAll(re)) urls.push(m[1]);
    if (pre) for (const m of pre[1].matchAll(/'([^']*)'/g)) urls.push(m[1]);
    for (const u of urls) {
      // data:/blob: are in-page; a namespace URI is not loaded; the CSP meta's content is not a URL
      if (/^(data|blob):/.test(u) || /^http:\/\/www\.w3\.org\//.test(u) || /default-src|width=device/.test(u)) continue;
      if (/^[a-z][a-z0-9+.-]*:/i.test(u) || u.startsWith('/')) problems.push(`${f}: absolute URL "${u}" (the site must work from any subpath)`);
    }
    // what is certainly loaded or linked (not new URL(): a cache key may name no file) must be there
    const fdir = f.includes('/') ? f.slice(0, f.lastIndexOf('/') + 1) : '';
    const sure = [];
    for (const re of [patterns[0], patterns[1], patterns[2], patterns[3], patterns[6]]) for (const m of text.matchAll(re)) sure.push(m[1]);
    if (pre) for (const m of pre[1].matchAll(/'([^']*)'/g)) sure.push(m[1]);
    for (const u of sure) {
      const path = u.replace(/[#?].*$/, '');
      if (!path || path.endsWith('/') || path.includes('${') || /^[a-z][a-z0-9+.-]*:/i.test(path) || path.startsWith('/')) continue;
      if (!/\.[a-z]+$/i.test(path)) continue;
      const target = join(fdir, path).split(sep).join('/');
      if (!files.includes(target)) problems.push(`${f}: "${u}" names ${target}, which is not in the site`);
    }
  }
  return { files, problems };
}

// Serves dir under SUBPATH; with `isolation` the headers of _headers' "/*" block.
function serve(dir, isolation) {
  const root = resolve(dir);
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const headers = { 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' };
    if (isolation) {
      headers['Cross-Origin-Opener-Policy'] = 'same-origin';
      headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
      headers['Cross-Origin-Resource-Policy'] = 'same-origin';
    }
    if (!url.pathname.startsWith(SUBPATH)) { res.writeHead(404, headers); res.end('outside the site'); return; }
    let rel = decodeURIComponent(url.pathname.slice(SUBPATH.length));
    if (rel === '' || rel.endsWith('/')) rel += 'index.html';
    const p = resolve(root, rel);
    if (!p.startsWith(root + sep) || !existsSync(p) || !statSync(p).isFile()) { res.writeHead(404, headers); res.end('not found'); return; }
    const body = readFileSync(p);
    res.writeHead(200, { ...headers, 'Content-Type': TYPES[extname(p)] || 'application/octet-stream', 'Content-Length': body.length });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  return new Promise((res) => server.listen(0, '127.0.0.1', () => res({
    url: `http://127.0.0.1:${server.address().port}${SUBPATH}`,
    stop: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  })));
}

// One fresh profile on the served folder: usable, offline-ready, every request ok, bytes.
async function visit(browser, dir, isolation, gz) {
  const server = await serve(dir, isolation);
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const problems = [];
  const seen = new Map();   // url -> status
  const label = isolation ? 'with isolation headers' : 'without headers';
  ctx.on('requestfailed', (r) => problems.push(`${label}: request failed: ${r.url()} (${r.failure() && r.failure().errorText})`));
  ctx.on('response', (r) => {
    const u = r.url();
    if (u.startsWith('data:') || u.startsWith('blob:')) return;
    seen.set(u, r.status());
    if (r.status() >= 400) problems.push(`${label}: HTTP ${r.status()} for ${u}`);
    if (!u.startsWith(server.url)) problems.push(`${label}: a request left the site's subpath: ${u}`);
  });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => problems.push(`${label}: page error: ${e.message}`));
  const t0 = Date.now();
  const out = { label, isolated: null, usableSeconds: null, firstVisitGzip: 0, threadedGzip: 0, requests: 0 };
  try {
    await page.goto(server.url);
    await page.waitForFunction(() => window.__mfrec && (window.__mfrec.ready || window.__mfrec.errors.length), null, { timeout: 120000 });
    const errs = await page.evaluate(() => window.__mfrec.errors);
    if (errs.length) throw new Error(`the page did not start: ${errs.join('; ')}`);
    out.usableSeconds = (Date.now() - t0) / 1000;
    out.isolated = await page.evaluate(() => globalThis.crossOriginIsolated === true);
    // usable: search answers, picks are listed
    await page.fill('#search', 'the');
    await page.waitForSelector('#search-results li', { timeout: 20000 });
    const picks = await page.$$eval('#recs > li[data-row]', (els) => els.length);
    if (!picks) problems.push(`${label}: the page shows no picks`);
    // the service worker has precached the page (and, isolated, the threaded engine)
    await page.waitForFunction(() => document.documentElement.dataset.offline === '1', null, { timeout: 120000 })
      .catch(() => problems.push(`${label}: the service worker did not make the page work offline`));
    out.training = await page.evaluate(() => {
      const s = document.getElementById('train-body');
      return s ? s.textContent.trim().slice(0, 400) : '';
    });
    // a second visit through the service worker: isolated or not?
    await page.reload();
    await page.waitForFunction(() => window.__mfrec && window.__mfrec.ready, null, { timeout: 60000 });
    out.isolatedSecondVisit = await page.evaluate(() => globalThis.crossOriginIsolated === true);
  } catch (e) {
    problems.push(`${label}: the page did not become usable: ${String(e.message || e).split('\n')[0]}`);
  }
  out.requests = seen.size;
  // the first visit's downloads: every URL once (the service worker refetches what the page got)
  const got = new Set();
  for (const u of seen.keys()) {
    if (!u.startsWith(server.url)) continue;
    let rel = decodeURIComponent(new URL(u).pathname.slice(SUBPATH.length));
    if (rel === '' || rel.endsWith('/')) rel += 'index.html';
    // the threaded engine an isolated page fetches after it is usable (for offline training) is
    // counted apart: the budget is for what makes the page usable and offline-ready on any host
    if (gz.has(rel) && !got.has(rel)) {
      if (/(^|\/)mfrec_mt\./.test(rel)) out.threadedGzip += gz.get(rel);
      else out.firstVisitGzip += gz.get(rel);
    }
    got.add(rel);
  }
  out.files = [...got].sort();
  await ctx.close();
  await server.stop();
  return { out, problems };
}

// Everything: static problems, both hosts' visits, the budget. Resolves to {ok, problems, visits}.
export async function checkSite(dir, { budgetMb = 8, browser = null } = {}) {
  if (!existsSync(join(dir, 'index.html'))) return { ok: false, problems: [`${dir}: no index.html (not an export-site folder)`], visits: [] };
  const { files, problems } = staticProblems(dir);
  // gzip -9 sizes: the export's own figures (mfrec-site.json, zlib) so that export and check agree
  // (node's zlib codes the bundle about 1% larger); node's for anything else
  const gz = new Map(files.map((f) => [f, gzipSync(readFileSync(join(dir, f)), { level: 9, memLevel: 9 }).length]));
  try {
    for (const e of JSON.parse(readFileSync(join(dir, 'mfrec-site.json'), 'utf8')).file_list) {
      if (gz.has(e.path) && statSync(join(dir, e.path)).size === e.bytes) gz.set(e.path, e.gzip_bytes);
    }
  } catch { /* not an export-site folder's manifest: node's sizes */ }
  const own = !browser;
  const b = browser || await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const visits = [];
  try {
    for (const isolation of [true, false]) {
      const v = await visit(b, dir, isolation, gz);
      visits.push(v.out);
      problems.push(...v.problems);
      if (isolation && v.out.isolated === false) problems.push('with isolation headers: the page is not cross-origin isolated');
      if (v.out.firstVisitGzip > budgetMb * 1e6) {
        problems.push(`${v.out.label}: the first visit downloads ${(v.out.firstVisitGzip / 1e6).toFixed(2)} MB gzip, over the budget of ${budgetMb} MB`);
      }
    }
  } finally {
    if (own) await b.close();
  }
  return { ok: problems.length === 0, problems, visits, files: files.length };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const dir = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--budget-mb');
  const bi = args.indexOf('--budget-mb');
  const budgetMb = bi >= 0 ? Number(args[bi + 1]) : 8;
  if (!dir || !(budgetMb > 0)) {
    console.error('usage: node tests/browser/site-check.mjs DIR [--budget-mb MB] [--json]');
    process.exit(2);
  }
  const r = await checkSite(dir, { budgetMb });
  if (args.includes('--json')) console.log(JSON.stringify(r, null, 2));
  else {
    for (const v of r.visits) {
      console.log(`${v.label}: usable in ${v.usableSeconds === null ? '-' : v.usableSeconds.toFixed(1) + ' s'}, `
        + `${v.requests} requests, first visit ${(v.firstVisitGzip / 1e6).toFixed(2)} MB gzip`
        + `${v.threadedGzip ? ` (+ ${(v.threadedGzip / 1e6).toFixed(2)} MB threaded engine, fetched once usable)` : ''}, `
        + `cross-origin isolated: ${v.isolated} (second visit through the service worker: ${v.isolatedSecondVisit})`);
    }
    if (r.ok) console.log(`site check passed: ${dir} (${r.files} files, budget ${budgetMb} MB gzip)`);
    else console.log(`site check FAILED: ${dir}\n  ${r.problems.join('\n  ')}`);
  }
  process.exit(r.ok ? 0 : 1);
}
