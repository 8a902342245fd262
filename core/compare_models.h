// compare_models.h - two models measured on the same held-out ratings, paired by user
// (compare.h gives the interval and the p-value of each metric's difference B - A).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "compare.h"
#include "pipeline.h"

namespace mf {

struct metric_comparison {
    std::string name;  // rmse, mae, precision_at_10, ...
    bool higher_better = true;
    compare_value v;
};

struct model_comparison {
    std::vector<metric_comparison> metrics;       // rating metrics (when both kinds rate), then ranking
    int64_t n_test = 0;                           // held-out ratings given
    int64_t n_rated = 0;                          // of them, rated by both models (movies both know)
    int64_t rating_users = 0, ranking_users = 0;  // users paired
    int32_t k = 10;
};

// Evaluates a and b on the ratings of d at `positions` (pipeline_evaluate with `eo`) and pairs them:
// rating metrics per user of d over the ratings of movies both models know (a_u = sum of squared or
// absolute errors, w_u = the user's count), ranking metrics per user both models evaluated (by
// MovieLens id). Metric j's draws use the seed rng_hash(co.seed, j). Fails when the models share no
// held-out user. `progress` (may be empty) is called after each model evaluated and each metric's
// bootstrap and permutation draws, with the steps done and the steps in all.
using compare_progress = std::function<void(int32_t done, int32_t total, const std::string & step)>;
[[nodiscard]] result<model_comparison> models_compare(const model & a, const model & b, const dataset & d,
                                                      const std::vector<int64_t> & positions, const eval_options & eo,
                                                      const compare_options & co,
                                                      const compare_progress & progress = nullptr);

}  // namespace mf
