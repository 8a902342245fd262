#!/usr/bin/env bash
# scripts/setup.sh - install what mfrec needs on Debian 12, idempotently (quick when all is there).
# Debian packages only (+ npm packages for the browser tests); never Debian's nodejs/npm, which
# would replace the machine's node 20.
set -euo pipefail
cd "$(dirname "$0")/.."

# clang-14 + libclang-rt-14-dev: the libFuzzer targets (build-fuzz/); clang-format: scripts/format.sh
packages=(g++ cmake ninja-build make python3 libeigen3-dev catch2 libcli11-dev libfast-float-dev zlib1g-dev
          emscripten binaryen wabt chromium clang-14 libclang-rt-14-dev clang-format)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v node >/dev/null 2>&1; then
    echo "setup: node (>= 20) is required for the wasm tests and the browser tests" >&2
    exit 1
fi

# npm packages of the page and the browser tests (playwright-core: no browser download)
if [ -f package-lock.json ]; then
    if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
        echo "setup: npm ci"
        npm ci --no-audit --no-fund --loglevel=error
    fi
fi

# the charting library `mfrec report` inlines (compiled into the binary by native/report_assets.cmake)
if [ -d node_modules/vega-lite ] && { [ ! -f web/vendor/report-charts.js ] || [ package-lock.json -nt web/vendor/report-charts.js ]; }; then
    echo "setup: vendoring the report's charts (web/vendor/report-charts.js)"
    node web/tools/vendor_report.mjs >/dev/null
fi
