// kernels_avx512.cpp - the kernels of gram_impl.h for AVX-512 F/DQ/VL/BW: 16 lanes, and 8
// lanes beside them for small k (a row padded to 16 floats wastes more than the wider vectors
// gain: k = 20 packs 32 floats per row instead of 24). Compiled with -mavx512f -mavx512dq
// -mavx512vl -mavx512bw -mavx2 -mfma -mf16c (CMakeLists.txt) and only for x86-64; run only
// where cpu.h finds them.
#if defined(MFREC_KERNELS_X86) && defined(__AVX512F__) && defined(__AVX512DQ__)
#define MFREC_GRAM_NS kern_avx512
#define MFREC_GRAM_PATH ::mf::isa::avx512
#include "gram_impl.h"
#undef MFREC_GRAM_PATH
#undef MFREC_GRAM_NS

#define MFREC_GRAM_NS kern_avx512_8
#define MFREC_GRAM_PATH ::mf::isa::avx512
#define MFREC_GRAM_FORCE_AVX2
#include "gram_impl.h"
#endif
