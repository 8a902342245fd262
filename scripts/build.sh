#!/usr/bin/env bash
# scripts/build.sh [native|wasm|all] - configure and build (Release) into build/ and build-wasm/.
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
jobs=$(nproc)

if [ "$what" = native ] || [ "$what" = all ]; then
    [ -f build/build.ninja ] || cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
    ninja -C build -j "$jobs"
fi
if [ "$what" = wasm ] || [ "$what" = all ]; then
    export NODE_PATH=/usr/share/nodejs   # Emscripten 3.1.6 (Debian) needs acorn from here
    if [ ! -f build-wasm/build.ninja ]; then
        emcmake cmake -S . -B build-wasm -G Ninja -DCMAKE_BUILD_TYPE=Release \
            -DEigen3_DIR=/usr/share/eigen3/cmake \
            "-DCMAKE_CROSSCOMPILING_EMULATOR=/usr/bin/node;--no-experimental-fetch" >/dev/null
    fi
    ninja -C build-wasm -j "$jobs"
fi
