// cv.h - k-fold cross-validation: which fold each rating belongs to, a fold's split, and the
// mean and standard deviation of a metric over folds.
//
//   random  the ratings are shuffled (Fisher-Yates from rng(seed)) and dealt round-robin:
//           fold sizes differ by at most one (as Surprise's KFold).
//   user    each user's ratings are shuffled (rng(rng_hash(seed, user))) and dealt round-robin
//           from a per-user starting fold: every user with at least k ratings is held out in
//           every fold (the ranking protocol needs each evaluated user in the training part too).
//   user-time  each user's ratings in time order (ties by position) cut into k contiguous blocks
//           of floor/ceil(n_u / k): fold f holds out the f-th period of every user's history, so
//           every user is ranked in every fold on ratings from one stretch of their time (the
//           folds before the last train on later ratings too; a single forward split is
//           --split user-time:F).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ratings.h"
#include "result.h"
#include "split.h"

namespace mf {

enum class fold_mode { random, user, user_time };

[[nodiscard]] result<fold_mode> fold_mode_parse(const std::string & s);

// The fold (0..k-1) of every rating of d; fails for k outside 2..100, fewer ratings than k, or
// user_time without timestamps.
[[nodiscard]] result<std::vector<int32_t>> folds_assign(const dataset & d, int32_t k, fold_mode mode, uint64_t seed);

// Fold f held out, the others for training; positions increasing.
split_result fold_split(const std::vector<int32_t> & fold, int32_t f);

// The ratings of d at `positions` (in that order) with d's user and movie tables, so ids, rows
// and the catalogue stay the same; timestamps are copied when d has them.
dataset dataset_subset(const dataset & d, const std::vector<int64_t> & positions);

struct mean_sd {
    double mean = 0, sd = 0;  // sd: sample standard deviation (n - 1), 0 for one value
};
mean_sd mean_sd_of(const std::vector<double> & x);

}  // namespace mf
