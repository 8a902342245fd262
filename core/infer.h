// infer.h - everything the model answers without retraining: fold-in of a new visitor, scores
// and top-N with filters, similar movies, the exact additive explanation, cold start.
//
// Fold-in is one ALS half-step for one row: with the item rows fixed,
//     x = [b_u, p_u] = A⁻¹ Σ_j z_j r̃_j,   z_j = [1, q_j],  r̃_j = r_j - μ - b_j,
//     A = Σ_j z_j z_jᵀ + diag(λ_b, λ, …, λ)   (λ scaled by n under ALS-WR).
// Explanation: score_i = μ + b_i + z_iᵀ x = μ + b_i + Σ_j (z_iᵀ A⁻¹ z_j) r̃_j, one term per rated movie.
// By genre: b_i + q_iᵀ p_u = [1, p_u]ᵀ (ȳ_i + δ_i), ȳ_i = τ mean_g w_g: one term per genre of i
// plus the movie's own part δ_i, plus b_u.
#pragma once

#include <cstdint>
#include <vector>

#include "model.h"
#include "result.h"

namespace mf {

struct rated_item {
    int32_t item;  // item row
    float rating;
};

// The visitor's row [b_u, p_u] (k+1 wide). Fails on an unknown item row or a rating outside
// [0.5, 5]. No ratings gives the zero row (scores are μ + b_i).
result<vector_f> fold_in(const model & m, const std::vector<rated_item> & rated);

// μ + b_u + b_i + p_uᵀ q_i for every item (unclamped), given a user row x (k+1 wide).
std::vector<float> score_all(const model & m, const vector_f & x);

struct rank_filter {
    std::vector<int32_t> exclude;        // item rows never returned (e.g. rated)
    int32_t min_count = 0;               // training ratings at least
    uint32_t genre_mask = 0;             // if non-zero: items having any of these genres
    int16_t year_min = 0, year_max = 0;  // 0 = unbounded
};

struct ranked_item {
    int32_t item;
    float score;  // clamped predicted rating
    float raw;    // unclamped score
};

// Top n items by score, best first; ties broken by item row (deterministic).
std::vector<ranked_item> rank_top(const model & m, const std::vector<float> & scores, const rank_filter & f, int32_t n);

struct similar_item {
    int32_t item;
    float similarity;  // cosine of q vectors
};

// Items most similar to `item` by cosine of q (item itself excluded). Fails on a bad row or k=0.
result<std::vector<similar_item>> similar_items(const model & m, int32_t item, int32_t n, int32_t min_count = 0);

struct explanation {
    float score_raw = 0;  // μ + b_u + b_i + p_uᵀq_i
    float score = 0;      // clamped
    float mu = 0;
    float item_bias = 0;  // b_i
    float user_bias = 0;  // b_u
    // by rated movie: score_raw = mu + item_bias + Σ by_rated[j].value
    struct term {
        int32_t item;
        float value;
    };
    std::vector<term> by_rated;  // sorted by |value| descending
    // by genre: score_raw = mu + user_bias + item_own + Σ by_genre[g].value
    struct genre_term {
        int32_t genre;
        float value;
    };
    std::vector<genre_term> by_genre;
    float item_own = 0;  // [1, p_u]ᵀ δ_i, the movie's own part beyond its genres
    // A kind whose list is ordered by a score other than the rating (hybrid) splits that score too:
    //   rank_score = rank_item + Σ rank_by_rated[j].value
    // rank_by_rated holds the same movies as by_rated, sorted by |value| descending.
    bool has_rank = false;
    float rank_score = 0;
    float rank_item = 0;  // the movie's own part (its general appeal)
    std::vector<term> rank_by_rated;
};

result<explanation> explain(const model & m, const std::vector<rated_item> & rated, int32_t item);

// Cold start: the row ȳ = τ mean_g w_g of a movie with these genres, and its predicted score
// for user row x (clamped).
vector_f cold_start_row(const model & m, uint32_t genre_mask);
float cold_start_score(const model & m, const vector_f & x, uint32_t genre_mask);

}  // namespace mf
