#include "solve.h"

#include <algorithm>
#include <cstring>

#include "parallel.h"

namespace mf {

namespace {

// Where the partner rows of one row come from: base + idx[e]·stride (idx null: base + e·stride).
// `given`: the rows already start with the 1 of the bias dimension and val holds the targets
// (row_gather's buffers); otherwise t_e = val_e - mu - row_e[0] and the 1 is put in on packing.
struct row_source {
    const float * base;
    int64_t stride;
    const int32_t * idx;
    const float * val;
    float mu;
    float lo, hi;  // the rating scale: the training error clamps r̂ to it
    bool given;
    const int32_t * next_idx;  // the next row's partners (prefetch hint), may be null
    int64_t next_n;
    const half_rows * half;  // may be null: gather from base

    const int32_t * idx_at(int64_t e) const { return idx ? idx + e : nullptr; }
    const float * base_at(int64_t e) const { return idx ? base : base + e * stride; }
    // the first `count` partner rows of the next row
    kern::prefetch_plan next_plan(int64_t count, int dim) const {
        kern::prefetch_plan p;
        p.base = base;
        p.stride = stride;
        p.idx = next_idx;
        p.count = next_idx ? std::min(count, next_n) : 0;
        p.dim = dim;
        if (half) {  // the plan only forms addresses: half rows as floats, half as many
            p.base = reinterpret_cast<const float *>(half->q.data());
            p.stride = half->stride / 2;
            p.dim = (half->k + 1) / 2;
        }
        return p;
    }
    // rows [e0, e0 + m) into Z / tgt (see kern::pack_rows for the sums)
    void pack(const kern::kernel_set & ks, int64_t e0, int64_t m, int k, int kp, float * Z, float * tgt, float * b0,
              float * bq, float * cs, float * dg, const float * x, float x0, float * r0, float * rq) const {
        if (half)
            ks.pack_rows_half(half->q.data(), half->stride, half->bias_inline ? nullptr : half->bias.data(), idx + e0,
                              val + e0, m, mu, k, kp, Z, tgt, b0, bq, cs, dg, x, x0, r0, rq);
        else
            ks.pack_rows(base_at(e0), stride, idx_at(e0), val + e0, m, mu, given, k, kp, Z, tgt, b0, bq, cs, dg, x, x0,
                         r0, rq);
    }
};

// Rows packed per block of the Cholesky path: a block of ~32 KB stays in L1/L2 while every Gram
// tile streams over it.
int64_t block_rows(int kp) {
    return std::max<int64_t>(32, 8192 / std::max(kp, 1));
}

// The vectors of one solve, kp wide each, carved out of the scratch.
struct row_vectors {
    float * v[10];
    row_vectors(row_scratch & s, int kp) {
        s.vec.reserve_at_least((size_t) kp * 10 + 16);
        for (int q = 0; q < 10; ++q) v[q] = s.vec.data() + (size_t) q * kp;
    }
};

void zero(float * p, int n) {
    std::memset(p, 0, sizeof(float) * (size_t) n);
}

// The right-hand side [r0, rq] = Zᵀt + D x̄ from the packed sums.
void rhs_finish(int k, const float * d, const float * prior, float & r0, float * rq) {
    if (!prior) return;
    r0 += d[0] * prior[0];
    for (int c = 0; c < k; ++c) rq[c] += d[1 + c] * prior[1 + c];
}

// Exact solve through A = ZᵀZ + D, formed block by block as the k x k Gram of the q parts plus
// the sums of the bias dimension; the bias is eliminated first (it is the first step of a
// Cholesky of the (k+1)² system):  S = Q + D_q - s sᵀ / a,  a = n + d_0,  s = Σ q_t.
// keep_all: pack every row of the row into the buffer (not one block over the other), so that
// the training error can be taken from it afterwards.
bool solve_normal(const kern::kernel_set & ks, const row_source & in, int64_t n, int k, int kp, const float * d,
                  const float * prior, row_scratch & s, float * x_out, bool keep_all) {
    const int64_t T = block_rows(kp);
    const int64_t rows = keep_all ? n : std::min(n, T);
    s.zp.reserve_at_least((size_t) (rows * kp));
    s.tp.reserve_at_least((size_t) rows);
    s.sys.reserve_at_least((size_t) kp * kp);
    row_vectors rv(s, kp);
    float * A = s.sys.data();
    float * rq = rv.v[0];
    float * cs = rv.v[1];
    zero(rq, kp);
    zero(cs, kp);
    float r0 = 0.0f;
    for (int64_t e0 = 0; e0 < n; e0 += T) {
        int64_t m = std::min(T, n - e0);
        float * Z = s.zp.data() + (keep_all ? e0 * kp : 0);
        in.pack(ks, e0, m, k, kp, Z, s.tp.data() + (keep_all ? e0 : 0), &r0, rq, cs, nullptr, nullptr, 0.0f, nullptr,
                nullptr);
        // while this block's Gram is formed, fetch the next block (or the next row's first)
        kern::prefetch_plan pf = in.next_plan(T, k + 1);
        if (e0 + T < n && in.idx) {
            pf.idx = in.idx + e0 + T;
            pf.count = std::min(T, n - e0 - T);
        }
        s.lines.resize((size_t) (pf.count * ((k + 1) * 4 / 64 + 2)));
        ks.gram_accum(Z, m, k, kp, A, e0 == 0, &pf, s.lines.data());
    }
    rhs_finish(k, d, prior, r0, rq);
    const float a = (float) n + d[0];
    const float inv = 1.0f / a;
    const int W = ks.lanes;
    for (int j = 0; j < k; ++j) {  // S = A + D_q - s sᵀ/a (lower, from the diagonal's vector block)
        float * col = A + (int64_t) j * kp;
        col[j] += d[1 + j];
        int r = j / W * W;
        ks.axpy_padded(-cs[j] * inv, cs + r, col + r, kp - r);
    }
    const float r0a = r0 * inv;
    for (int c = 0; c < k; ++c) rq[c] -= cs[c] * r0a;
    if (!ks.chol_factor(A, k, kp)) return false;
    ks.chol_solve(A, k, kp, rq);
    x_out[0] = (r0 - ks.dot_padded(cs, rq, kp)) / a;
    std::memcpy(x_out + 1, rq, sizeof(float) * (size_t) k);
    return true;
}

// A row with n < (k+1)/2 ratings: the Woodbury identity solves the same system through an
// n x n one,  A⁻¹ = D⁻¹ - D⁻¹Zᵀ (I + Z D⁻¹ Zᵀ)⁻¹ Z D⁻¹,  O(n²k + n³) instead of O(nk² + k³).
bool solve_woodbury(const kern::kernel_set & ks, const row_source & in, int64_t n, int k, int kp, const float * d,
                    const float * prior, row_scratch & s, float * x_out) {
    s.zp.reserve_at_least((size_t) (n * kp));
    s.tp.reserve_at_least((size_t) n);
    row_vectors rv(s, kp);
    float *yq = rv.v[0], *sinv = rv.v[1], *tmp = rv.v[2], *u = rv.v[3];
    zero(yq, kp);
    float y0 = 0.0f;
    in.pack(ks, 0, n, k, kp, s.zp.data(), s.tp.data(), &y0, yq, nullptr, nullptr, nullptr, 0.0f, nullptr, nullptr);
    rhs_finish(k, d, prior, y0, yq);
    const float * Z = s.zp.data();
    const float s0 = 1.0f / d[0];
    for (int c = 0; c < kp; ++c) sinv[c] = c < k ? 1.0f / d[1 + c] : 0.0f;
    y0 *= s0;  // y = D⁻¹ b
    for (int c = 0; c < k; ++c) yq[c] *= sinv[c];
    const int nn = (int) n;
    const int np = ks.padded(nn);
    s.sys.reserve_at_least((size_t) np * np + np);
    float * K = s.sys.data();
    float * w = K + (size_t) np * np;
    zero(K, np * np);
    zero(w, np);
    const kern::prefetch_plan pf = in.next_plan(256, k + 1);
    for (int a = 0; a < nn; ++a) {  // K = I + Z D⁻¹ Zᵀ (lower), w = Z y
        kern::prefetch_rows(pf, pf.count * a / nn, pf.count * (a + 1) / nn);
        const float * za = Z + (int64_t) a * kp;
        for (int c = 0; c < kp; ++c) tmp[c] = za[c] * sinv[c];
        for (int r = a; r < nn; ++r) K[(int64_t) a * np + r] = s0 + ks.dot_padded(tmp, Z + (int64_t) r * kp, kp);
        K[(int64_t) a * np + a] += 1.0f;
        w[a] = y0 + ks.dot_padded(za, yq, kp);
    }
    if (!ks.chol_factor(K, nn, np)) return false;
    ks.chol_solve(K, nn, np, w);  // v = K⁻¹ w
    zero(u, kp);
    float u0 = 0.0f;
    for (int a = 0; a < nn; ++a) {
        u0 += w[a];
        ks.axpy_padded(w[a], Z + (int64_t) a * kp, u, kp);
    }
    x_out[0] = y0 - s0 * u0;  // x = y - D⁻¹ Zᵀ v
    for (int c = 0; c < k; ++c) x_out[1 + c] = yq[c] - sinv[c] * u[c];
    return true;
}

// The reference: Eigen's LDLT on the same system in double (used only if the float Cholesky
// breaks down).
void solve_fallback(const row_source & in, int64_t n, int dim, const float * d, const float * prior, float * x) {
    Eigen::MatrixXd A = Eigen::MatrixXd::Zero(dim, dim);
    Eigen::VectorXd b = Eigen::VectorXd::Zero(dim);
    Eigen::VectorXd z(dim);
    for (int64_t e = 0; e < n; ++e) {
        const float * row = in.base + (in.idx ? (int64_t) in.idx[e] : e) * in.stride;
        double t = in.given ? in.val[e] : (double) (in.val[e] - in.mu - row[0]);
        for (int c = 0; c < dim; ++c) z(c) = c == 0 ? 1.0 : row[c];
        A.selfadjointView<Eigen::Lower>().rankUpdate(z);
        b += t * z;
    }
    for (int c = 0; c < dim; ++c) {
        A(c, c) += d[c];
        if (prior) b(c) += (double) d[c] * prior[c];
    }
    Eigen::VectorXd sol = A.selfadjointView<Eigen::Lower>().ldlt().solve(b);
    for (int c = 0; c < dim; ++c) x[c] = (float) sol(c);
}

// Jacobi-preconditioned conjugate gradient on A x = b, A v = Zᵀ(Z v) + D v, from x_out.
// One pass over the packed rows per step (z_tᵀv and the update of Zᵀ(Zv) fused), plus one for
// the starting residual r = Zᵀ(t - Z x) - D (x - x̄). Vectors are [bias, q part].
// sse (may be null): receives Σ (r - r̂)² at the final x (r̂ clamped) without another pass over
// the rows: packing leaves the residuals e = t - Z̃x of the start in s.tp, and each step, which
// forms c = Z̃p anyway, updates them, e -= α c (Z̃ = [1, Z]).
void solve_cg(const kern::kernel_set & ks, const row_source & in, int64_t n, int k, int kp, const float * d,
              const float * prior, int steps, row_scratch & s, float * x_out, double * sse) {
    s.zp.reserve_at_least((size_t) (n * kp));
    s.tp.reserve_at_least((size_t) n);
    if (sse) s.dots.reserve_at_least((size_t) n);
    row_vectors rv(s, kp);
    float *x = rv.v[0], *r = rv.v[1], *p = rv.v[2], *ap = rv.v[3], *m = rv.v[4], *z = rv.v[5];
    zero(m, kp);
    zero(r, kp);
    float x0 = x_out[0];
    for (int c = 0; c < kp; ++c) x[c] = c < k ? x_out[1 + c] : 0.0f;
    // packing also makes m = diag(QᵀQ) and the starting residual r = Zᵀ(t - Z x)
    float r0 = 0.0f;
    in.pack(ks, 0, n, k, kp, s.zp.data(), s.tp.data(), nullptr, nullptr, nullptr, m, x, x0, &r0, r);
    const float * Z = s.zp.data();
    const float m0 = 1.0f / ((float) n + d[0]);  // the preconditioner's inverse
    for (int c = 0; c < kp; ++c) m[c] = c < k ? 1.0f / (m[c] + d[1 + c]) : 0.0f;
    // the next row's rows are fetched during this one's passes
    const kern::prefetch_plan pf = in.next_plan(4096, k + 1);
    r0 -= d[0] * (x0 - (prior ? prior[0] : 0.0f));
    float z0 = m0 * r0, p0 = z0;
    float rz = r0 * z0;
    for (int c = 0; c < k; ++c) {
        r[c] -= d[1 + c] * (x[c] - (prior ? prior[1 + c] : 0.0f));
        z[c] = m[c] * r[c];
        p[c] = z[c];
        rz += r[c] * z[c];
    }
    for (int c = k; c < kp; ++c) z[c] = p[c] = 0.0f;
    for (int it = 0; it < steps && rz > 0.0f; ++it) {
        float ap0 = d[0] * p0;
        for (int c = 0; c < kp; ++c) ap[c] = c < k ? d[1 + c] * p[c] : 0.0f;
        kern::prefetch_plan pfi = pf.part(it, steps);
        ks.zz_apply(Z, n, kp, sse ? s.dots.data() : nullptr, p0, p, ap0, ap, &pfi);
        float pap = p0 * ap0 + ks.dot_padded(p, ap, kp);
        if (!(pap > 0.0f)) break;
        float alpha = rz / pap;
        if (sse) {
            float * e = s.tp.data();
            const float * c = s.dots.data();
            for (int64_t t = 0; t < n; ++t) e[t] -= alpha * c[t];
        }
        x0 += alpha * p0;
        r0 -= alpha * ap0;
        z0 = m0 * r0;
        float rz_new = r0 * z0;
        for (int c = 0; c < k; ++c) {
            x[c] += alpha * p[c];
            r[c] -= alpha * ap[c];
            z[c] = m[c] * r[c];
            rz_new += r[c] * z[c];
        }
        float beta = rz_new / rz;
        p0 = z0 + beta * p0;
        for (int c = 0; c < k; ++c) p[c] = z[c] + beta * p[c];
        rz = rz_new;
    }
    x_out[0] = x0;
    std::memcpy(x_out + 1, x, sizeof(float) * (size_t) k);
    if (sse) {  // r̂ = r - e, clamped
        const float * e = s.tp.data();
        double sum = 0.0;
        for (int64_t t = 0; t < n; ++t) {
            float pred = in.val[t] - e[t];
            pred = pred < in.lo ? in.lo : (pred > in.hi ? in.hi : pred);
            float err = in.val[t] - pred;
            sum += (double) (err * err);
        }
        *sse = sum;
    }
}

// Conjugate gradient streams a row's packed partner rows (n·kp floats) once per step: past
// 1 MiB they come from beyond L2 each time, while the exact solve forms ZᵀZ block by block from
// L1. There the exact solve is taken when its Gram FLOPs, (k+1)(k+2) per rating, are at most
// twice those of the steps, 4(steps+1)·kp (the Gram kernel runs at about twice the rate of
// streamed steps): at k ≤ ~32 with 4 steps. Fewer FLOPs for the most popular movies, and exact.
bool cg_row_prefers_exact(int64_t n, int k, int kp, int steps) {
    const bool streamed = n * kp * (int64_t) sizeof(float) > ((int64_t) 1 << 20);
    return streamed && (int64_t) (k + 1) * (k + 2) <= 2 * 4 * (int64_t) (steps + 1) * kp;
}

// Σ (r - r̂)² over the row's ratings with the solved row x (r̂ clamped): from the packed rows
// when they are all still in the buffer, else from the partner rows again.
double row_sse(const kern::kernel_set & ks, const row_source & in, int64_t n, int dim, row_scratch & s, bool packed_all,
               const float * x) {
    const int k = dim - 1;
    if (k == 0 || !packed_all) return kern::sse_row(x, in.base, dim, in.idx, in.val, n, in.mu, in.lo, in.hi);
    const int kp = ks.padded(k);
    s.vec.reserve_at_least((size_t) kp * 11 + 16);
    float * xq = s.vec.data() + (size_t) kp * 10;
    for (int c = 0; c < kp; ++c) xq[c] = c < k ? x[1 + c] : 0.0f;
    return ks.sse_packed(s.zp.data(), n, kp, s.tp.data(), in.val, x[0], xq, in.lo, in.hi);
}

void solve_row(const row_source & in, int64_t n, int dim, const float * d, const float * prior, solver_kind solver,
               int steps, row_scratch & s, float * x_out, double * sse) {
    if (sse) *sse = 0.0;
    if (n <= 0) {  // D x = D x̄
        for (int c = 0; c < dim; ++c) x_out[c] = prior ? prior[c] : 0.0f;
        return;
    }
    const int k = dim - 1;
    if (k == 0) {  // biases only: (n + λ_b) b = Σ t + λ_b b̄
        float b0 = 0.0f;
        for (int64_t e = 0; e < n; ++e) {
            const float * row = in.base + (in.idx ? (int64_t) in.idx[e] : e) * in.stride;
            b0 += in.given ? in.val[e] : in.val[e] - in.mu - row[0];
        }
        if (prior) b0 += d[0] * prior[0];
        x_out[0] = b0 / ((float) n + d[0]);
        if (sse) *sse = row_sse(kern::kernels_for(0), in, n, dim, s, false, x_out);
        return;
    }
    const kern::kernel_set & ks = kern::kernels_for(k);
    const int kp = ks.padded(k);
    if (solver == solver_kind::cg && !cg_row_prefers_exact(n, k, kp, steps)) {
        solve_cg(ks, in, n, k, kp, d, prior, steps, s, x_out, sse);  // (the training error too)
        return;
    }
    bool woodbury = row_uses_woodbury(n, dim) && d[0] > 0.0f && d[1] > 0.0f;
    bool ok = woodbury ? solve_woodbury(ks, in, n, k, kp, d, prior, s, x_out)
                       : solve_normal(ks, in, n, k, kp, d, prior, s, x_out, sse != nullptr);
    bool packed_all = woodbury || sse != nullptr || n <= block_rows(kp);  // all n rows still in the pack buffer?
    if (!ok) {
        solve_fallback(in, n, dim, d, prior, x_out);
        packed_all = false;
    }
    if (sse) *sse = row_sse(ks, in, n, dim, s, packed_all, x_out);
}

}  // namespace

bool row_uses_woodbury(int64_t n, int32_t dim) {
    return n > 0 && 2 * n < dim;
}

bool half_rows_fill(const matrix_f & m, half_rows & h, int threads) {
    if (!kern::half_supported() || m.cols() < 2) return false;
    const int dim = (int) m.cols();
    h.k = dim - 1;
    h.stride = kern::half_stride(h.k);
    // room for the bias after the lanes the kernels read: then a row is all a rating needs
    h.bias_inline = kern::kernels_for(h.k).padded(h.k) + 2 <= h.stride;
    const int64_t n = m.rows();
    if (h.q.size() < (size_t) (n * h.stride)) {  // random rows: huge pages (advice before the first touch)
        h.q.reserve_at_least((size_t) (n * h.stride));
        kern::prefer_huge_pages(h.q.data(), sizeof(uint16_t) * h.q.size());
    }
    h.bias.resize((size_t) n);
    constexpr int64_t block = 4096;
    parallel_for((n + block - 1) / block, threads, 1, [] { return 0; },
                 [&](int, int64_t b) {
                     kern::half_fill(m.data(), dim, b * block, std::min(n, (b + 1) * block), h.q.data(), h.bias.data(),
                                     h.bias_inline);
                 });
    return true;
}

void row_gather(const matrix_f & other, const int32_t * idx, const float * val, int64_t n, float mu, row_scratch & s) {
    const int64_t dim = other.cols();
    if ((int64_t) s.z_buf.size() < n * dim) s.z_buf.resize((size_t) (n * dim));
    if ((int64_t) s.t_buf.size() < n) s.t_buf.resize((size_t) n);
    const float * src = other.data();
    for (int64_t t = 0; t < n; ++t) {
        const float * row = src + (int64_t) idx[t] * dim;
        float * z = s.z_buf.data() + t * dim;
        std::memcpy(z, row, sizeof(float) * (size_t) dim);
        s.t_buf[t] = val[t] - mu - row[0];  // t_j = r_j - μ - b_j
        z[0] = 1.0f;                        // z_j = [1, q_j]
    }
}

void row_reg(int32_t dim, int64_t n, float reg_bias, float reg, bool by_count, vector_f & d) {
    float scale = by_count ? (float) (n > 0 ? n : 1) : 1.0f;
    d.resize(dim);
    d.setConstant(reg * scale);
    d(0) = reg_bias * scale;
}

void row_solve(const float * other, int32_t dim, const int32_t * idx, const float * val, int64_t n, float mu,
               const float * d, const float * prior, solver_kind solver, int cg_steps, row_scratch & s, float * x_out,
               const int32_t * next_idx, int64_t next_n, double * sse, const half_rows * half, rating_scale scale) {
    row_source in{other,
                  dim,
                  idx,
                  val,
                  mu,
                  scale.min,
                  scale.max,
                  false,
                  next_idx,
                  next_n,
                  half && half->k == dim - 1 ? half : nullptr};
    solve_row(in, n, dim, d, prior, solver, cg_steps, s, x_out, sse);
}

void row_solve_cholesky(row_scratch & s, int64_t n, const vector_f & d, const float * prior, float * x_out) {
    const int32_t dim = (int32_t) d.size();
    row_source in{s.z_buf.data(), dim, nullptr, s.t_buf.data(), 0.0f, 0.0f, 0.0f, true, nullptr, 0, nullptr};
    solve_row(in, n, dim, d.data(), prior, solver_kind::cholesky, 0, s, x_out, nullptr);
}

void row_solve_cg(row_scratch & s, int64_t n, const vector_f & d, const float * prior, int steps, float * x_out) {
    const int32_t dim = (int32_t) d.size();
    row_source in{s.z_buf.data(), dim, nullptr, s.t_buf.data(), 0.0f, 0.0f, 0.0f, true, nullptr, 0, nullptr};
    solve_row(in, n, dim, d.data(), prior, solver_kind::cg, steps, s, x_out, nullptr);
}

}  // namespace mf
