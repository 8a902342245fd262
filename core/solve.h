// solve.h - the ridge solve of one ALS row, shared by training and fold-in.
//
// For one row with rated partners j (rows z_j = [1, q_j] of the other side, targets
// t_j = r_j - μ - b_j) the exact minimiser of Σ (t_j - z_jᵀx)² + (x - x̄)ᵀ D (x - x̄) is
//     x = A⁻¹ (Zᵀ t + D x̄),   A = ZᵀZ + D,   D = diag(λ_b, λ, …, λ)  (× n under ALS-WR).
//
// row_solve reads the partner rows straight from the other side's matrix (one pointer per
// rating): they are packed a block at a time into an aligned buffer and the kernels of gram.h
// form the lower triangle of ZᵀZ from it (Cholesky), or apply ZᵀZ implicitly (CG).
#pragma once

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <vector>

#include "gram.h"
#include "model.h"

namespace mf {

using matrix_cf = Eigen::MatrixXf;  // column-major, for the (k+1)² systems

// Per-thread buffers, grown on demand and reused across rows.
struct row_scratch {
    std::vector<float> z_buf;  // n x (k+1) gathered partner rows, row-major (row_gather)
    std::vector<float> t_buf;  // n targets (row_gather)
    matrix_cf a;               // (k+1)², the fold-in system (infer.cpp)
    vector_f d;                // the diagonal of D
    // row_solve: packed rows, targets, the dp x dp system and dp-wide vectors (dp = padded k+1)
    aligned_floats zp, tp, sys, vec, dots;
    std::vector<uintptr_t> lines;  // cache lines to prefetch
};

// The other side's matrix as the half-steps gather it where kern::half_supported(): q rows in
// half precision (kern::half_stride(k) halves each, 64-byte aligned), the biases apart. Built
// once per half-step; empty (k < 0) where the build has no half conversions.
struct half_rows {
    int32_t k = -1;
    int64_t stride = 0;
    bool bias_inline = false;  // the biases also sit in each row's last two halves (kern::half_fill)
    aligned_array<uint16_t> q;
    std::vector<float> bias;
};
// Fills h from m (n x (k+1)); returns false (h untouched) when the build cannot.
bool half_rows_fill(const matrix_f & m, half_rows & h, int threads);

// Gathers the partner rows of one row: Z (n x (k+1)) with Z[:,0] = 1, t_j = r_j - μ - other(j,0).
void row_gather(const matrix_f & other, const int32_t * idx, const float * val, int64_t n, float mu, row_scratch & s);

// The diagonal of D for a row with n ratings.
void row_reg(int32_t dim, int64_t n, float reg_bias, float reg, bool by_count, vector_f & d);

// One row from the other side's rows directly: `other` is n_other x dim row-major, the row's
// ratings are (idx[e], val[e]) for e < n, d the diagonal of D, prior x̄ (null: 0). Cholesky:
// exact (Woodbury's n x n system when n is small). CG: `cg_steps` Jacobi-preconditioned steps
// from the starting point x_out (warm start), with A applied as Zᵀ(Z v) + D v.
// next_idx/next_n: the partner indices of the row this thread solves next (a hint: its rows
// are fetched into cache during this row's arithmetic; no effect on the result). sse (may be
// null): receives Σ (r - r̂)² over this row's ratings with the new row (r̂ clamped to `scale`),
// computed while the partner rows are still in cache (the training RMSE without another pass).
// half (may be null): `other` in half precision (half_rows_fill), gathered in its place; the
// solve then sees the rounded rows (the error term of the RMSE still uses `other`'s exact rows
// where it rereads them).
void row_solve(const float * other, int32_t dim, const int32_t * idx, const float * val, int64_t n, float mu,
               const float * d, const float * prior, solver_kind solver, int cg_steps, row_scratch & s, float * x_out,
               const int32_t * next_idx = nullptr, int64_t next_n = 0, double * sse = nullptr,
               const half_rows * half = nullptr, rating_scale scale = rating_scale());

// x = A⁻¹ (Zᵀt + D x̄) by Cholesky on the rows row_gather left in `s` (prior may be null:
// x̄ = 0); bit-identical to row_solve on the same ratings.
void row_solve_cholesky(row_scratch & s, int64_t n, const vector_f & d, const float * prior, float * x_out);

// The same by `steps` conjugate-gradient iterations from the starting point x_out (warm start).
void row_solve_cg(row_scratch & s, int64_t n, const vector_f & d, const float * prior, int steps, float * x_out);

// Rows with fewer ratings than this fraction of k+1 are solved through Woodbury's n x n system.
bool row_uses_woodbury(int64_t n, int32_t dim);

}  // namespace mf
