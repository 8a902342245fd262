#!/usr/bin/env bash
# scripts/site.sh RELEASE DIR [--data DATA] [--model-file PATH] [--no-train] [--no-check] [-- TRAIN-OPTIONS...]
#
# From a MovieLens release to a folder any static host can serve, in one line:
#   1. the data: DATA (--data) or data/RELEASE, downloaded md5-checked with
#      scripts/download_movielens.sh when it is not there;
#   2. the tools: build/mfrec and the engine (web/wasm/) built when missing, the map library
#      vendored (web/vendor/);
#   3. the model: `mfrec train` with the default model (hybrid) and its default parameters on all
#      the ratings (--split none): the defaults are the ones docs/TUNING.md chose; at ML-32M scale
#      the only change is --split none (every rating trains the published model). Extra options
#      after `--` go to mfrec train. Written to PATH (default build/site-RELEASE.mfm); --no-train
#      uses the model already at PATH;
#   4. the site: `mfrec export-site --model PATH --out DIR`, then `mfrec export-site --check DIR`
#      (headless Chromium, with and without isolation headers, under a subpath; --no-check skips);
#   5. how to publish DIR (README.md, "Publish the demo").
#
# Example: scripts/site.sh ml-32m /tmp/site
#          scripts/site.sh ml-32m /tmp/site --data /work/data/ml32m    (data already here)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

usage() { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//' >&2; }
die() { echo "site.sh: $*" >&2; exit 1; }

[[ $# -ge 1 && ( "$1" == -h || "$1" == --help ) ]] && { usage; exit 0; }
[[ $# -ge 2 ]] || { usage; exit 2; }
release=$1
out=$2
shift 2
data=""
model=""
check=1
train=1
train_extra=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --data) data="${2:?--data needs a folder}"; shift 2 ;;
        --model-file) model="${2:?--model-file needs a path}"; shift 2 ;;
        --no-check) check=0; shift ;;
        --no-train) train=0; shift ;;
        --) shift; train_extra=("$@"); break ;;
        *) echo "site.sh: unknown option: $1" >&2; usage; exit 2 ;;
    esac
done
[[ "$release" =~ ^[a-z0-9-]+$ ]] || die "RELEASE '$release' is not a MovieLens release name (e.g. ml-32m)"
model=${model:-$here/build/site-$release.mfm}
mfrec=$here/build/mfrec

# 1. the data
if [[ -z "$data" ]]; then
    data=$here/data/$release
    if [[ ! -f "$data/ratings.csv" && ! -f "$data/ratings.dat" && ! -f "$data/u.data" ]]; then
        echo "== downloading $release (md5-checked)"
        "$here/scripts/download_movielens.sh" "$release"
    fi
fi
[[ -d "$data" ]] || die "no such data folder: $data"

# 2. the tools
[[ -x "$mfrec" ]] || { echo "== building mfrec"; "$here/scripts/build.sh" native; }
if [[ ! -f "$here/web/wasm/mfrec.js" || ! -f "$here/web/wasm/mfrec_mt.js" ]]; then
    echo "== building the engine (web/wasm/)"
    "$here/scripts/build.sh" wasm
fi
if [[ ! -d "$here/node_modules/regl-scatterplot" || ! -d "$here/node_modules/playwright-core" ]]; then
    (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi
node "$here/web/tools/vendor.mjs"

# 3. the model
if [[ $train == 1 ]]; then
    echo "== training on $data -> $model"
    mkdir -p "$(dirname "$model")"
    t0=$SECONDS
    "$mfrec" train --data "$data" --split none --out "$model" ${train_extra[@]+"${train_extra[@]}"}
    echo "   trained in $((SECONDS - t0)) s"
else
    [[ -f "$model" ]] || die "--no-train: no model at $model"
    echo "== using the model $model"
fi

# 4. the site
echo "== exporting the site to $out"
"$mfrec" export-site --model "$model" --out "$out"
if [[ $check == 1 ]]; then
    echo "== checking it in headless Chromium"
    "$mfrec" export-site --check "$out"
fi

# 5. publishing
cat <<EOF

== $out is ready to publish (README.md, "Publish the demo"):
  Netlify:           netlify deploy --prod --dir "$out"    (reads $out/_headers: threads on)
  Cloudflare Pages:  npx wrangler pages deploy "$out"      (reads $out/_headers: threads on)
  GitHub Pages:      push the contents of $out to the branch/folder Pages serves (.nojekyll is
                     there); no custom headers there, so the page runs single-threaded
  S3 / any server:   upload as is; to enable threads, send on every file
                     Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp
EOF
