#include "solve.h"

#include <cstring>

namespace mf {

using row_map = Eigen::Map<const matrix_f>;

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

// A row with n < (k+1)/2 ratings: the Woodbury identity solves the same system through an
// n x n one,  A⁻¹ = D⁻¹ - D⁻¹Zᵀ (I + Z D⁻¹ Zᵀ)⁻¹ Z D⁻¹,  O(n²k + n³) instead of O(k³).
static void row_solve_woodbury(row_scratch & s, int64_t n, const vector_f & d, const float * prior, float * x_out) {
    const int64_t dim = d.size();
    row_map z(s.z_buf.data(), n, dim);
    Eigen::Map<const vector_f> t(s.t_buf.data(), n);
    s.b.noalias() = z.transpose() * t;
    if (prior) s.b += d.cwiseProduct(Eigen::Map<const vector_f>(prior, dim));
    s.p = d.cwiseInverse();                    // D⁻¹
    s.r = s.p.cwiseProduct(s.b);               // y = D⁻¹ b
    matrix_f zs = z * s.p.asDiagonal();        // Z D⁻¹
    s.a.setIdentity(n, n);
    s.a.noalias() += zs * z.transpose();       // K = I + Z D⁻¹ Zᵀ
    s.ap.noalias() = z * s.r;                  // w = Z y
    Eigen::LLT<matrix_cf, Eigen::Lower> llt(s.a);
    s.t_buf_tmp = llt.solve(s.ap);             // v = K⁻¹ w
    Eigen::Map<vector_f> x(x_out, dim);
    x = s.r;
    x.noalias() -= zs.transpose() * s.t_buf_tmp;  // x = y - D⁻¹ Zᵀ v
}

void row_solve_cholesky(row_scratch & s, int64_t n, const vector_f & d, const float * prior, float * x_out) {
    const int64_t dim = d.size();
    row_map z(s.z_buf.data(), n, dim);
    Eigen::Map<const vector_f> t(s.t_buf.data(), n);
    if (n > 0 && 2 * n < dim) {
        row_solve_woodbury(s, n, d, prior, x_out);
        return;
    }
    s.a.setZero(dim, dim);
    // A = ZᵀZ (lower triangle only: a symmetric rank-n update), + D
    if (n > 0) s.a.selfadjointView<Eigen::Lower>().rankUpdate(z.transpose());
    s.a.diagonal() += d;
    s.b.noalias() = z.transpose() * t;
    if (prior) s.b += d.cwiseProduct(Eigen::Map<const vector_f>(prior, dim));
    Eigen::LLT<matrix_cf, Eigen::Lower> llt(s.a);
    Eigen::Map<vector_f> x(x_out, dim);
    x = llt.solve(s.b);
}

void row_solve_cg(row_scratch & s, int64_t n, const vector_f & d, const float * prior, int steps, float * x_out) {
    const int64_t dim = d.size();
    row_map z(s.z_buf.data(), n, dim);
    Eigen::Map<const vector_f> t(s.t_buf.data(), n);
    Eigen::Map<vector_f> x(x_out, dim);
    // r = b - A x with b = Zᵀt + D x̄ and A v = Zᵀ(Z v) + D v
    s.b.noalias() = z.transpose() * t;
    if (prior) s.b += d.cwiseProduct(Eigen::Map<const vector_f>(prior, dim));
    s.t_buf_tmp.resize(n);
    s.t_buf_tmp.noalias() = z * x;
    s.r = s.b - d.cwiseProduct(x);
    s.r.noalias() -= z.transpose() * s.t_buf_tmp;
    s.p = s.r;
    float rr = s.r.squaredNorm();
    for (int it = 0; it < steps && rr > 1e-20f; ++it) {
        s.t_buf_tmp.noalias() = z * s.p;
        s.ap = d.cwiseProduct(s.p);
        s.ap.noalias() += z.transpose() * s.t_buf_tmp;
        float alpha = rr / s.p.dot(s.ap);
        x += alpha * s.p;
        s.r -= alpha * s.ap;
        float rr_new = s.r.squaredNorm();
        s.p = s.r + (rr_new / rr) * s.p;
        rr = rr_new;
    }
}

}  // namespace mf
