#include "solve.h"

#include <algorithm>
#include <cstring>

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
    bool given;

    const int32_t * idx_at(int64_t e) const { return idx ? idx + e : nullptr; }
    const float * base_at(int64_t e) const { return idx ? base : base + e * stride; }
};

// Rows packed per block of the Cholesky path: a block of ~32 KB stays in L1/L2 while every Gram
// tile streams over it.
int64_t block_rows(int dp) { return std::max<int64_t>(32, 8192 / dp); }

void pack_all(const row_source & in, int64_t n, int dim, int dp, row_scratch & s, float * b, float * dg) {
    s.zp.reserve_at_least((size_t) (n * dp));
    s.tp.reserve_at_least((size_t) n);
    kern::pack_rows(in.base, in.stride, in.idx, in.val, n, in.mu, in.given, dim, dp, s.zp.data(), s.tp.data(), b, dg);
}

// Exact solve through A = ZᵀZ + D formed block by block.
bool solve_normal(const row_source & in, int64_t n, int dim, int dp, const float * d, const float * prior,
                  row_scratch & s, float * b) {
    const int64_t T = block_rows(dp);
    s.zp.reserve_at_least((size_t) (T * dp));
    s.tp.reserve_at_least((size_t) T);
    s.sys.reserve_at_least((size_t) dp * dp);
    float * A = s.sys.data();
    for (int64_t e0 = 0; e0 < n; e0 += T) {
        int64_t m = std::min(T, n - e0);
        kern::pack_rows(in.base_at(e0), in.stride, in.idx_at(e0), in.val + e0, m, in.mu, in.given, dim, dp,
                        s.zp.data(), s.tp.data(), b, nullptr);
        kern::gram_accum(s.zp.data(), m, dim, dp, A, e0 == 0);
    }
    for (int c = 0; c < dim; ++c) {
        A[(int64_t) c * dp + c] += d[c];
        if (prior) b[c] += d[c] * prior[c];
    }
    if (!kern::chol_factor(A, dim, dp)) return false;
    kern::chol_solve(A, dim, dp, b);
    return true;
}

// A row with n < (k+1)/2 ratings: the Woodbury identity solves the same system through an
// n x n one,  A⁻¹ = D⁻¹ - D⁻¹Zᵀ (I + Z D⁻¹ Zᵀ)⁻¹ Z D⁻¹,  O(n²k + n³) instead of O(nk² + k³).
bool solve_woodbury(const row_source & in, int64_t n, int dim, int dp, const float * d, const float * prior,
                    row_scratch & s, float * b, float * tmp, float * sinv, float * u) {
    pack_all(in, n, dim, dp, s, b, nullptr);
    const float * Z = s.zp.data();
    for (int c = 0; c < dp; ++c) sinv[c] = c < dim ? 1.0f / d[c] : 0.0f;
    for (int c = 0; c < dim; ++c) {
        if (prior) b[c] += d[c] * prior[c];
        b[c] *= sinv[c];  // y = D⁻¹ b
    }
    const int nn = (int) n;
    const int np = kern::padded(nn);
    s.sys.reserve_at_least((size_t) np * np + np);
    float * K = s.sys.data();
    float * w = K + (size_t) np * np;
    std::memset(K, 0, sizeof(float) * (size_t) np * np);
    std::memset(w, 0, sizeof(float) * (size_t) np);
    for (int a = 0; a < nn; ++a) {  // K = I + Z D⁻¹ Zᵀ (lower), w = Z y
        const float * za = Z + (int64_t) a * dp;
        for (int c = 0; c < dp; ++c) tmp[c] = za[c] * sinv[c];
        for (int r = a; r < nn; ++r) K[(int64_t) a * np + r] = kern::dot_padded(tmp, Z + (int64_t) r * dp, dp);
        K[(int64_t) a * np + a] += 1.0f;
        w[a] = kern::dot_padded(za, b, dp);
    }
    if (!kern::chol_factor(K, nn, np)) return false;
    kern::chol_solve(K, nn, np, w);  // v = K⁻¹ w
    std::memset(u, 0, sizeof(float) * (size_t) dp);
    for (int a = 0; a < nn; ++a) kern::axpy_padded(w[a], Z + (int64_t) a * dp, u, dp);
    for (int c = 0; c < dim; ++c) b[c] -= sinv[c] * u[c];  // x = y - D⁻¹ Zᵀ v
    return true;
}

