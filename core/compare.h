// compare.h - is model B better than model A on the same held-out data, and how sure are we?
//
// Paired by unit (a user): unit u contributes a_u and b_u (a sum of per-rating or per-user values
// under A and B) and a weight w_u (how many values the sums hold; the same under both models,
// since both are measured on the same ratings). A metric is the ratio S_a / W (mean type: a mean
// of per-user metrics, MAE) or its square root (root type: RMSE, where a_u is a sum of squared
// errors). The difference is diff = stat(B) - stat(A).
//
//   bootstrap CI  draw n units with replacement, recompute diff; the 2.5% and 97.5% quantiles of
//                 `bootstrap` such draws (percentile interval, quantile by linear interpolation
//                 between order statistics, as numpy's default). Users, not ratings, are resampled:
//                 a user's ratings are not independent.
//   permutation p under H0 (the labels A and B of a unit are exchangeable) swap a_u and b_u of each
//                 unit with probability 1/2; p = (1 + #{|diff*| >= |diff|}) / (1 + permutations).
//                 With n <= exact_max units every one of the 2^n swaps is enumerated instead and
//                 p = #{|diff*| >= |diff|} / 2^n.
// Draws depend only on (seed, metric index given by the caller): the same for any thread count.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "result.h"

namespace mf {

struct paired_units {
    std::vector<double> a, b, w;  // per unit; w > 0
    bool root = false;            // the statistic is sqrt(S / W) (RMSE)
};

struct compare_options {
    int32_t bootstrap = 2000;     // resamples for the interval, >= 100
    int32_t permutations = 2000;  // random swaps for the p-value, >= 100
    int32_t exact_max = 12;       // enumerate every swap up to this many units
    double level = 0.95;          // of the interval, in (0, 1)
    uint64_t seed = 42;
};

struct compare_value {
    double a = 0, b = 0;  // the metric under A and B
    double diff = 0;      // b - a
    double ci_low = 0, ci_high = 0;
    double p_value = 1;
    int64_t n = 0;  // units
};

// Fails on mismatched lengths, no unit, a non-positive or non-finite weight, non-finite sums, a
// negative sum with root, or options out of range.
[[nodiscard]] result<compare_value> compare_paired(const paired_units & u, const compare_options & o = {});

// The q-quantile (0..1) of sorted values by linear interpolation (numpy's default).
double quantile_sorted(const std::vector<double> & sorted, double q);

// "B is better on ndcg_at_10 by 0.0120 [0.0070, 0.0180], p < 0.001" (the interval excludes 0),
// else "no significant difference on ndcg_at_10: ..."; higher_better tells which way is better.
std::string compare_verdict(const std::string & metric, const compare_value & v, bool higher_better);

}  // namespace mf
