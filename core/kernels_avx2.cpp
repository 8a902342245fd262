// kernels_avx2.cpp - the kernels of gram_impl.h for AVX2+FMA+F16C (8 lanes). Compiled with
// -mavx2 -mfma -mf16c (CMakeLists.txt) and only for x86-64; run only where cpu.h finds them.
#if defined(MFREC_KERNELS_X86) && defined(__AVX2__) && defined(__FMA__) && defined(__F16C__)
#define MFREC_GRAM_NS kern_avx2
#define MFREC_GRAM_PATH ::mf::isa::avx2
#include "gram_impl.h"
#endif
