// kind_hybrid.h - the list recommender (`--model hybrid`, what plain `mfrec train` makes): "will
// you watch it" from implicit ALS, "will you like it" from explicit ALS, in one list.
//
// A rating model ranked by its predictions favours obscure movies (a movie with three 5-star
// ratings out-predicts a classic), and a ranking model knows what people watch but not how much
// they liked it. The hybrid orders the list by
//     s_i = w · y_iᵀ x  +  (1 - w) · (r̂_i - μ) / (max - min)
// where y_iᵀ x is the implicit-ALS score (kind_ials.h) of the rank part and r̂_i the explicit-ALS
// predicted rating (als.h, kind_rates: RMSE, the shown stars), divided by the width of the rating
// scale so both parts are on a comparable footing. w (`blend`) is chosen, unless given, by NDCG@10
// on a validation part of the training data: 20% of each user's ratings (users with at least 5),
// both parts trained on the rest, the grid hybrid_blend_grid scored on at most 2000 users; then
// both parts are trained again on all of the training data.
//
// Storage in mf::model: the explicit-ALS model as usual (mu, users, items, genres: RMSE, predicted
// ratings, cold start, the map and similar movies use it), and the extra arrays
//   "hyb_items"  n_items × (k_r + 1), per item (also in the web bundle): implicit-ALS rows [0, y_i]
//   "hyb_users"  n_users × (k_r + 1): the known users' implicit-ALS rows
//   "hyb_gram"   k_r × k_r: YᵀY of hyb_items, for fold-in
// A visitor's row is [x_als (k+1), x_rank (k_r+1)].
//
// Explanation: both parts are linear in the visitor's per-movie terms. With the explicit part's
// split r̂_i - μ = b_i + Σ_j a_j (infer.h) and the implicit fold-in x = A⁻¹ Σ_j c_j y_j,
//     s_i = (1-w)/W · b_i  +  Σ_j [ w · c_j · y_iᵀ A⁻¹ y_j  +  (1-w)/W · a_j ],   W = max - min,
// one term per rated movie plus the movie's own appeal: explanation::rank_*.
#pragma once

#include <vector>

#include "kind.h"
#include "model.h"

namespace mf {

// The blend weights tried when `blend` is -1, in order.
const std::vector<float> & hybrid_blend_grid();

// The validation NDCG@10 of each weight of the grid from the last auto-blend fit is kept in the
// model's extra array "hyb_blend_ndcg" (1 × grid size) for `mfrec info` and docs/TUNING.md.

extern const kind_ops kind_hybrid_ops;

}  // namespace mf
