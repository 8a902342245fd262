// Copies the page's npm dependencies from node_modules into web/vendor/ as plain ES modules
// (no bundler): regl-scatterplot's ESM build with its two bare imports rewritten to relative
// paths, pub-sub-es (already ESM) and regl (UMD, wrapped into an ES module). Versions are
// pinned in package.json / package-lock.json; run `npm ci` first. web/vendor/ is generated.
//
//   node web/tools/vendor.mjs
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const nm = join(repo, 'node_modules');
const out = join(repo, 'web', 'vendor');

function need(path) {
  if (!existsSync(path)) {
    console.error(`vendor: missing ${path} - run \`npm ci\` in ${repo} first`);
    process.exit(1);
  }
  return readFileSync(path, 'utf8');
}
function version(pkg) {
  return JSON.parse(need(join(nm, pkg, 'package.json'))).version;
}
function license(pkg) {
  for (const name of ['LICENSE', 'LICENSE.md', 'LICENSE.txt', 'license']) {
    const p = join(nm, pkg, name);
    if (existsSync(p)) return readFileSync(p, 'utf8');
  }
  return `(see the ${pkg} package: MIT)`;
}

mkdirSync(out, { recursive: true });
let changed = 0;
function put(name, text) {
  const p = join(out, name);
  if (existsSync(p) && readFileSync(p, 'utf8') === text) return;
  writeFileSync(p, text);
  changed++;
}

let scatter = need(join(nm, 'regl-scatterplot', 'dist', 'regl-scatterplot.esm.js'));
const imports = [
  [/from\s+['"]pub-sub-es['"]/g, "from './pub-sub-es.js'"],
  [/from\s+['"]regl['"]/g, "from './regl.js'"],
];
for (const [re, to] of imports) {
  if (!re.test(scatter)) {
    console.error(`vendor: regl-scatterplot no longer imports ${re}; update web/tools/vendor.mjs`);
    process.exit(1);
  }
  scatter = scatter.replace(re, to);
}
const bare = scatter.match(/^\s*import[^;]*from\s+['"][^./][^'"]*['"]/m);
if (bare) {
  console.error(`vendor: unexpected bare import left in regl-scatterplot: ${bare[0]}`);
  process.exit(1);
}
put('regl-scatterplot.js',
  `// regl-scatterplot ${version('regl-scatterplot')} (MIT), vendored by web/tools/vendor.mjs\n` + scatter);

put('pub-sub-es.js',
  `// pub-sub-es ${version('pub-sub-es')} (MIT), vendored by web/tools/vendor.mjs\n` +
  need(join(nm, 'pub-sub-es', 'dist', 'index.js')));

const regl = need(join(nm, 'regl', 'dist', 'regl.min.js'));
put('regl.js',
  `// regl ${version('regl')} (MIT), vendored by web/tools/vendor.mjs: the UMD build wrapped as an ES module\n` +
  'const module = { exports: {} };\n' +
  '(function (module, exports, define) {\n' + regl + '\n}).call(globalThis, module, module.exports, undefined);\n' +
  'export default module.exports;\n');

put('LICENSES.txt',
  ['regl-scatterplot', 'pub-sub-es', 'regl']
    .map((p) => `==== ${p} ${version(p)} ====\n${license(p)}\n`).join('\n'));
if (changed) console.log(`vendor: wrote ${out} (regl-scatterplot ${version('regl-scatterplot')}, regl ${version('regl')}, pub-sub-es ${version('pub-sub-es')})`);
