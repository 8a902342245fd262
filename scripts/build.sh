#!/usr/bin/env bash
# scripts/build.sh [native|wasm|all|asan|fuzz] - configure and build.
#   native  Release: build/ (the CLI mfrec, the library, the Catch2 suites)
#   wasm    Release under Emscripten: build-wasm/ (the page's modules, the core tests as wasm)
#   all     native and wasm
#   asan    the CLI and the native Catch2 suites under ASan + UBSan (-O1 -g, assertions on):
#           build-asan/ (run: ASAN_OPTIONS=allocator_may_return_null=1 ctest --test-dir build-asan)
#   fuzz    the libFuzzer targets with clang++: build-fuzz/ (smoke runs: ctest --test-dir build-fuzz -L fuzz)
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
jobs=$(nproc)

case "$what" in
    native|wasm|all|asan|fuzz) ;;
    *) echo "usage: scripts/build.sh [native|wasm|all|asan|fuzz]" >&2; exit 2 ;;
esac

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
if [ "$what" = asan ]; then
    [ -f build-asan/build.ninja ] || cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DMFREC_SANITIZE=ON >/dev/null
    ninja -C build-asan -j "$jobs" mfrec mfrec_core_tests mfrec_native_tests
fi
if [ "$what" = fuzz ]; then
    [ -f build-fuzz/build.ninja ] || cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=Release -DMFREC_FUZZ=ON >/dev/null
    ninja -C build-fuzz -j "$jobs" fuzz
fi
