// gram_impl.h - the kernels of one ALS row solve (included by gram.cpp; tests include it a
// second time with MFREC_GRAM_FORCE_PORTABLE to check the portable fallback against Eigen).
//
// Layout: the n partner rows [b_j, q_j] of one row are packed, T at a time, into an aligned
// buffer Z of rows kp = pad(k) wide holding q_j only (z_j = [1, q_j]: the bias dimension, a
// column of ones, is carried as sums beside it: n, Σ q_j, Σ t_j). So k = 64 packs 64 floats, not
// 65 padded to 72/80. Matrices are column-major with leading dimension kp; only their lower
// triangle is meaningful (the kernels also write some entries above the diagonal, which nothing
// reads).
//
// The instruction set is the one the including file is compiled for: AVX-512F (W = 16),
// AVX2+FMA (W = 8) or plain C++ on W = 4 lanes. gram.cpp (portable), kernels_avx2.cpp and
// kernels_avx512.cpp include it, each with its own -m flags, and cpu.h picks one set at run
// time. Every result depends only on the inputs and the path, never on threads.
//
// Include with MFREC_GRAM_NS defined to the namespace (inside mf) that receives the functions,
// a namespace of its own per instruction set: everything else here is in an anonymous
// namespace, so no inline function compiled with one file's flags can be merged by the linker
// into another path (tests/isa_symbols.cmake checks the object files); MFREC_GRAM_PATH to the
// mf::isa value of the set. MFREC_GRAM_FORCE_AVX2 / MFREC_GRAM_FORCE_PORTABLE select 8 / 4
// lanes below what the flags allow.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "gram.h"

#if defined(MFREC_GRAM_FORCE_PORTABLE)
#define MFREC_ISA 0
#elif defined(MFREC_GRAM_FORCE_AVX2) && defined(__AVX2__) && defined(__FMA__)
#define MFREC_ISA 1
#elif defined(__AVX512F__)
#define MFREC_ISA 2
#elif defined(__AVX2__) && defined(__FMA__)
#define MFREC_ISA 1
#else
#define MFREC_ISA 0
#endif

#if MFREC_ISA > 0
#include <immintrin.h>
#endif
#if defined(__linux__) && !defined(__EMSCRIPTEN__)
#include <sys/mman.h>
#endif

#if defined(__GNUC__)
#define MFREC_PREFETCH(p) __builtin_prefetch((const void *) (p), 0, 3)
#define MFREC_PREFETCH_L2(p) __builtin_prefetch((const void *) (p), 0, 2)
#define MFREC_INLINE inline __attribute__((always_inline))
#else
#define MFREC_PREFETCH(p) ((void) 0)
#define MFREC_PREFETCH_L2(p) ((void) 0)
#define MFREC_INLINE inline
#endif