// The reference: Eigen's LDLT on the same system (used only if the float Cholesky breaks down).
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
// the starting residual r = Zᵀ(t - Z x) - D (x - x̄).
void solve_cg(const row_source & in, int64_t n, int dim, int dp, const float * d, const float * prior, int steps,
              row_scratch & s, float * v, float * x_out) {
    float * x = v, * r = v + dp, * p = v + 2 * dp, * ap = v + 3 * dp, * m = v + 4 * dp, * z = v + 5 * dp;
    std::memset(m, 0, sizeof(float) * (size_t) dp);
    pack_all(in, n, dim, dp, s, nullptr, m);  // m = diag(ZᵀZ)
    const float * Z = s.zp.data();
    const float * t = s.tp.data();
    for (int c = 0; c < dp; ++c) {
        x[c] = c < dim ? x_out[c] : 0.0f;
        m[c] = c < dim ? 1.0f / (m[c] + d[c]) : 0.0f;  // the preconditioner's inverse
        r[c] = 0.0f;
    }
    kern::zz_apply(Z, n, dp, t, x, r);
    float rz = 0.0f;
    for (int c = 0; c < dim; ++c) {
        r[c] -= d[c] * (x[c] - (prior ? prior[c] : 0.0f));
        z[c] = m[c] * r[c];
        p[c] = z[c];
        rz += r[c] * z[c];
    }
    for (int c = dim; c < dp; ++c) z[c] = p[c] = 0.0f;
    for (int it = 0; it < steps && rz > 0.0f; ++it) {
        for (int c = 0; c < dp; ++c) ap[c] = c < dim ? d[c] * p[c] : 0.0f;
        kern::zz_apply(Z, n, dp, nullptr, p, ap);
        float pap = kern::dot_padded(p, ap, dp);
        if (!(pap > 0.0f)) break;
        float alpha = rz / pap;
        float rz_new = 0.0f;
        for (int c = 0; c < dim; ++c) {
            x[c] += alpha * p[c];
            r[c] -= alpha * ap[c];
            z[c] = m[c] * r[c];
            rz_new += r[c] * z[c];
        }
        float beta = rz_new / rz;
        for (int c = 0; c < dim; ++c) p[c] = z[c] + beta * p[c];
        rz = rz_new;
    }
    std::memcpy(x_out, x, sizeof(float) * (size_t) dim);
}

void solve_row(const row_source & in, int64_t n, int dim, const float * d, const float * prior, solver_kind solver,
               int steps, row_scratch & s, float * x_out) {
    if (n <= 0) {  // D x = D x̄
        for (int c = 0; c < dim; ++c) x_out[c] = prior ? prior[c] : 0.0f;
        return;
    }
    const int dp = kern::padded(dim);
    s.vec.reserve_at_least((size_t) dp * 8);
    float * v = s.vec.data();
    if (solver == solver_kind::cg) {
        solve_cg(in, n, dim, dp, d, prior, steps, s, v, x_out);
        return;
    }
    float * b = v;
    std::memset(b, 0, sizeof(float) * (size_t) dp);
    bool ok = row_uses_woodbury(n, dim) ? solve_woodbury(in, n, dim, dp, d, prior, s, b, v + dp, v + 2 * dp, v + 3 * dp)
                                        : solve_normal(in, n, dim, dp, d, prior, s, b);
    if (ok) std::memcpy(x_out, b, sizeof(float) * (size_t) dim);
    else solve_fallback(in, n, dim, d, prior, x_out);
}

}  // namespace

bool row_uses_woodbury(int64_t n, int32_t dim) { return n > 0 && 2 * n < dim; }

void row_gather(const matrix_f & other, const int32_t * idx, const float * val, int64_t n, float mu,
                row_scratch & s) {
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
               const float * d, const float * prior, solver_kind solver, int cg_steps, row_scratch & s,
               float * x_out) {
    row_source in{other, dim, idx, val, mu, false};
    solve_row(in, n, dim, d, prior, solver, cg_steps, s, x_out);
}

void row_solve_cholesky(row_scratch & s, int64_t n, const vector_f & d, const float * prior, float * x_out) {
    const int32_t dim = (int32_t) d.size();
    row_source in{s.z_buf.data(), dim, nullptr, s.t_buf.data(), 0.0f, true};
    solve_row(in, n, dim, d.data(), prior, solver_kind::cholesky, 0, s, x_out);
}

void row_solve_cg(row_scratch & s, int64_t n, const vector_f & d, const float * prior, int steps, float * x_out) {
    const int32_t dim = (int32_t) d.size();
    row_source in{s.z_buf.data(), dim, nullptr, s.t_buf.data(), 0.0f, true};
    solve_row(in, n, dim, d.data(), prior, solver_kind::cg, steps, s, x_out);
}

}  // namespace mf
