#!/usr/bin/env bash
# scripts/test.sh - every test: native (Catch2 via CTest), the core tests as wasm under node,
# and the browser tests (playwright-core + Debian's Chromium) against the served page.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

echo "== native build and tests"
scripts/build.sh native
ctest --test-dir build --output-on-failure --no-tests=error -j "$(nproc)"

echo "== wasm build and tests (node)"
scripts/build.sh wasm
ctest --test-dir build-wasm --output-on-failure --no-tests=error

echo "== browser tests (headless Chromium)"
build/mfrec train --data data/ml-latest-small --split none --seed 42 --quiet --out build/models-test.mfm
build/mfrec export-web --model build/models-test.mfm --out web/bundle >/dev/null
node tests/browser/run.mjs