namespace mf {
namespace MFREC_GRAM_NS {

namespace {

// ---- a few vector operations on W float lanes
#if MFREC_ISA == 2
constexpr int W = 16;
struct vf {
    __m512 v;
};
MFREC_INLINE vf vzero() {
    return {_mm512_setzero_ps()};
}
MFREC_INLINE vf vset1(float x) {
    return {_mm512_set1_ps(x)};
}
MFREC_INLINE vf vload(const float * p) {
    return {_mm512_load_ps(p)};
}
MFREC_INLINE vf vloadu(const float * p) {
    return {_mm512_loadu_ps(p)};
}
MFREC_INLINE void vstore(float * p, vf a) {
    _mm512_store_ps(p, a.v);
}
MFREC_INLINE void vstoreu(float * p, vf a) {
    _mm512_storeu_ps(p, a.v);
}
MFREC_INLINE vf vfma(vf a, vf b, vf c) {
    return {_mm512_fmadd_ps(a.v, b.v, c.v)};
}  // a b + c
MFREC_INLINE vf vfnma(vf a, vf b, vf c) {
    return {_mm512_fnmadd_ps(a.v, b.v, c.v)};
}  // c - a b
MFREC_INLINE vf vadd(vf a, vf b) {
    return {_mm512_add_ps(a.v, b.v)};
}
MFREC_INLINE vf vsub(vf a, vf b) {
    return {_mm512_sub_ps(a.v, b.v)};
}
MFREC_INLINE vf vmul(vf a, vf b) {
    return {_mm512_mul_ps(a.v, b.v)};
}
MFREC_INLINE float vhsum(vf a) {
    return _mm512_reduce_add_ps(a.v);
}
// the horizontal sums of four vectors at once
MFREC_INLINE void vhsum4(const vf * s, float * out) {
    __m256 a = _mm256_add_ps(_mm512_castps512_ps256(s[0].v), _mm512_extractf32x8_ps(s[0].v, 1));
    __m256 b = _mm256_add_ps(_mm512_castps512_ps256(s[1].v), _mm512_extractf32x8_ps(s[1].v, 1));
    __m256 c = _mm256_add_ps(_mm512_castps512_ps256(s[2].v), _mm512_extractf32x8_ps(s[2].v, 1));
    __m256 d = _mm256_add_ps(_mm512_castps512_ps256(s[3].v), _mm512_extractf32x8_ps(s[3].v, 1));
    __m256 abcd = _mm256_hadd_ps(_mm256_hadd_ps(a, b), _mm256_hadd_ps(c, d));
    _mm_storeu_ps(out, _mm_add_ps(_mm256_castps256_ps128(abcd), _mm256_extractf128_ps(abcd, 1)));
}
// the first n < W lanes of p (the others 0), never touching memory past p + n
MFREC_INLINE vf vload_tail(const float * p, int n) {
    return {_mm512_maskz_loadu_ps((__mmask16) ((1u << n) - 1u), p)};
}
MFREC_INLINE void vstore_tail(float * p, vf a, int n) {
    _mm512_mask_storeu_ps(p, (__mmask16) ((1u << n) - 1u), a.v);
}
#elif MFREC_ISA == 1
constexpr int W = 8;
struct vf {
    __m256 v;
};
alignas(64) static const int32_t tail_mask_table[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
MFREC_INLINE __m256i tail_mask(int n) {
    return _mm256_loadu_si256((const __m256i *) (tail_mask_table + 8 - n));
}
MFREC_INLINE vf vzero() {
    return {_mm256_setzero_ps()};
}
MFREC_INLINE vf vset1(float x) {
    return {_mm256_set1_ps(x)};
}
MFREC_INLINE vf vload(const float * p) {
    return {_mm256_load_ps(p)};
}
MFREC_INLINE vf vloadu(const float * p) {
    return {_mm256_loadu_ps(p)};
}
MFREC_INLINE void vstore(float * p, vf a) {
    _mm256_store_ps(p, a.v);
}
MFREC_INLINE void vstoreu(float * p, vf a) {
    _mm256_storeu_ps(p, a.v);
}
MFREC_INLINE vf vfma(vf a, vf b, vf c) {
    return {_mm256_fmadd_ps(a.v, b.v, c.v)};
}
MFREC_INLINE vf vfnma(vf a, vf b, vf c) {
    return {_mm256_fnmadd_ps(a.v, b.v, c.v)};
}
MFREC_INLINE vf vadd(vf a, vf b) {
    return {_mm256_add_ps(a.v, b.v)};
}
MFREC_INLINE vf vsub(vf a, vf b) {
    return {_mm256_sub_ps(a.v, b.v)};
}
MFREC_INLINE vf vmul(vf a, vf b) {
    return {_mm256_mul_ps(a.v, b.v)};
}
MFREC_INLINE float vhsum(vf a) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(a.v), _mm256_extractf128_ps(a.v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}
MFREC_INLINE void vhsum4(const vf * s, float * out) {
    __m256 abcd = _mm256_hadd_ps(_mm256_hadd_ps(s[0].v, s[1].v), _mm256_hadd_ps(s[2].v, s[3].v));
    _mm_storeu_ps(out, _mm_add_ps(_mm256_castps256_ps128(abcd), _mm256_extractf128_ps(abcd, 1)));
}
MFREC_INLINE vf vload_tail(const float * p, int n) {
    return {_mm256_maskload_ps(p, tail_mask(n))};
}
MFREC_INLINE void vstore_tail(float * p, vf a, int n) {
    _mm256_maskstore_ps(p, tail_mask(n), a.v);
}
#else
constexpr int W = 4;
struct vf {
    float a[4];
};
MFREC_INLINE vf vzero() {
    return {{0.0f, 0.0f, 0.0f, 0.0f}};
}
MFREC_INLINE vf vset1(float x) {
    return {{x, x, x, x}};
}
MFREC_INLINE vf vload(const float * p) {
    return {{p[0], p[1], p[2], p[3]}};
}
MFREC_INLINE vf vloadu(const float * p) {
    return {{p[0], p[1], p[2], p[3]}};
}
MFREC_INLINE void vstore(float * p, vf a) {
    for (int l = 0; l < 4; ++l) p[l] = a.a[l];
}
MFREC_INLINE void vstoreu(float * p, vf a) {
    for (int l = 0; l < 4; ++l) p[l] = a.a[l];
}
// Fused like the SIMD paths (std::fma) where that is one instruction or what wasm has always
// done. On baseline x86-64 (no FMA unit assumed) std::fma is a libm call per lane that keeps the
// loop scalar (the CLI tests forced to this path took 3.6x as long as on AVX2 with it), so there
// the portable path multiplies and adds.
#if defined(__FMA__) || defined(__EMSCRIPTEN__) || !(defined(__x86_64__) || defined(__i386__))
MFREC_INLINE float lane_fma(float a, float b, float c) {
    return std::fma(a, b, c);
}
#else
MFREC_INLINE float lane_fma(float a, float b, float c) {
    return a * b + c;
}
#endif
MFREC_INLINE vf vfma(vf a, vf b, vf c) {
    vf r;
    for (int l = 0; l < 4; ++l) r.a[l] = lane_fma(a.a[l], b.a[l], c.a[l]);
    return r;
}
MFREC_INLINE vf vfnma(vf a, vf b, vf c) {
    vf r;
    for (int l = 0; l < 4; ++l) r.a[l] = lane_fma(-a.a[l], b.a[l], c.a[l]);
    return r;
}
MFREC_INLINE vf vadd(vf a, vf b) {
    return {{a.a[0] + b.a[0], a.a[1] + b.a[1], a.a[2] + b.a[2], a.a[3] + b.a[3]}};
}
MFREC_INLINE vf vsub(vf a, vf b) {
    return {{a.a[0] - b.a[0], a.a[1] - b.a[1], a.a[2] - b.a[2], a.a[3] - b.a[3]}};
}
MFREC_INLINE vf vmul(vf a, vf b) {
    return {{a.a[0] * b.a[0], a.a[1] * b.a[1], a.a[2] * b.a[2], a.a[3] * b.a[3]}};
}
MFREC_INLINE float vhsum(vf a) {
    return (a.a[0] + a.a[2]) + (a.a[1] + a.a[3]);
}
MFREC_INLINE void vhsum4(const vf * s, float * out) {
    for (int r = 0; r < 4; ++r) out[r] = vhsum(s[r]);
}
MFREC_INLINE vf vload_tail(const float * p, int n) {
    vf r = vzero();
    for (int l = 0; l < n; ++l) r.a[l] = p[l];
    return r;
}
MFREC_INLINE void vstore_tail(float * p, vf a, int n) {
    for (int l = 0; l < n; ++l) p[l] = a.a[l];
}
#endif

// ---- half-precision rows (F16C): W halves <-> one vector
#if MFREC_ISA > 0 && defined(__F16C__)
#define MFREC_HALF 1
#if MFREC_ISA == 2
MFREC_INLINE vf vload_half(const uint16_t * p) {
    return {_mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *) p))};
}
#else
MFREC_INLINE vf vload_half(const uint16_t * p) {
    return {_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *) p))};
}
#endif
#else
#define MFREC_HALF 0
#endif

