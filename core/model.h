// model.h - the trained model: r̂(u,i) = μ + b_u + b_i + p_uᵀ q_i.
//
// Rows are stored augmented: user row x_u = [b_u, p_u] and item row y_i = [b_i, q_i], both of
// length k+1, so one ridge solve updates a bias and a vector together and a biases-only model is
// simply k = 0. Genre rows w_g (also k+1 wide) give each item's prior mean
//     ȳ_i = τ · mean_{g ∈ G(i)} w_g,
// which is the cold-start row of a movie nobody has rated.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <vector>

#include "catalog.h"
#include "ratings.h"

namespace mf {

using matrix_f = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using vector_f = Eigen::VectorXf;

// The numeric ids are stored in model files; a new kind takes the next number (kind.h).
enum class model_kind : uint32_t { mean = 0, bias = 1, als = 2, pop = 3, ials = 4, ease = 5, hybrid = 6, bayes = 7 };
// cg: warm-started Jacobi-PCG steps per row, except the rows that solve.cpp's cost rule solves
// exactly (long rows at small k, where the exact solve is the cheaper one)
enum class solver_kind : uint32_t { cholesky = 0, cg = 1 };
// ials: the confidence of an interaction, c = 1 + α (binary) or 1 + α r (rating)
enum class confidence_kind : uint32_t { binary = 0, rating = 1 };

const char * solver_kind_name(solver_kind s);

// The ratings a model was trained on: predictions are clamped to [min, max] and a visitor's
// ratings must lie within it. Stored in the model file and the bundle (params.h).
struct rating_scale {
    float min = 0.5f, max = 5.0f, step = 0.5f;
    float clamp(float r) const { return r < min ? min : (r > max ? max : r); }
    bool contains(float r) const { return r >= min && r <= max; }
};

// Defaults chosen on a validation part of ml-latest-small's training part: docs/TUNING.md.
struct train_params {
    model_kind kind = model_kind::als;
    int32_t factors = 64;     // k (implicit: factors; Spark: rank)
    int32_t iterations = 20;  // (Spark: maxIter); with early stopping, the most epochs
    // explicit kinds: epochs without a better validation RMSE before training stops (0 = off);
    // pipeline_fit then retrains on the whole training part for the best epoch count
    int32_t early_stopping = 2;
    int32_t stop_epoch = 0;  // not a parameter: the epoch count early stopping chose (0 = iterations)
    // not a parameter: set when no regularization option was given (params_apply_given); early
    // stopping then also chooses between the two regimes on its validation part (pipeline.cpp)
    bool reg_auto = false;
    float reg = 10.0f;          // λ on p_u and q_i - q̄_i (Spark: regParam)
    float reg_bias = 5.0f;      // λ_b on b_u and b_i - b̄_i
    float reg_genre = 0.1f;     // λ_g on w_g
    float genre_prior = 0.5f;   // τ; 0 = plain biased ALS
    bool reg_by_count = false;  // ALS-WR: λ n_u, λ n_i
    solver_kind solver = solver_kind::cholesky;
    // 4: the fewest warm-started Jacobi-PCG steps whose test RMSE stays within 0.002 of Cholesky
    // at every epoch on ML-32M-shaped data at k = 64 and 128 (3 steps: up to 0.007 off)
    int32_t cg_steps = 4;                                  // CG iterations per row per half-step (warm-started)
    float init_std = 0.1f;                                 // initial factors ~ N(0, init_std² / k)
    float alpha = 0.5f;                                    // ials: confidence weight α of an interaction (kind_ials.h)
    confidence_kind confidence = confidence_kind::rating;  // ials: c = 1 + α or 1 + α r
    // ials and hybrid's ranking part: an interaction's weight c - 1 halves with every `recency`
    // more recent ratings of the same user (0 = off; a model file without it: off)
    float recency = 0.0f;
    int32_t burn_in = 50;              // bayes: Gibbs sweeps discarded before the kept samples
    int32_t samples = 300;             // bayes: Gibbs sweeps kept (predictions averaged over them)
    bool implicit_features = true;     // bayes: who-rated-what side features (users and movies)
    bool genre_features = true;        // bayes: genres and release decade as movie side features
    bool demographic_features = true;  // bayes: user demographics (dataset::demographics)
    int32_t rank_factors = 64;         // hybrid: factors of its implicit-ALS part
    float rank_reg = 20.0f;            // hybrid: λ of its implicit-ALS part
    float blend = -1.0f;               // hybrid: weight w of the ranking part (-1: chosen on a validation part)
    uint64_t seed = 42;
    int32_t threads = 0;  // 0 = all
};

// A kind's own state beyond the factor rows: saved in the model file as a section "x.NAME";
// per_item arrays (rows = items) also go into the web bundle.
struct model_array {
    std::string name;  // [a-z0-9_], at most 24 characters
    matrix_f data;
    bool per_item = false;
    bool web = false;  // not per item, but small and needed by the page (a k × k Gram): in the bundle too
};

struct model {
    train_params params;
    rating_scale scale;
    float mu = 0.0f;
    int32_t k = 0;                  // factors (0 for mean and bias models)
    matrix_f users;                 // n_users x (k+1): [b_u, p_u]
    matrix_f items;                 // n_items x (k+1): [b_i, q_i]
    matrix_f genres;                // n_genres x (k+1): w_g
    std::vector<int32_t> user_ids;  // MovieLens ids, row order
    std::vector<int32_t> user_counts;
    std::vector<int32_t> item_counts;  // training ratings per item
    catalog items_info;                // ids, titles, years, genre masks of the item rows
    sparse_rows seen;                  // training ratings by user row (idx = item row): excluded
                                       // from recommendations, the basis of `explain --user`
    std::vector<model_array> extra;    // kind-specific arrays (kind.h)

    int32_t n_users() const { return (int32_t) users.rows(); }
    int32_t n_items() const { return (int32_t) items.rows(); }
    int32_t n_genres() const { return (int32_t) genres.rows(); }
    int32_t find_user(int32_t id) const;  // -1 when unknown (linear index built on demand)

    // μ + b_u + b_i + p_uᵀ q_i, unclamped
    float predict_raw(int32_t u, int32_t i) const;
    // clamped to the rating scale
    float predict(int32_t u, int32_t i) const;

    mutable std::vector<std::pair<int32_t, int32_t>> user_lookup_;  // sorted (id, row)
};

// ȳ = τ · mean of the genre rows of `mask` (zero when τ = 0 or the mask is empty); k+1 wide.
vector_f genre_prior_row(const model & m, uint32_t mask);

}  // namespace mf
