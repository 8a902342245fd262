// eigen_wasm_simd.h - Eigen's SSE code path on WebAssembly SIMD (force-included before every
// source of the SIMD wasm builds: -include eigen_wasm_simd.h).
//
// Eigen 3.4 has no wasm backend: with -msimd128 alone it runs scalar code. Emscripten emulates
// SSE1-4.2 intrinsics on wasm SIMD (-msse4.2), which Eigen's SSE path uses unchanged, except:
//  (a) Eigen includes <mmintrin.h>, which Emscripten does not ship: the build puts an empty one
//      on the include path (wasm/CMakeLists.txt generates it);
//  (b) with -fgnuc-version=12 (needed so Eigen does not take its GCC < 6.3 inline-asm pmin/pmax
//      path) Eigen's matrix-product kernel adds x86 register-allocation barriers,
//      `__asm__("" : "+x,m" (A0))`, whose "x" constraint does not exist on wasm. They are
//      hints only, so `__asm__` is defined away while Eigen's headers are read, then restored.
// All Eigen headers the core uses are included here, so nothing of Eigen is parsed later
// without the fix.
#pragma once

#if defined(__EMSCRIPTEN__) && defined(__SSE2__)

// the standard headers first: they must see the real __asm__
#include <emmintrin.h>
#include <immintrin.h>
#include <nmmintrin.h>
#include <pmmintrin.h>
#include <smmintrin.h>
#include <tmmintrin.h>
#include <xmmintrin.h>

#include <algorithm>
#include <cassert>
#include <cfloat>
#include <climits>
#include <cmath>
#include <complex>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iosfwd>
#include <iostream>
#include <limits>
#include <new>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#define __asm__(...)
#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <Eigen/Eigenvalues>
#undef __asm__

#endif
