// gram.h - the vector kernels of the ALS row solve: packing partner rows, the lower-triangle
// Gram matrix, a small Cholesky, the implicit ZᵀZ product of conjugate gradient, and the
// prediction loops of the RMSE passes. gram_impl.h has the code and the layout it assumes.
//
// Every kernel exists once per instruction set (cpu.h): the functions below forward to the set
// chosen at run time (the best the CPU runs, or MFREC_ISA), kernels_for(k) hands out that set.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>

#include "cpu.h"

namespace mf {

// A buffer of T aligned to 64 bytes, grown on demand (contents are not kept when it grows).
template <typename T>
class aligned_array {
public:
    T * data() { return p_.get(); }
    const T * data() const { return p_.get(); }
    size_t size() const { return n_; }
    void reserve_at_least(size_t n) {
        if (n <= n_) return;
        size_t bytes = (n * sizeof(T) + 63) / 64 * 64;
        p_.reset(static_cast<T *>(std::aligned_alloc(64, bytes)));
        if (!p_) throw std::bad_alloc();
        n_ = n;
    }

private:
    struct freer {
        void operator()(T * p) const { std::free(p); }
    };
    std::unique_ptr<T, freer> p_;
    size_t n_ = 0;
};
using aligned_floats = aligned_array<float>;

namespace kern {

// Partner rows to bring into L2 while a kernel computes (the next block, or the next row's
// first rows): base + idx[e]·stride for e < count, `dim` floats each. Random rows of the other
// side are the memory-bound part of a row solve; fetching them during the arithmetic of the
// previous block hides most of it.
struct prefetch_plan {
    const float * base = nullptr;
    int64_t stride = 0;
    const int32_t * idx = nullptr;
    int64_t count = 0;
    int dim = 0;
    prefetch_plan part(int64_t q, int64_t parts) const {  // the q-th of `parts` equal pieces
        prefetch_plan p = *this;
        int64_t b = count * q / parts, e = count * (q + 1) / parts;
        p.idx = idx ? idx + b : nullptr;
        p.count = idx ? e - b : 0;
        return p;
    }
};
void prefetch_rows(const prefetch_plan & p, int64_t from, int64_t to);

int lanes();        // floats per vector register of the running path
int padded(int d);  // d rounded up to a multiple of lanes()

// Asks the OS to back [p, p + bytes) with huge pages (Linux: madvise; elsewhere nothing). Random
// rows of a large factor matrix otherwise miss the TLB on almost every access.
void prefer_huge_pages(void * p, size_t bytes);

// Half-precision partner rows (the AVX2 and AVX-512 paths, by F16C): the q part of each row of the other side
// as IEEE half floats, half_stride(k) per row (whole 64-byte lines), the biases apart. A random
// row is then one cache line at k <= 32 and two at k = 64 instead of two-three and five: the
// gather of those rows is what bounds a CG half-step. Half keeps 11 significant bits (relative
// error <= 2^-11 per entry), far below what the factors' own estimation error is.
bool half_supported();
int64_t half_stride(int k);  // halves per row: k rounded up to a multiple of 32
// rows [r0, r1) of src (rows of dim = k+1 floats, [b, q]): q to dst (round to nearest, zero
// padded to half_stride(k)), b to bias, and with inline_bias also (as a float) into the row's
// last two halves: a row's bias then comes with its line (k ≤ 24: rows of one line)
void half_fill(const float * src, int dim, int64_t r0, int64_t r1, uint16_t * dst, float * bias, bool inline_bias);

// Z rows [q_t, 0…] (kp wide), targets (residuals when x is given), and the sums of the bias
// dimension (see gram_impl.h).
void pack_rows(const float * base, int64_t stride, const int32_t * idx, const float * val, int64_t T, float mu,
               bool given, int k, int kp, float * Z, float * tgt, float * b0, float * bq, float * cs, float * dg,
               const float * x = nullptr, float x0 = 0.0f, float * r0 = nullptr, float * rq = nullptr);
// The same from half-precision rows: q_t = hbase + idx[t]·hstride, b_t = bias[idx[t]] (bias
// null: the float in the row's last two halves, see half_fill).
void pack_rows_half(const uint16_t * hbase, int64_t hstride, const float * bias, const int32_t * idx, const float * val,
                    int64_t T, float mu, int k, int kp, float * Z, float * tgt, float * b0, float * bq, float * cs,
                    float * dg, const float * x = nullptr, float x0 = 0.0f, float * r0 = nullptr, float * rq = nullptr);
// A (kp x kp, column-major, lower) = (first ? 0 : A) + Σ_t z_t z_tᵀ over T packed rows.
void gram_accum(const float * Z, int64_t T, int d, int dp, float * A, bool first, const prefetch_plan * pf = nullptr,
                uintptr_t * lines = nullptr);
bool chol_factor(float * A, int d, int dp);
void chol_solve(const float * L, int d, int dp, float * x);
// out += Σ c_t z_t, out0 += Σ c_t; c_t = v0 + z_tᵀv, also written to dots[t] when non-null
void zz_apply(const float * Z, int64_t n, int kp, float * dots, float v0, const float * v, float & out0, float * out,
              const prefetch_plan * pf = nullptr);
float dot_padded(const float * a, const float * b, int dp);
float dot_any(const float * a, const float * b, int n);
void axpy_padded(float c, const float * x, float * y, int dp);

// The kernels above as a set, for one vector width: kernels_for(k) picks the fastest set of
// this build for k factors (an AVX-512 build uses 8 lanes when 16 would pad k much further).
struct kernel_set {
    int lanes;
    int (*padded)(int);
    void (*pack_rows)(const float *, int64_t, const int32_t *, const float *, int64_t, float, bool, int, int, float *,
                      float *, float *, float *, float *, float *, const float *, float, float *, float *);
    // only where half_supported() (elsewhere it aborts)
    void (*pack_rows_half)(const uint16_t *, int64_t, const float *, const int32_t *, const float *, int64_t, float,
                           int, int, float *, float *, float *, float *, float *, float *, const float *, float,
                           float *, float *);
    void (*gram_accum)(const float *, int64_t, int, int, float *, bool, const prefetch_plan *, uintptr_t *);
    bool (*chol_factor)(float *, int, int);
    void (*chol_solve)(const float *, int, int, float *);
    void (*zz_apply)(const float *, int64_t, int, float *, float, const float *, float &, float *,
                     const prefetch_plan *);
    float (*dot_padded)(const float *, const float *, int);
    void (*axpy_padded)(float, const float *, float *, int);
    double (*sse_packed)(const float *, int64_t, int, const float *, const float *, float, const float *, float, float);
    bool (*half_supported)();
    void (*half_fill)(const float *, int, int64_t, int64_t, uint16_t *, float *, bool);
    float (*dot_any)(const float *, const float *, int);
    double (*sse_row)(const float *, const float *, int, const int32_t *, const float *, int64_t, float, float, float);
    void (*sse_pairs)(const float *, const float *, int, const int32_t *, const int32_t *, const float *, int64_t,
                      float, float, float, double &, double &);
    // out = Σ_e val[e] x_(idx[e]) (rows of x dp wide at stride dp, dp a multiple of lanes, aligned)
    void (*spmm_row)(const int32_t *, const float *, int64_t, const float *, int, float *);
    isa path;
};
const kernel_set & kernels_for(int k);

// The path that runs. Chosen on first use: MFREC_ISA from the environment (portable | avx2 |
// avx512 | auto) or else the best the CPU runs; std::runtime_error when MFREC_ISA names
// something unknown or a path this CPU (or binary) cannot run.
isa isa_active();
// Switches the path (tests, benchmarks; not while kernels run); the same errors.
void isa_select(isa i);
// Reads MFREC_ISA now (the CLI calls it first, to fail before any work).
void isa_select_from_env();
// The set of path i for k factors whether or not it runs here (tests compare the paths); null
// when the binary does not have it.
const kernel_set * kernels_of(isa i, int k);

// r̂ = mu + a[0] + b[0] + a[1..dim)ᵀb[1..dim), clamped to the rating scale [lo, hi] (exactly
// model::predict).
// Σ (val_e - r̂(a, base + idx[e]·dim))² over n ratings of one row.
double sse_row(const float * a, const float * base, int dim, const int32_t * idx, const float * val, int64_t n,
               float mu, float lo, float hi);
// The same from packed rows: r̂_t = val_t - (t_t - x0 - z_tᵀx), clamped (x kp wide, aligned).
double sse_packed(const float * Z, int64_t n, int kp, const float * tgt, const float * val, float x0, const float * x,
                  float lo, float hi);
// Σ (r_e - r̂(U + u_e·dim, I + i_e·dim))² and Σ |…| over n (user, item, rating) triplets.
void sse_pairs(const float * U, const float * I, int dim, const int32_t * u, const int32_t * i, const float * r,
               int64_t n, float mu, float lo, float hi, double & se, double & ae);

}  // namespace kern
}  // namespace mf
