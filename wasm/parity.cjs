// parity.cjs - the command line and the wasm engine run the same core pipeline: given the same
// ratings and parameters they train models whose test RMSE agrees to 4 decimals, and whose top-20
// lists for a set of visitors agree (the instruction sets differ, so the bits may not).
//
//   node --no-experimental-fetch wasm/parity.cjs build-wasm/wasm/node/mfrec_node.js build/mfrec data/ml-latest-small
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');

const [modulePath, mfrec, dataDir] = process.argv.slice(2);
if (!modulePath || !mfrec || !dataDir) {
  console.error('usage: parity.cjs MODULE.js MFREC DATA_DIR');
  process.exit(2);
}
let checks = 0;
function check(cond, what) {
  checks++;
  if (!cond) throw new Error('check failed: ' + what);
}

async function main() {
  if (!fs.existsSync(mfrec)) throw new Error(`${mfrec} not found: build the native CLI first (scripts/build.sh native)`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mfrec-parity-'));
  const modelPath = path.join(tmp, 'native.mfm');
  const params = { factors: 16, iterations: 8, regularization: 10, reg_bias: 5, genre_prior: 0.5 };
  const args = ['train', '--data', dataDir, '--split', 'random:0.2', '--seed', '42', '--format', 'json', '--quiet',
    '--no-cache', '--threads', '1', '--out', modelPath];
  for (const [k, v] of Object.entries(params)) args.push(`--${k.replace('_', '-')}`, String(v));
  const native = JSON.parse(execFileSync(mfrec, args, { encoding: 'utf8' }));

  const M = await require(path.resolve(modulePath))();
  const modelBytes = fs.readFileSync(modelPath);
  const catalog = M.Recommender.fromBundle(new Uint8Array(modelBytes));  // a model file works too
  const ratings = fs.readFileSync(path.join(dataDir, 'ratings.csv'));
  const res = M.trainFromCsv(new Uint8Array(ratings), catalog, { ...params, split: 'random:0.2', seed: 42, threads: 1 }, null);
  check(res.nTest === native.n_test && res.nTrain === native.n_train,
    `split sizes: wasm ${res.nTrain}+${res.nTest}, native ${native.n_train}+${native.n_test}`);
  const diff = Math.abs(res.testRmse - native.test_rmse);
  check(diff < 5e-5, `test RMSE: wasm ${res.testRmse}, native ${native.test_rmse} (differ by ${diff})`);

  // visitors: the first 15 ratings of every 60th user of the file, top-20 from both engines
  const lines = ratings.toString('utf8').split('\n').slice(1).filter((l) => l);
  const byUser = new Map();
  for (const l of lines) {
    const [u, m, r] = l.split(',');
    if (!byUser.has(u)) byUser.set(u, []);
    if (byUser.get(u).length < 15) byUser.get(u).push([Number(m), Number(r)]);
  }
  const users = [...byUser.keys()].filter((_, i) => i % 60 === 0);
  const wasmModel = res.recommender;
  let minOverlap = 1, identical = 0;
  for (const u of users) {
    const rated = byUser.get(u);
    const spec = rated.map(([m, r]) => `${m}:${r}`).join(',');
    const nat = JSON.parse(execFileSync(mfrec, ['recommend', '--model', modelPath, '--rate', spec, '-n', '20', '--format', 'json'],
      { encoding: 'utf8' })).map((row) => row.movieId);
    const items = Int32Array.from(rated.map(([m]) => wasmModel.findItem(m)));
    const rs = Float32Array.from(rated.map(([, r]) => r));
    const top = wasmModel.recommend(items, rs, { n: 20 });
    const ids = wasmModel.itemIds();
    const was = Array.from(top.items, (row) => ids[row]);
    const inter = was.filter((id) => nat.includes(id)).length / 20;
    minOverlap = Math.min(minOverlap, inter);
    if (was.join() === nat.join()) identical++;
    check(inter >= 0.95, `user ${u}: top-20 overlap ${inter} (native ${nat.slice(0, 5)}…, wasm ${was.slice(0, 5)}…)`);
  }
  wasmModel.delete();
  catalog.delete();
  fs.rmSync(tmp, { recursive: true, force: true });
  console.log(`ok: ${checks} checks; test RMSE native ${native.test_rmse.toFixed(6)} wasm ${res.testRmse.toFixed(6)}; ` +
    `${users.length} visitors, top-20 identical for ${identical}, minimum overlap ${minOverlap}`);
}

main().then(() => process.exit(0), (e) => {
  console.error('FAILED:', e && e.stack || e);
  process.exit(1);
});