// columns per Gram tile (a divisor of W, so tiles never straddle a diagonal vector block badly)
constexpr int NR = W / 2 > 0 ? W / 2 : 1;

// acc[m][c] = Σ_t Z[t, i0 + mW ..] Z[t, j0 + c] for MV row vectors and NR columns: the tile
// stays in registers while t runs over the packed rows.
// pl[0 .. npl): cache lines to prefetch into L2, one every `gap` rows (spread out so that the
// fill buffers never run out and the arithmetic never waits on them).
// MODE 0: A = acc, 1: A += acc, 2: A -= acc
template <int MV, int MODE>
MFREC_INLINE void gram_tile(const float * Z, int64_t T, int dp, int i0, int j0, float * A, const uintptr_t * pl,
                            int64_t npl, int64_t gap) {
    vf acc[MV][NR];
    for (int m = 0; m < MV; ++m)
        for (int c = 0; c < NR; ++c) acc[m][c] = vzero();
    const float * z = Z;
    int64_t next_pf = 0;
    for (int64_t t = 0; t < T; ++t, z += dp) {
        if (npl > 0 && t == next_pf * gap) {
            MFREC_PREFETCH_L2(pl[next_pf]);
            if (++next_pf == npl) npl = 0;
        }
        vf a[MV];
        for (int m = 0; m < MV; ++m) a[m] = vload(z + i0 + m * W);
        for (int c = 0; c < NR; ++c) {
            vf bc = vset1(z[j0 + c]);
            for (int m = 0; m < MV; ++m) acc[m][c] = vfma(a[m], bc, acc[m][c]);
        }
    }
    for (int c = 0; c < NR; ++c) {
        float * out = A + (int64_t) (j0 + c) * dp + i0;
        for (int m = 0; m < MV; ++m) {
            if (MODE == 0)
                vstore(out + m * W, acc[m][c]);
            else if (MODE == 1)
                vstore(out + m * W, vadd(vload(out + m * W), acc[m][c]));
            else
                vstore(out + m * W, vsub(vload(out + m * W), acc[m][c]));
        }
    }
}

// out += Σ_t c_t z_t and out0 += Σ_t c_t with c_t = v0 + z_tᵀv: Zᵀ Z v for z_t = [1, q_t]; the
// c_t are also written to dots when it is non-null. NV = kp / W
// vectors kept in registers.
template <int NV>
void zz_apply_fixed(const float * Z, int64_t n, float * dots, float v0, const float * v, float & out0, float * out) {
    constexpr int kp = NV * W;
    vf vv[NV], acc[NV];
    for (int q = 0; q < NV; ++q) {
        vv[q] = vload(v + q * W);
        acc[q] = vload(out + q * W);
    }
    float o0 = out0;
    const float * z = Z;
    int64_t t = 0;
    for (; t + 4 <= n; t += 4, z += 4 * kp) {  // four rows at a time: one horizontal reduction
        vf s4[4];
        for (int r = 0; r < 4; ++r) {
            s4[r] = vzero();
            for (int q = 0; q < NV; ++q) s4[r] = vfma(vload(z + r * kp + q * W), vv[q], s4[r]);
        }
        float h[4];
        vhsum4(s4, h);
        for (int r = 0; r < 4; ++r) {
            float s = v0 + h[r];
            float c = s;
            if (dots) dots[t + r] = c;
            o0 += c;
            vf vc = vset1(c);
            for (int q = 0; q < NV; ++q) acc[q] = vfma(vload(z + r * kp + q * W), vc, acc[q]);
        }
    }
    for (; t < n; ++t, z += kp) {
        vf s0 = vzero(), s1 = vzero();
        for (int q = 0; q + 1 < NV; q += 2) {
            s0 = vfma(vload(z + q * W), vv[q], s0);
            s1 = vfma(vload(z + (q + 1) * W), vv[q + 1], s1);
        }
        if (NV % 2) s0 = vfma(vload(z + (NV - 1) * W), vv[NV - 1], s0);
        float s = v0 + vhsum(vadd(s0, s1));
        float c = s;
        if (dots) dots[t] = c;
        o0 += c;
        vf vc = vset1(c);
        for (int q = 0; q < NV; ++q) acc[q] = vfma(vload(z + q * W), vc, acc[q]);
    }
    for (int q = 0; q < NV; ++q) vstore(out + q * W, acc[q]);
    out0 = o0;
}

void zz_apply_any(const float * Z, int64_t n, int kp, float * dots, float v0, const float * v, float & out0,
                  float * out) {
    const int nv = kp / W;
    const float * z = Z;
    for (int64_t t = 0; t < n; ++t, z += kp) {
        vf s0 = vzero();
        for (int q = 0; q < nv; ++q) s0 = vfma(vload(z + q * W), vload(v + q * W), s0);
        float s = v0 + vhsum(s0);
        float c = s;
        if (dots) dots[t] = c;
        out0 += c;
        vf vc = vset1(c);
        for (int q = 0; q < nv; ++q) vstore(out + q * W, vfma(vload(z + q * W), vc, vload(out + q * W)));
    }
}

