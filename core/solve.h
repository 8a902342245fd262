// solve.h - the ridge solve of one ALS row, shared by training and fold-in.
//
// For one row with rated partners j (rows z_j = [1, q_j] of the other side, targets
// t_j = r_j - μ - b_j) the exact minimiser of Σ (t_j - z_jᵀx)² + (x - x̄)ᵀ D (x - x̄) is
//     x = A⁻¹ (Zᵀ t + D x̄),   A = ZᵀZ + D,   D = diag(λ_b, λ, …, λ)  (× n under ALS-WR).
#pragma once

#include "model.h"

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <vector>

namespace mf {

using matrix_cf = Eigen::MatrixXf;  // column-major, for the (k+1)² systems

// Per-thread buffers, grown on demand and reused across rows.
struct row_scratch {
    std::vector<float> z_buf;   // n x (k+1) gathered partner rows, row-major
    std::vector<float> t_buf;   // n targets
    matrix_cf a;                // (k+1)²
    vector_f b, x, r, p, ap;    // right-hand side, solution, CG vectors
    vector_f t_buf_tmp;         // n, CG: Z v
    vector_f d;                 // the diagonal of D
};

// Gathers the partner rows of one row: Z (n x (k+1)) with Z[:,0] = 1, t_j = r_j - μ - other(j,0).
void row_gather(const matrix_f & other, const int32_t * idx, const float * val, int64_t n, float mu,
                row_scratch & s);

// The diagonal of D for a row with n ratings.
void row_reg(int32_t dim, int64_t n, float reg_bias, float reg, bool by_count, vector_f & d);

// x = A⁻¹ (Zᵀt + D x̄) by Cholesky (prior may be null: x̄ = 0). Uses the gathered scratch.
void row_solve_cholesky(row_scratch & s, int64_t n, const vector_f & d, const float * prior, float * x_out);

// The same by `steps` conjugate-gradient iterations from the starting point x_out (warm start),
// with A applied implicitly as Zᵀ(Z v) + D v (no (k+1)² Gram matrix formed).
void row_solve_cg(row_scratch & s, int64_t n, const vector_f & d, const float * prior, int steps, float * x_out);

}  // namespace mf
