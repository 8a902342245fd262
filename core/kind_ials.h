// kind_ials.h - implicit ALS (Hu, Koren, Volinsky 2008): `--model ials`, a ranking model.
//
// Every rating is an interaction: preference p_ui = 1 for the rated (u, i), 0 for every other
// cell, with confidence c_ui = 1 + α (confidence=binary) or 1 + α r_ui (confidence=rating).
// Minimises over ALL cells
//     Σ_{u,i} c_ui (p_ui - x_uᵀy_i)² + λ (Σ‖x_u‖² + Σ‖y_i‖²)
// by alternating half-steps. With the other side Y fixed, a row's normal equations are
//     (YᵀY + λI + Σ_{i∈I(u)} (c_ui - 1) y_i y_iᵀ) x_u = Σ_{i∈I(u)} c_ui y_i,
// so YᵀY (the Gram of all item vectors, the unobserved cells' part) is formed once per
// half-step and each row only touches its own interactions. Rows are solved in parallel:
//   cg (the default): `cg_steps` conjugate-gradient steps warm-started from the row's previous
//     value (as implicit's AlternatingLeastSquares), A applied implicitly: G v + Σ w_t (z_tᵀv) z_t
//   cholesky: the exact solve (forms A: n k² + k³/3 per row).
// Each row depends only on the fixed side, so a model is the same for a seed whatever the
// thread count. An epoch solves the item rows, then the user rows (the stored user rows are
// then the fit to the final item rows, as fold-in computes them).
//
// Storage in mf::model: k = factors, user rows [0, x_u], item rows [0, y_i] (column 0, the
// explicit model's bias column, stays 0), μ = 0, no genre rows (0 × k+1); the extra array
// "ials_gram" (k × k) keeps YᵀY of the final item rows for fold-in (recomputed when absent, as
// in a web bundle). The score of item i is x_uᵀy_i: a ranking score, not a rating (no kind_rates).
// The epochs' train_rmse is sqrt(mean (1 - x_uᵀy_i)²) over the training interactions.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <vector>

#include "infer.h"
#include "kind.h"
#include "model.h"
#include "ratings.h"
#include "result.h"

namespace mf {

// c - 1 for a rating r: α (binary) or α r (rating).
inline float ials_weight(const train_params & p, float r) {
    return p.confidence == confidence_kind::rating ? p.alpha * r : p.alpha;
}

// The recency factor of an interaction ranked `rank` among its user's ratings (0 = the newest):
// 2^(-rank / h) with h = p.recency, 1 when recency is off. Training reads the rank from
// sparse_rows::recency; a fold-in from the order of the visitor's ratings (the last the newest).
//     c - 1 = ials_weight(p, r) · ials_recency(p, rank)
inline float ials_recency(const train_params & p, int64_t rank) {
    if (!(p.recency > 0.0f)) return 1.0f;
    return std::exp2(-(float) std::min<int64_t>(rank, recency_cap) / p.recency);
}

// The default half-life (ials and hybrid), chosen on ml-latest-small's user-time:0.2 split
// (docs/TUNING.md "Recency"): the last ratings say most about what a user watches next.
constexpr float ials_recency_default = 40.0f;

// c - 1 of the j-th of n ratings of a visitor (given oldest first)
inline float ials_fold_in_weight(const train_params & p, float r, size_t j, size_t n) {
    return ials_weight(p, r) * ials_recency(p, (int64_t) (n - 1 - j));
}

// c - 1 of a movie the visitor marked "not interested": preference 0 held as confidently as the
// top of the rating scale would be held as 1 (Hu et al.'s p = 0 with c > 1), so the row turns
// away from it and from movies like it. Not weighed by recency.
inline float ials_negative_weight(const train_params & p, float top_rating) {
    return ials_weight(p, top_rating);
}

// YᵀY over the factor columns 1..k of `rows` (n × (k+1)), k × k, in double.
Eigen::MatrixXd ials_gram(const matrix_f & rows);

// One half-step: every row r of `self` (n_rows × (k+1)) from the fixed rows of `other` and the
// interactions rows.idx/val of row r (idx into other). Solved with p.solver (cg: p.cg_steps
// steps from self's current row). Column 0 of self is set to 0. sse (may be null): per-row
// Σ (1 - xᵀy)² over the row's interactions with the new row.
void ials_half_step(const sparse_rows & rows, const matrix_f & other, matrix_f & self, const train_params & p,
                    std::vector<double> * sse = nullptr);

// A visitor's row system with the item rows fixed: A = YᵀY + λI + Σ_j w_j y_j y_jᵀ + Σ_n w_neg y_n y_nᵀ
// (full, symmetric) and b = Σ_j (1 + w_j) y_j over the rated items (given oldest first: w_j =
// ials_fold_in_weight) and the `negatives` (may be null; their preference 0 adds nothing to b); `gram` (k × k, may be
// null or the wrong size: then computed) is YᵀY. Fails on an item row out of range or a negative confidence.
[[nodiscard]] status ials_fold_in_system(const matrix_f & items, const matrix_f * gram, const train_params & p,
                                         const std::vector<rated_item> & rated, Eigen::MatrixXd & a,
                                         Eigen::VectorXd & b, const std::vector<int32_t> * negatives = nullptr,
                                         float neg_weight = 0.0f);
// The visitor's row [0, A⁻¹ b] (k+1 wide) for item rows `items` (n × (k+1), column 0 unused).
[[nodiscard]] result<vector_f> ials_fold_in_rows(const matrix_f & items, const matrix_f * gram, const train_params & p,
                                                 const std::vector<rated_item> & rated,
                                                 const std::vector<int32_t> * negatives = nullptr,
                                                 float neg_weight = 0.0f);

// The kind (registered in kinds.cpp).
extern const kind_ops kind_ials_ops;

}  // namespace mf