MFREC_INLINE float dot_aligned(const float * a, const float * b, int dp) {
    vf s0 = vzero(), s1 = vzero();
    int q = 0;
    for (; q + 2 * W <= dp; q += 2 * W) {
        s0 = vfma(vload(a + q), vload(b + q), s0);
        s1 = vfma(vload(a + q + W), vload(b + q + W), s1);
    }
    if (q < dp) s0 = vfma(vload(a + q), vload(b + q), s0);
    return vhsum(vadd(s0, s1));
}

}  // namespace

int lanes() {
    return W;
}

void prefer_huge_pages(void * p, size_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE) && !defined(__EMSCRIPTEN__)
    const uintptr_t huge = (uintptr_t) 2 << 20;
    uintptr_t b = ((uintptr_t) p + huge - 1) & ~(huge - 1), e = ((uintptr_t) p + bytes) & ~(huge - 1);
    if (e > b) madvise((void *) b, e - b, MADV_HUGEPAGE);
#else
    (void) p;
    (void) bytes;
#endif
}

void prefetch_rows(const ::mf::kern::prefetch_plan & p, int64_t from, int64_t to) {
    if (!p.idx) return;
    if (to > p.count) to = p.count;
    const int64_t bytes = (int64_t) p.dim * (int64_t) sizeof(float);
    for (int64_t e = from; e < to; ++e) {
        uintptr_t row = (uintptr_t) (p.base + (int64_t) p.idx[e] * p.stride);
        for (uintptr_t l = row & ~(uintptr_t) 63; l < row + (uintptr_t) bytes; l += 64) MFREC_PREFETCH_L2(l);
    }
}
int padded(int d) {
    return (d + W - 1) / W * W;
}

