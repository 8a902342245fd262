#!/usr/bin/env bash
# scripts/bench.sh [--quick] [--skip-32m] - regenerate docs/BENCHMARKS.md: every speed, memory and
# accuracy figure of the project, median of 3, with the CPU model, the build flags and the
# command. Full scale (ML-32M-shaped synthetic data, ~850 MB in /tmp) takes ~15 minutes. LIBMF is
# measured beside mfrec when it is built outside the repository (../peers/libmf, $MFREC_LIBMF or
# mf-train on the PATH; docs/BENCHMARKS.md says how), else the section says it was skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh all
# the -march=native build of the same tree, for comparison only (never shipped)
[ -f build-native/build.ninja ] || cmake -S . -B build-native -G Ninja -DCMAKE_BUILD_TYPE=Release -DMFREC_NATIVE_ARCH=ON >/dev/null
ninja -C build-native mfrec mfrec_peak_flops >/dev/null
exec python3 scripts/bench.py "$@"
