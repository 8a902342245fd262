// gram.cpp - the portable kernels (any x86-64, wasm, everything else) and the run-time choice
// of the kernel path: kern:: functions forward to the set of the path that runs (cpu.h).
#include "gram.h"

#include <atomic>
#include <cstdlib>
#include <stdexcept>
#include <string>

#define MFREC_GRAM_NS kern_portable
#define MFREC_GRAM_PATH ::mf::isa::portable
#define MFREC_GRAM_FORCE_PORTABLE
#include "gram_impl.h"
#undef MFREC_GRAM_FORCE_PORTABLE
#undef MFREC_GRAM_PATH
#undef MFREC_GRAM_NS

namespace mf {

#if defined(MFREC_KERNELS_X86)
// kernels_avx2.cpp, kernels_avx512.cpp (each compiled with its own -m flags)
namespace kern_avx2 {
const kern::kernel_set & kernel_table();
}
namespace kern_avx512 {
const kern::kernel_set & kernel_table();
}
namespace kern_avx512_8 {
const kern::kernel_set & kernel_table();
}
#endif

namespace kern {

namespace {

std::atomic<int> active_path{-1};  // an isa value once chosen

isa path_check(isa i) {
    if (!isa_compiled(i))
        throw std::runtime_error(std::string("kernel path '") + isa_name(i) + "' is not compiled into this binary");
    if (!isa_runs(i))
        throw std::runtime_error(std::string("kernel path '") + isa_name(i) + "' needs instructions this CPU lacks (" +
                                 "it has: " + cpu_features() + ")");
    return i;
}

isa path_from_env() {
    const char * env = std::getenv("MFREC_ISA");
    if (!env) return isa_best();
    isa i = isa::portable;
    bool is_auto = false;
    if (!isa_parse(env, i, is_auto))
        throw std::runtime_error(std::string("MFREC_ISA='") + env + "': expected portable, avx2, avx512 or auto");
    return is_auto ? isa_best() : path_check(i);
}

}  // namespace

isa isa_active() {
    int p = active_path.load(std::memory_order_relaxed);
    if (p < 0) {
        p = (int) path_from_env();
        active_path.store(p, std::memory_order_relaxed);
    }
    return (isa) p;
}

void isa_select(isa i) {
    active_path.store((int) path_check(i), std::memory_order_relaxed);
}

void isa_select_from_env() {
    active_path.store((int) path_from_env(), std::memory_order_relaxed);
}

const kernel_set * kernels_of(isa i, int k) {
    (void) k;  // (only the AVX-512 path has two widths)
    switch (i) {
        case isa::portable:
            return &kern_portable::kernel_table();
#if defined(MFREC_KERNELS_X86)
        case isa::avx2:
            return &kern_avx2::kernel_table();
        case isa::avx512: {
            // 8 lanes where 16 would pad a small k much further (k = 20: 24 floats, not 32)
            const kernel_set & wide = kern_avx512::kernel_table();
            const kernel_set & narrow = kern_avx512_8::kernel_table();
            return k < 96 && wide.padded(k) > narrow.padded(k) ? &narrow : &wide;
        }
#endif
        default:
            return nullptr;
    }
}

const kernel_set & kernels_for(int k) {
    return *kernels_of(isa_active(), k);
}

namespace {
// the path's widest set: for the functions whose lane count does not show in their results' layout
const kernel_set & wide() {
    return *kernels_of(isa_active(), 1 << 20);
}
}  // namespace

int lanes() {
    return wide().lanes;
}
int padded(int d) {
    return wide().padded(d);
}
bool half_supported() {
    return wide().half_supported();
}
int64_t half_stride(int k) {
    return kern_portable::half_stride(k);
}
void half_fill(const float * src, int dim, int64_t r0, int64_t r1, uint16_t * dst, float * bias, bool inline_bias) {
    wide().half_fill(src, dim, r0, r1, dst, bias, inline_bias);
}
void prefetch_rows(const prefetch_plan & p, int64_t from, int64_t to) {
    kern_portable::prefetch_rows(p, from, to);
}
void prefer_huge_pages(void * p, size_t bytes) {
    kern_portable::prefer_huge_pages(p, bytes);
}
void pack_rows(const float * base, int64_t stride, const int32_t * idx, const float * val, int64_t T, float mu,
               bool given, int k, int kp, float * Z, float * tgt, float * b0, float * bq, float * cs, float * dg,
               const float * x, float x0, float * r0, float * rq) {
    wide().pack_rows(base, stride, idx, val, T, mu, given, k, kp, Z, tgt, b0, bq, cs, dg, x, x0, r0, rq);
}
void pack_rows_half(const uint16_t * hbase, int64_t hstride, const float * bias, const int32_t * idx, const float * val,
                    int64_t T, float mu, int k, int kp, float * Z, float * tgt, float * b0, float * bq, float * cs,
                    float * dg, const float * x, float x0, float * r0, float * rq) {
    wide().pack_rows_half(hbase, hstride, bias, idx, val, T, mu, k, kp, Z, tgt, b0, bq, cs, dg, x, x0, r0, rq);
}
void gram_accum(const float * Z, int64_t T, int d, int dp, float * A, bool first, const prefetch_plan * pf,
                uintptr_t * lines) {
    wide().gram_accum(Z, T, d, dp, A, first, pf, lines);
}
bool chol_factor(float * A, int d, int dp) {
    return wide().chol_factor(A, d, dp);
}
void chol_solve(const float * L, int d, int dp, float * x) {
    wide().chol_solve(L, d, dp, x);
}
void zz_apply(const float * Z, int64_t n, int kp, float * dots, float v0, const float * v, float & out0, float * out,
              const prefetch_plan * pf) {
    wide().zz_apply(Z, n, kp, dots, v0, v, out0, out, pf);
}
float dot_padded(const float * a, const float * b, int dp) {
    return wide().dot_padded(a, b, dp);
}
float dot_any(const float * a, const float * b, int n) {
    return wide().dot_any(a, b, n);
}
void axpy_padded(float c, const float * x, float * y, int dp) {
    wide().axpy_padded(c, x, y, dp);
}
double sse_row(const float * a, const float * base, int dim, const int32_t * idx, const float * val, int64_t n,
               float mu, float lo, float hi) {
    return wide().sse_row(a, base, dim, idx, val, n, mu, lo, hi);
}
double sse_packed(const float * Z, int64_t n, int kp, const float * tgt, const float * val, float x0, const float * x,
                  float lo, float hi) {
    return wide().sse_packed(Z, n, kp, tgt, val, x0, x, lo, hi);
}
void sse_pairs(const float * U, const float * I, int dim, const int32_t * u, const int32_t * i, const float * r,
               int64_t n, float mu, float lo, float hi, double & se, double & ae) {
    wide().sse_pairs(U, I, dim, u, i, r, n, mu, lo, hi, se, ae);
}

}  // namespace kern
}  // namespace mf