// ---- packing: row t in [0, T) of Z (kp wide, aligned) = [q_t, 0 …] with q_t from the source
// rows and target t_t = val_t - mu - b_t (given: the rows start with a 1 and val holds the
// targets). Adds, where non-null: t_t to *b0, t_t z_t to bq, z_t to cs (column sums), z_t∘z_t to
// dg, and (x non-null) e_t = t_t - x0 - z_tᵀx to *r0 and e_t z_t to rq. tgt[t] receives t_t, or
// e_t when x is given (conjugate gradient keeps the residuals of the ratings up to date from it).
namespace {

// float rows [b, q] at base + idx[t]·stride (idx null: base + t·stride)
struct float_source {
    const float * base;
    int64_t stride;
    const int32_t * idx;
    int full, rest;  // whole vectors of q inside a row, lanes of the partial one
    int64_t bytes;   // of one row, for the prefetch
    const float * row(int64_t t) const { return base + (idx ? (int64_t) idx[t] : t) * stride; }
    void prefetch(int64_t t) const {
        uintptr_t r = (uintptr_t) row(t);
        for (uintptr_t l = r & ~(uintptr_t) 63; l < r + (uintptr_t) bytes; l += 64) MFREC_PREFETCH(l);
    }
    float bias(int64_t t) const { return row(t)[0]; }
    MFREC_INLINE vf load(int64_t t, int q) const {
        const float * src = row(t) + 1 + q * W;
        return q < full ? vloadu(src) : (q == full && rest ? vload_tail(src, rest) : vzero());
    }
};

#if MFREC_HALF
// half rows q at hbase + idx[t]·hstride (zero padded past k), biases apart
struct half_source {
    const uint16_t * hbase;
    int64_t hstride;
    const float * biases;
    const int32_t * idx;
    int64_t bytes;
    const uint16_t * row(int64_t t) const { return hbase + (int64_t) idx[t] * hstride; }
    void prefetch(int64_t t) const {
        uintptr_t r = (uintptr_t) row(t);
        for (uintptr_t l = r; l < r + (uintptr_t) bytes; l += 64) MFREC_PREFETCH(l);
        if (biases) MFREC_PREFETCH(biases + idx[t]);
    }
    float bias(int64_t t) const {
        if (biases) return biases[idx[t]];
        float b;  // inline: the row's last two halves
        std::memcpy(&b, row(t) + hstride - 2, sizeof(float));
        return b;
    }
    MFREC_INLINE vf load(int64_t t, int q) const { return vload_half(row(t) + q * W); }
};
#endif

// The sums are taken four rows at a time: each accumulator in memory is then read and written
// once per four rows, not per row (a per-row load-FMA-store chain would bound the loop). NVC:
// kp / W when known at compile time (0: nv), FULL: m = 4.
struct pack_sums {
    float * b0;
    float * bq;
    float * cs;
    float * dg;
    const float * x;
    float x0;
    float * r0;
    float * rq;
};

template <int NVC, bool FULL, class Source>
MFREC_INLINE void pack4(const Source & src, bool prefetch, const float * val, int64_t t0, int m_rt, int64_t T, float mu,
                        bool given, int nv_rt, int kp, float * Z, float * tgt, const pack_sums & a, float & sb,
                        float & sr) {
    constexpr int64_t ahead = 16;  // rows prefetched ahead (random rows of the other side)
    const int nv = NVC ? NVC : nv_rt;
    const int m = FULL ? 4 : m_rt;
    float tt[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    for (int r = 0; r < m; ++r) {  // copy the rows, form the targets
        const int64_t t = t0 + r;
        if (prefetch && t + ahead < T) src.prefetch(t + ahead);
        float * z = Z + t * kp;
        tt[r] = given ? val[t] : val[t] - mu - src.bias(t);
        tgt[t] = tt[r];
        sb += tt[r];
        for (int q = 0; q < nv; ++q) vstore(z + q * W, src.load(t, q));
    }
    const float * z = Z + t0 * kp;
    vf s4[4] = {vzero(), vzero(), vzero(), vzero()};
    for (int q = 0; q < nv; ++q) {  // column sums, z∘z, t z and the dots z_tᵀx of the 4 rows
        vf zr[4];
        for (int r = 0; r < 4; ++r) zr[r] = r < m ? vload(z + r * kp + q * W) : vzero();
        if (a.dg) {
            vf acc = vload(a.dg + q * W);
            for (int r = 0; r < 4; ++r) acc = vfma(zr[r], zr[r], acc);
            vstore(a.dg + q * W, acc);
        }
        if (a.bq) {
            vf acc = vload(a.bq + q * W);
            for (int r = 0; r < 4; ++r) acc = vfma(zr[r], vset1(tt[r]), acc);
            vstore(a.bq + q * W, acc);
        }
        if (a.cs) vstore(a.cs + q * W, vadd(vadd(vadd(zr[0], zr[1]), vadd(zr[2], zr[3])), vload(a.cs + q * W)));
        if (a.x) {
            vf xv = vload(a.x + q * W);
            for (int r = 0; r < 4; ++r) s4[r] = vfma(zr[r], xv, s4[r]);
        }
    }
    if (a.x) {  // the residual pass of CG while the rows are at hand: r += (t - [1, z]ᵀ[x0, x]) [1, z]
        float h[4];
        vhsum4(s4, h);
        vf ve[4];
        for (int r = 0; r < 4; ++r) {
            float e = r < m ? tt[r] - (a.x0 + h[r]) : 0.0f;
            if (r < m) tgt[t0 + r] = e;
            sr += e;
            ve[r] = vset1(e);
        }
        for (int q = 0; q < nv; ++q) {
            vf acc = vload(a.rq + q * W);
            for (int r = 0; r < m; ++r) acc = vfma(vload(z + r * kp + q * W), ve[r], acc);
            vstore(a.rq + q * W, acc);
        }
    }
}

template <int NVC, class Source>
void pack_all(const Source & src, bool prefetch, const float * val, int64_t T, float mu, bool given, int kp, float * Z,
              float * tgt, const pack_sums & a) {
    float sb = a.b0 ? *a.b0 : 0.0f;
    float sr = a.r0 ? *a.r0 : 0.0f;
    const int nv = kp / W;
    int64_t t0 = 0;
    for (; t0 + 4 <= T; t0 += 4) pack4<NVC, true>(src, prefetch, val, t0, 4, T, mu, given, nv, kp, Z, tgt, a, sb, sr);
    if (t0 < T) pack4<NVC, false>(src, prefetch, val, t0, (int) (T - t0), T, mu, given, nv, kp, Z, tgt, a, sb, sr);
    if (a.b0) *a.b0 = sb;
    if (a.r0) *a.r0 = sr;
}

template <class Source>
void pack_from(const Source & src, bool prefetch, const float * val, int64_t T, float mu, bool given, int kp, float * Z,
               float * tgt, const pack_sums & a) {
    switch (kp / W) {  // the common widths with the vector loops unrolled
        case 1:
            return pack_all<1>(src, prefetch, val, T, mu, given, kp, Z, tgt, a);
        case 2:
            return pack_all<2>(src, prefetch, val, T, mu, given, kp, Z, tgt, a);
        case 3:
            return pack_all<3>(src, prefetch, val, T, mu, given, kp, Z, tgt, a);
        case 4:
            return pack_all<4>(src, prefetch, val, T, mu, given, kp, Z, tgt, a);
        case 8:
            return pack_all<8>(src, prefetch, val, T, mu, given, kp, Z, tgt, a);
        default:
            return pack_all<0>(src, prefetch, val, T, mu, given, kp, Z, tgt, a);
    }
}

}  // namespace

void pack_rows(const float * base, int64_t stride, const int32_t * idx, const float * val, int64_t T, float mu,
               bool given, int k, int kp, float * Z, float * tgt, float * b0, float * bq, float * cs, float * dg,
               const float * x, float x0, float * r0, float * rq) {
    const float_source src{base, stride, idx, k / W, k - k / W * W, (int64_t) (k + 1) * (int64_t) sizeof(float)};
    pack_from(src, idx != nullptr, val, T, mu, given, kp, Z, tgt, pack_sums{b0, bq, cs, dg, x, x0, r0, rq});
}

bool half_supported() {
    return MFREC_HALF != 0;
}

int64_t half_stride(int k) {
    return ((int64_t) k + 31) / 32 * 32;
}

#if MFREC_HALF
void pack_rows_half(const uint16_t * hbase, int64_t hstride, const float * bias, const int32_t * idx, const float * val,
                    int64_t T, float mu, int k, int kp, float * Z, float * tgt, float * b0, float * bq, float * cs,
                    float * dg, const float * x, float x0, float * r0, float * rq) {
    const half_source src{hbase, hstride, bias, idx, (int64_t) k * (int64_t) sizeof(uint16_t)};
    pack_from(src, true, val, T, mu, false, kp, Z, tgt, pack_sums{b0, bq, cs, dg, x, x0, r0, rq});
}

void half_fill(const float * src, int dim, int64_t r0, int64_t r1, uint16_t * dst, float * bias, bool inline_bias) {
    const int k = dim - 1;
    const int64_t hs = half_stride(k);
    for (int64_t r = r0; r < r1; ++r) {
        const float * row = src + r * dim;
        uint16_t * out = dst + r * hs;
        bias[r] = row[0];
        int c = 0;
        for (; c + 8 <= k; c += 8)
            _mm_storeu_si128((__m128i *) (out + c),
                             _mm256_cvtps_ph(_mm256_loadu_ps(row + 1 + c), _MM_FROUND_TO_NEAREST_INT));
        for (; c < k; ++c) out[c] = (uint16_t) _cvtss_sh(row[1 + c], _MM_FROUND_TO_NEAREST_INT);
        for (; c < hs; ++c) out[c] = 0;
        if (inline_bias) std::memcpy(out + hs - 2, row, sizeof(float));
    }
}
#else
void pack_rows_half(const uint16_t *, int64_t, const float *, const int32_t *, const float *, int64_t, float, int, int,
                    float *, float *, float *, float *, float *, float *, const float *, float, float *, float *) {
    std::abort();  // never selected: half_supported() is false in this build
}

void half_fill(const float *, int, int64_t, int64_t, uint16_t *, float *, bool) {
    std::abort();
}
#endif

// ---- A (dp x dp, column-major, lower) = Σ_t z_t z_tᵀ over T packed rows (first: overwrite,
// else add). Columns [0, d) are formed; rows from the diagonal's vector block down to dp.
void gram_accum(const float * Z, int64_t T, int d, int dp, float * A, bool first, const ::mf::kern::prefetch_plan * pf,
                uintptr_t * lines) {
    int64_t tiles = 0, nl = 0;
    if (pf && pf->idx) {
        for (int j0 = 0; j0 < d; j0 += NR) tiles += ((dp - j0 / W * W) / W + 2) / 3;
        const uintptr_t bytes = (uintptr_t) pf->dim * sizeof(float);
        for (int64_t e = 0; e < pf->count; ++e) {
            uintptr_t row = (uintptr_t) (pf->base + (int64_t) pf->idx[e] * pf->stride);
            for (uintptr_t l = row & ~(uintptr_t) 63; l < row + bytes; l += 64) lines[nl++] = l;
        }
    }
    int64_t tile = 0;
    for (int j0 = 0; j0 < d; j0 += NR) {
        int i = j0 / W * W;
        int nv = (dp - i) / W;
        while (nv > 0) {
            const uintptr_t * pl = nullptr;
            int64_t npl = 0, gap = 1;
            if (nl > 0) {  // this tile's share of the lines, spread over its rows
                int64_t b = nl * tile / tiles, e = nl * (tile + 1) / tiles;
                pl = lines + b;
                npl = e - b;
                gap = npl > 0 ? (T / npl > 1 ? T / npl : 1) : 1;
                if (npl > T) npl = T;
                ++tile;
            }
            if (nv >= 3) {
                first ? gram_tile<3, 0>(Z, T, dp, i, j0, A, pl, npl, gap)
                      : gram_tile<3, 1>(Z, T, dp, i, j0, A, pl, npl, gap);
                nv -= 3;
                i += 3 * W;
            } else if (nv == 2) {
                first ? gram_tile<2, 0>(Z, T, dp, i, j0, A, pl, npl, gap)
                      : gram_tile<2, 1>(Z, T, dp, i, j0, A, pl, npl, gap);
                nv = 0;
            } else {
                first ? gram_tile<1, 0>(Z, T, dp, i, j0, A, pl, npl, gap)
                      : gram_tile<1, 1>(Z, T, dp, i, j0, A, pl, npl, gap);
                nv = 0;
            }
        }
    }
}

// ---- in-place Cholesky A = L Lᵀ of the leading d x d block (lower, ld dp; rows d..dp of
// the first d columns must be zero and stay zero). False when A is not positive definite.
// Blocked by panels of NR columns: a panel is first updated by all columns left of it with
// the Gram tile kernel (the columns of L play the packed rows: Σ_c L(i, c) L(j, c)), then
// factored column by column.
bool chol_factor(float * A, int d, int dp) {
    for (int j0 = 0; j0 < d; j0 += NR) {
        const int rs = j0 / W * W;
        if (j0 > 0) {
            int i = rs, nv = (dp - rs) / W;
            for (; nv >= 3; nv -= 3, i += 3 * W) gram_tile<3, 2>(A, j0, dp, i, j0, A, nullptr, 0, 1);
            if (nv == 2) gram_tile<2, 2>(A, j0, dp, i, j0, A, nullptr, 0, 1);
            if (nv == 1) gram_tile<1, 2>(A, j0, dp, i, j0, A, nullptr, 0, 1);
        }
        const int j1 = j0 + NR < d ? j0 + NR : d;
        for (int j = j0; j < j1; ++j) {
            float * cj = A + (int64_t) j * dp;
            for (int c = j0; c < j; ++c) {
                const float * cc = A + (int64_t) c * dp;
                vf l = vset1(cc[j]);
                for (int r = rs; r < dp; r += W) vstore(cj + r, vfnma(vload(cc + r), l, vload(cj + r)));
            }
            float a = cj[j];
            if (!(a > 0.0f)) return false;
            float l = std::sqrt(a);
            vf inv = vset1(1.0f / l);
            for (int r = rs; r < dp; r += W) vstore(cj + r, vmul(vload(cj + r), inv));
            cj[j] = l;
        }
    }
    return true;
}

// ---- x = (L Lᵀ)⁻¹ x for the factor of chol_factor (x dp wide; lanes d..dp stay as they are)
void chol_solve(const float * L, int d, int dp, float * x) {
    (void) dp;
    for (int j = 0; j < d; ++j) {  // L y = x, column by column
        const float * cj = L + (int64_t) j * dp;
        float y = x[j] / cj[j];
        x[j] = y;
        vf vy = vset1(y);
        int i = j + 1;
        for (; i + W <= d; i += W) vstoreu(x + i, vfnma(vloadu(cj + i), vy, vloadu(x + i)));
        if (i < d) vstore_tail(x + i, vfnma(vload_tail(cj + i, d - i), vy, vload_tail(x + i, d - i)), d - i);
    }
    for (int j = d - 1; j >= 0; --j) {  // Lᵀ x = y
        const float * cj = L + (int64_t) j * dp;
        vf s = vzero();
        int i = j + 1;
        for (; i + W <= d; i += W) s = vfma(vloadu(cj + i), vloadu(x + i), s);
        if (i < d) s = vfma(vload_tail(cj + i, d - i), vload_tail(x + i, d - i), s);
        x[j] = (x[j] - vhsum(s)) / cj[j];
    }
}

// ---- out += Σ_t c_t z_t over n packed rows, c_t = v0 + z_tᵀv (written to dots when non-null)
void zz_apply(const float * Z, int64_t n, int kp, float * dots, float v0, const float * v, float & out0, float * out,
              const ::mf::kern::prefetch_plan * pf) {
    constexpr int64_t block = 64;  // rows between two bursts of prefetches
    const int64_t blocks = (n + block - 1) / block;
    for (int64_t q = 0; q < blocks; ++q) {
        const int64_t b = q * block, m = n - b < block ? n - b : block;
        if (pf) ::mf::MFREC_GRAM_NS::prefetch_rows(*pf, pf->count * q / blocks, pf->count * (q + 1) / blocks);
        const float * zb = Z + b * kp;
        float * tb = dots ? dots + b : nullptr;
        switch (kp / W) {
            case 1:
                zz_apply_fixed<1>(zb, m, tb, v0, v, out0, out);
                break;
            case 2:
                zz_apply_fixed<2>(zb, m, tb, v0, v, out0, out);
                break;
            case 3:
                zz_apply_fixed<3>(zb, m, tb, v0, v, out0, out);
                break;
            case 4:
                zz_apply_fixed<4>(zb, m, tb, v0, v, out0, out);
                break;
            case 5:
                zz_apply_fixed<5>(zb, m, tb, v0, v, out0, out);
                break;
            case 6:
                zz_apply_fixed<6>(zb, m, tb, v0, v, out0, out);
                break;
            case 7:
                zz_apply_fixed<7>(zb, m, tb, v0, v, out0, out);
                break;
            case 8:
                zz_apply_fixed<8>(zb, m, tb, v0, v, out0, out);
                break;
#if MFREC_ISA != 1
            case 9:
                zz_apply_fixed<9>(zb, m, tb, v0, v, out0, out);
                break;
            case 10:
                zz_apply_fixed<10>(zb, m, tb, v0, v, out0, out);
                break;
            case 11:
                zz_apply_fixed<11>(zb, m, tb, v0, v, out0, out);
                break;
            case 12:
                zz_apply_fixed<12>(zb, m, tb, v0, v, out0, out);
                break;
#endif
            default:
                zz_apply_any(zb, m, kp, tb, v0, v, out0, out);
                break;
        }
    }
}

// ---- aᵀb over dp (multiple of W) aligned lanes
float dot_padded(const float * a, const float * b, int dp) {
    return dot_aligned(a, b, dp);
}

// ---- aᵀb over n lanes, any alignment
namespace {
MFREC_INLINE float dot_any_inline(const float * a, const float * b, int n) {
    vf s0 = vzero(), s1 = vzero();
    int q = 0;
    for (; q + 2 * W <= n; q += 2 * W) {
        s0 = vfma(vloadu(a + q), vloadu(b + q), s0);
        s1 = vfma(vloadu(a + q + W), vloadu(b + q + W), s1);
    }
    if (q + W <= n) {
        s0 = vfma(vloadu(a + q), vloadu(b + q), s0);
        q += W;
    }
    if (q < n) s1 = vfma(vload_tail(a + q, n - q), vload_tail(b + q, n - q), s1);
    return vhsum(vadd(s0, s1));
}
}  // namespace

float dot_any(const float * a, const float * b, int n) {
    return dot_any_inline(a, b, n);
}

// ---- y += c x over dp aligned lanes
void axpy_padded(float c, const float * x, float * y, int dp) {
    vf vc = vset1(c);
    for (int q = 0; q < dp; q += W) vstore(y + q, vfma(vload(x + q), vc, vload(y + q)));
}

// ---- out = Σ_e val[e] x_(idx[e]) over n rows of x (dp aligned floats each, stride dp): a
// sparse row times a dense matrix (the side-information products of the Bayesian sampler)
namespace {
template <int NV>
MFREC_INLINE void spmm_block(const int32_t * idx, const float * val, int64_t n, const float * x, int dp, int q0,
                             float * out) {
    constexpr int64_t ahead = 8;
    const int lines = (dp * (int) sizeof(float) + 63) / 64;
    vf acc[NV];
    for (int v = 0; v < NV; ++v) acc[v] = vzero();
    for (int64_t e = 0; e < n; ++e) {
        if (q0 == 0 && e + ahead < n) {
            const char * pf = (const char *) (x + (int64_t) idx[e + ahead] * dp);
            for (int l = 0; l < lines; ++l) MFREC_PREFETCH(pf + 64 * l);
        }
        const float * xr = x + (int64_t) idx[e] * dp + q0;
        const vf c = vset1(val[e]);
        for (int v = 0; v < NV; ++v) acc[v] = vfma(vload(xr + v * W), c, acc[v]);
    }
    for (int v = 0; v < NV; ++v) vstore(out + q0 + v * W, acc[v]);
}
}  // namespace

void spmm_row(const int32_t * idx, const float * val, int64_t n, const float * x, int dp, float * out) {
    for (int q0 = 0; q0 < dp;) {
        const int nv = (dp - q0) / W;
        switch (nv >= 8 ? 8 : nv) {
            case 1:
                spmm_block<1>(idx, val, n, x, dp, q0, out);
                break;
            case 2:
                spmm_block<2>(idx, val, n, x, dp, q0, out);
                break;
            case 3:
                spmm_block<3>(idx, val, n, x, dp, q0, out);
                break;
            case 4:
                spmm_block<4>(idx, val, n, x, dp, q0, out);
                break;
            case 5:
                spmm_block<5>(idx, val, n, x, dp, q0, out);
                break;
            case 6:
                spmm_block<6>(idx, val, n, x, dp, q0, out);
                break;
            case 7:
                spmm_block<7>(idx, val, n, x, dp, q0, out);
                break;
            default:
                spmm_block<8>(idx, val, n, x, dp, q0, out);
                break;
        }
        q0 += (nv >= 8 ? 8 : nv) * W;
    }
}

// ---- the RMSE passes: r̂ = mu + a[0] + b[0] + a[1..)ᵀb[1..), clamped to the scale [lo, hi]
namespace {
MFREC_INLINE float predict_clamped(const float * a, const float * b, int dim, float mu, float lo, float hi) {
    float s = mu;
    s += a[0];
    s += b[0];
    if (dim > 1) s += dot_any_inline(a + 1, b + 1, dim - 1);
    return s < lo ? lo : (s > hi ? hi : s);
}
}  // namespace

double sse_row(const float * a, const float * base, int dim, const int32_t * idx, const float * val, int64_t n,
               float mu, float lo, float hi) {
    constexpr int64_t ahead = 8;
    const int lines = (dim * (int) sizeof(float) + 63) / 64 + 1;
    double s = 0.0;
    for (int64_t e = 0; e < n; ++e) {
        if (e + ahead < n) {
            const char * pf = (const char *) (base + (int64_t) idx[e + ahead] * dim);
            for (int l = 0; l < lines; ++l) MFREC_PREFETCH(pf + 64 * l);
        }
        double err = (double) val[e] - (double) predict_clamped(a, base + (int64_t) idx[e] * dim, dim, mu, lo, hi);
        s += err * err;
    }
    return s;
}

double sse_packed(const float * Z, int64_t n, int kp, const float * tgt, const float * val, float x0, const float * x,
                  float lo, float hi) {
    // four rows per horizontal reduction; r̂_t = val_t - (t_t - x0 - z_tᵀx), clamped
    double s = 0.0;
    const int nv = kp / W;
    int64_t t = 0;
    for (; t + 4 <= n; t += 4) {
        const float * z = Z + t * kp;
        vf s4[4] = {vzero(), vzero(), vzero(), vzero()};
        for (int q = 0; q < nv; ++q) {
            vf xv = vload(x + q * W);
            for (int r = 0; r < 4; ++r) s4[r] = vfma(vload(z + r * kp + q * W), xv, s4[r]);
        }
        float h[4];
        vhsum4(s4, h);
        float part = 0.0f;
        for (int r = 0; r < 4; ++r) {
            float pred = val[t + r] - (tgt[t + r] - (x0 + h[r]));
            pred = pred < lo ? lo : (pred > hi ? hi : pred);
            float err = val[t + r] - pred;
            part += err * err;
        }
        s += (double) part;
    }
    for (; t < n; ++t) {
        float e = tgt[t] - (x0 + dot_aligned(Z + t * kp, x, kp));
        float pred = val[t] - e;
        pred = pred < lo ? lo : (pred > hi ? hi : pred);
        double err = (double) val[t] - (double) pred;
        s += err * err;
    }
    return s;
}

void sse_pairs(const float * U, const float * I, int dim, const int32_t * u, const int32_t * i, const float * r,
               int64_t n, float mu, float lo, float hi, double & se, double & ae) {
    constexpr int64_t ahead = 8;
    const int lines = (dim * (int) sizeof(float) + 63) / 64 + 1;
    double s = 0.0, a = 0.0;
    for (int64_t e = 0; e < n; ++e) {
        if (e + ahead < n) {
            const char * pu = (const char *) (U + (int64_t) (u[e + ahead] < 0 ? 0 : u[e + ahead]) * dim);
            const char * pi = (const char *) (I + (int64_t) i[e + ahead] * dim);
            for (int l = 0; l < lines; ++l) {
                MFREC_PREFETCH(pu + 64 * l);
                MFREC_PREFETCH(pi + 64 * l);
            }
        }
        float pred;
        if (u[e] >= 0) {
            pred = predict_clamped(U + (int64_t) u[e] * dim, I + (int64_t) i[e] * dim, dim, mu, lo, hi);
        } else {  // a user the model does not know: μ + b_i
            float s0 = mu + I[(int64_t) i[e] * dim];
            pred = s0 < lo ? lo : (s0 > hi ? hi : s0);
        }
        double err = (double) r[e] - (double) pred;
        s += err * err;
        a += std::fabs(err);
    }
    se = s;
    ae = a;
}

// ---- this file's kernels as one set (MFREC_GRAM_PATH: the run-time path it belongs to)
const ::mf::kern::kernel_set & kernel_table() {
    static const ::mf::kern::kernel_set set{W,           padded,         pack_rows,      pack_rows_half, gram_accum,
                                            chol_factor, chol_solve,     zz_apply,       dot_padded,     axpy_padded,
                                            sse_packed,  half_supported, half_fill,      dot_any,        sse_row,
                                            sse_pairs,   spmm_row,       MFREC_GRAM_PATH};
    return set;
}

}  // namespace MFREC_GRAM_NS
}  // namespace mf

#undef MFREC_ISA
#undef MFREC_HALF
#undef MFREC_PREFETCH
#undef MFREC_PREFETCH_L2
#undef MFREC_INLINE
