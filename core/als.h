// als.h - training: global mean, biases, and ALS with biases and a genre prior.
//
// Minimises  Σ (r - μ - b_u - b_i - p_uᵀq_i)² + λ_b Σ b_u² + λ Σ‖p_u‖²
//          + λ_b Σ (b_i - b̄_i)² + λ Σ‖q_i - q̄_i‖² + λ_g Σ‖w_g‖²,   [b̄_i, q̄_i] = τ mean_{g∈G(i)} w_g
// by exact alternating ridge solves: all user rows [b_u, p_u], all item rows [b_i, q_i], then the
// genre rows w_g. Each row is independent, so rows are solved in parallel. A biases-only model
// is the same iteration with k = 0.
#pragma once

#include <functional>

#include "model.h"
#include "ratings.h"

namespace mf {

struct epoch_report {
    int32_t epoch = 0;     // 1-based
    double seconds = 0.0;  // this epoch's wall time (solves + RMSE passes)
    double train_rmse = 0.0;
    double test_rmse = -1.0;  // -1 without a test set
    double test_mae = -1.0;
};

// The held-out ratings, as dense (user, item, rating) triplets in the model's index space.
struct test_set {
    std::vector<int32_t> user, item;
    std::vector<float> rating;
    int64_t size() const { return (int64_t) rating.size(); }
};

using epoch_callback = std::function<void(const epoch_report &)>;

// Trains on `train`; `info` gives the item rows' catalog (genres for the prior); user ids label
// the user rows. `test` may be empty. `on_epoch` is called after every epoch.
model model_train(const rating_matrix & train, const catalog & info, const std::vector<int32_t> & user_ids,
                  const train_params & params, const test_set * test = nullptr,
                  const epoch_callback & on_epoch = nullptr, bool keep_seen = true);

// One half-step: solve every row of `self` given the fixed rows of `other` (exposed for tests
// and fold-in). rows: CSR of self's ratings, idx into other. prior: per-row prior mean (may be
// null: zero prior). Solved with params.solver.
void als_half_step(const sparse_rows & rows, const matrix_f & other, matrix_f & self, float mu, const matrix_f * prior,
                   const train_params & params);

// Genre rows from the item rows (the exact W step of the objective above).
void als_genre_step(const matrix_f & items, const catalog & info, const std::vector<int32_t> & item_counts,
                    const train_params & params, matrix_f & genres);

// The prior mean rows ȳ_i = τ mean_{g∈G(i)} w_g for every item.
matrix_f als_item_prior(const matrix_f & genres, const catalog & info, float tau);

}  // namespace mf
