// pipeline.h - the one pipeline every front end calls: split, fit, evaluate, recommend.
//
// The CLI (native/) parses arguments and files and prints; the wasm bindings (wasm/) marshal
// JS values; both call these functions and nothing below them, so a split, a default, a limit
// or a rule of the list exists once. docs/ARCHITECTURE.md draws the data flow.
#pragma once

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "als.h"
#include "calibration.h"
#include "infer.h"
#include "kind.h"
#include "metrics.h"
#include "model.h"
#include "ranking.h"
#include "ratings.h"
#include "result.h"
#include "split.h"

namespace mf {

// ---- split

// SPEC (split.h) of d with the seed; with `validate`, that split is carved out of the training
// part and becomes the held-out part (tuning never sees the test part). The same arguments give
// the same positions in every command.
[[nodiscard]] result<split_result> pipeline_split(const dataset & d, const std::string & spec, uint64_t seed,
                                                  const std::string & validate = "");

// Whether loading must keep timestamps for these specs and this kind (a cache then copies a third
// more): time splits, and kinds that carve a time-ordered validation part (kind_validates).
[[nodiscard]] result<bool> pipeline_needs_time(const std::string & spec, const std::string & validate = "",
                                               model_kind kind = model_kind::mean);

// ---- fit

struct fit_options {
    std::string split = "random:0.2";
    uint64_t seed = 42;      // the split's and the initial factors'
    std::string validate;    // see pipeline_split
    train_params params;     // start from kind_defaults(kind); params.seed is set from `seed`
    bool baselines = false;  // also fit mean and bias on the same split, report their accuracy
};

struct fit_result {
    model m;
    split_result split;  // positions in the dataset
    int64_t n_train = 0, n_test = 0;
    bool has_test = false;  // a held-out part and a kind that rates
    accuracy test;
    std::vector<epoch_report> epochs;
    std::vector<std::pair<std::string, accuracy>> baselines;  // ("global mean", …), ("biases", …)
    double matrix_seconds = 0, train_seconds = 0;
    // early stopping (train_params::early_stopping): the validation RMSE per epoch of the run that
    // chose the epoch count, and that count (0: not used)
    std::vector<double> validation_rmse;
    int32_t best_epoch = 0;
    int64_t n_validation = 0;
};

// Checks the parameters (params_check), splits, builds the training matrix, trains the kind,
// checks the result is finite, and measures it on the held-out part. `progress` (may be empty)
// is called after every epoch.
[[nodiscard]] result<fit_result> pipeline_fit(const dataset & d, const fit_options & o,
                                              const epoch_callback & progress = nullptr);

// The same for a caller done with the dataset's ratings (mfrec train): they and the split's
// positions are freed once the training matrix, the held-out set and the validation mask are
// built, so the training's peak memory holds the ratings once (in the matrix), not three times.
// Afterwards d keeps its catalog and user ids, d.size() is 0 and the result's split is empty.
[[nodiscard]] result<fit_result> pipeline_fit_release(dataset & d, const fit_options & o,
                                                      const epoch_callback & progress = nullptr);

// ---- evaluate

// The ratings at `positions` of d in the model's index space: users unknown to the model get
// row -1 (no personal terms), ratings of movies unknown to it are counted and skipped.
test_set test_set_for_model(const model & m, const dataset & d, const std::vector<int64_t> & positions,
                            int64_t * skipped_unknown_items);

struct eval_options {
    bool rating = true;    // RMSE and MAE, where the kind predicts ratings
    bool ranking = true;   // top-K metrics over the full catalogue (ranking.h)
    bool similar = false;  // the held-out co-rating test of similar movies (similar_report)
    ranking_options rank;  // k, relevant_min, sampled_negatives, seed
    int threads = 0;
};

struct eval_report {
    int64_t n_test = 0;
    int64_t skipped_unknown_items = 0;
    bool has_rating = false;  // the kind predicts ratings and rating metrics were asked for
    accuracy rating;
    bool has_ranking = false;
    ranking_report ranking;                     // over the held-out users the model has a row for
    int64_t ranking_skipped_unknown_users = 0;  // held-out ratings of users without a row
    bool has_similar = false;
    struct similar_report {
        // Each held-out user with at least two held-out movies gives one pair (A, B): their first
        // two held-out movies in the order of the data. hit = B is among the 20 movies most
        // similar to A (movies_similar). People who rated A also watched B: a similar-movies list
        // that names movies people know finds B more often.
        int64_t pairs = 0;
        metric_value hit_at_20;
        // the median training-rating count of the top-10 similar movies, pooled over every A
        double median_count_at_10 = 0;
    } similar;
    bool has_sd = false;  // the kind gives a predictive sd (calibration.h)
    calibration calib;
};

[[nodiscard]] result<eval_report> pipeline_evaluate(const model & m, const dataset & d,
                                                    const std::vector<int64_t> & positions, const eval_options & o);

// ---- recommend

// Who the list is for: a user the model was trained on, or a visitor folded in from ratings.
struct visitor {
    vector_f x;                     // the kind's user row
    std::vector<rated_item> rated;  // their ratings (training ratings for a known user)
    // the item rows they marked "not interested": never recommended; a kind with
    // fold_in_negatives also learns from them (ials, hybrid: a confident "no")
    std::vector<int32_t> not_interested;
    int32_t user_row = -1;   // -1: a visitor
    int32_t duplicates = 0;  // repeated movies in the given ratings (the last one counts)
};

// For a kind with a predictive sd (kind_ops::rate_sd) the row is the fold-in of the user's
// training ratings (m.seen), so a known user gets a posterior mean and covariance too.
[[nodiscard]] result<visitor> visitor_known(const model & m, int32_t user_id);
// Ratings of item rows, oldest first (ials and hybrid weigh the recent ones more: recency); a
// movie given twice keeps its last rating, at its last place (counted in `duplicates`).
// `not_interested`: item rows the visitor dismissed (a rated one stays rated).
[[nodiscard]] result<visitor> visitor_new(const model & m, const std::vector<rated_item> & rated,
                                          const std::vector<int32_t> & not_interested = {});

struct recommend_options {
    int32_t n = 10;             // 1..recommend_n_max
    bool include_seen = false;  // else the visitor's rated movies are left out
    rank_filter filter;         // min_count, genres, years, extra exclusions
};
constexpr int32_t recommend_n_max = 100000;

struct recommendation {
    int32_t item;
    float score;   // the kind's ranking score (higher = better)
    float rating;  // the predicted rating on the model's scale (clamped); NaN when the kind does not rate
    float sd;      // its predictive standard deviation (kind_ops::rate_sd); NaN when the kind gives none
};

[[nodiscard]] result<std::vector<recommendation>> recommend(const model & m, const visitor & v,
                                                            const recommend_options & o);

// The kind's ranking score of every item for this visitor (higher = better).
[[nodiscard]] result<std::vector<float>> visitor_scores(const model & m, const visitor & v);
// The predicted rating of every item for this visitor, unclamped (the score itself for a kind
// whose score is the rating; kind_ops::rate for one whose list is ordered otherwise). Fails for
// a kind that does not rate.
[[nodiscard]] result<std::vector<float>> visitor_ratings(const model & m, const visitor & v);

// The predictive sd of every item's rating for this visitor; fails for a kind without rate_sd.
[[nodiscard]] result<std::vector<float>> visitor_sd(const model & m, const visitor & v);

// The exact split of a score into parts (infer.h: explain), for kinds that can (kind_explains).
[[nodiscard]] result<explanation> visitor_explain(const model & m, const visitor & v, int32_t item);

// Movies closest to `item` by cosine of the kind's item vectors (kind_vectors), n in 1..recommend_n_max.
[[nodiscard]] result<std::vector<similar_item>> movies_similar(const model & m, int32_t item, int32_t n,
                                                               int32_t min_count = 0);

// Every factor, bias and mean finite (a NaN model is never written or used).
[[nodiscard]] status model_check_finite(const model & m);

}  // namespace mf
