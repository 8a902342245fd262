#include "gram.h"

#define MFREC_GRAM_NS kern
#include "gram_impl.h"
#undef MFREC_GRAM_NS

#if defined(__AVX512F__)
// 8-lane kernels beside the 16-lane ones: for small k a row padded to 16 floats wastes more
// than the wider vectors gain (k = 20: 32 floats per row instead of 24).
#define MFREC_GRAM_NS kern8
#define MFREC_GRAM_FORCE_AVX2
#include "gram_impl.h"
#undef MFREC_GRAM_FORCE_AVX2
#undef MFREC_GRAM_NS
#endif

namespace mf {
namespace kern {

#define MFREC_KERNEL_SET(NS)                                                                                         \
    kernel_set {                                                                                                     \
        NS::lanes(), NS::padded, NS::pack_rows, NS::pack_rows_half, NS::gram_accum, NS::chol_factor, NS::chol_solve, \
            NS::zz_apply, NS::dot_padded, NS::axpy_padded, NS::sse_packed                                            \
    }

const kernel_set & kernels_for(int k) {
    static const kernel_set best = MFREC_KERNEL_SET(::mf::kern);
#if defined(__AVX512F__)
    static const kernel_set narrow = MFREC_KERNEL_SET(::mf::kern8);
    if (k < 96 && kern::padded(k) > kern8::padded(k)) return narrow;
#else
    (void) k;
#endif
    return best;
}

#undef MFREC_KERNEL_SET

}  // namespace kern
}  // namespace mf
