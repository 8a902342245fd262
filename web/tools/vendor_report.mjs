// Writes web/vendor/report-charts.js for `mfrec report`: Vega and Vega-Lite's UMD builds (globals
// `vega`, `vegaLite`) with their licences, one file that CMake compiles into the mfrec binary
// (native/report_assets.cmake) and the report inlines, so the page opens from disk with no network.
// Versions are pinned in package.json / package-lock.json; run `npm ci` first, then reconfigure.
//
//   node web/tools/vendor_report.mjs
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const nm = join(repo, 'node_modules');
const out = join(repo, 'web', 'vendor');

function need(path) {
  if (!existsSync(path)) {
    console.error(`vendor_report: missing ${path} - run \`npm ci\` in ${repo} first`);
    process.exit(1);
  }
  return readFileSync(path, 'utf8');
}
const version = (pkg) => JSON.parse(need(join(nm, pkg, 'package.json'))).version;
const comment = (text) => text.split('\n').map((l) => '// ' + l).join('\n');

let js = '';
for (const [pkg, file] of [['vega', 'build/vega.min.js'], ['vega-lite', 'build/vega-lite.min.js']]) {
  const code = need(join(nm, pkg, file));
  // inlined in a <script> element: the text must not close it
  if (/<\/script/i.test(code)) {
    console.error(`vendor_report: ${pkg} contains "</script"; escape it here`);
    process.exit(1);
  }
  js += `// ${pkg} ${version(pkg)}, vendored by web/tools/vendor_report.mjs\n` +
        comment(need(join(nm, pkg, 'LICENSE'))) + '\n' + code + '\n;\n';
}
mkdirSync(out, { recursive: true });
const path = join(out, 'report-charts.js');
if (!existsSync(path) || readFileSync(path, 'utf8') !== js) {
  writeFileSync(path, js);
  console.log(`vendor_report: wrote ${path} (vega ${version('vega')}, vega-lite ${version('vega-lite')}, ${js.length} bytes)`);
}
