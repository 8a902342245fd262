#!/usr/bin/env bash
# scripts/test.sh - every test, in this order: the format check, native (Catch2 via CTest, warnings are errors), the
# same native suites under ASan + UBSan, short deterministic libFuzzer runs, the core tests as wasm
# under node, and the browser tests (playwright-core + Debian's Chromium) against the served page.
# Each step prints its wall time.
set -euo pipefail
cd "$(dirname "$0")/.."

jobs=$(nproc)
t_all=$SECONDS
t_step=$SECONDS
step() {
    echo "== $*"
    t_step=$SECONDS
}
took() { echo "   ($((SECONDS - t_step)) s)"; }

scripts/setup.sh

step "format check (clang-format, .clang-format)"
scripts/format.sh --check
took

step "native build and tests"
scripts/build.sh native
ctest --test-dir build --output-on-failure --no-tests=error -j "$jobs"
took

# The native suites again with ASan + UBSan (build-asan/, Debug + -O1 -g): the tests run the
# sanitized CLI (MFREC_BINARY). A test's huge allocation must fail as std::bad_alloc, never reach
# the OOM killer: malloc returns null instead of aborting, and nothing above 4 GB is granted.
step "ASan + UBSan build and tests"
scripts/build.sh asan
ASAN_OPTIONS=allocator_may_return_null=1:max_allocation_size_mb=4096:detect_leaks=1 \
UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir build-asan --output-on-failure --no-tests=error -j "$jobs"
took

# libFuzzer targets (clang++, build-fuzz/): 20000 inputs each from a fixed seed
step "fuzz smoke runs"
scripts/build.sh fuzz
ctest --test-dir build-fuzz -L fuzz --output-on-failure --no-tests=error -j "$jobs"
took

step "wasm build and tests (node)"
scripts/build.sh wasm
ctest --test-dir build-wasm --output-on-failure --no-tests=error
took

step "browser tests (headless Chromium)"
build/mfrec train --model als --data data/ml-latest-small --split none --seed 42 --quiet --out build/models-test.mfm
build/mfrec export-web --model build/models-test.mfm --out web/bundle >/dev/null
node tests/browser/run.mjs
node tests/browser/report.mjs   # mfrec report, opened from disk
took

echo "== all tests passed ($((SECONDS - t_all)) s)"
