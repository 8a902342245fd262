// calibration.h - how honest a model's ± is on held-out ratings (kinds with kind_ops::rate_sd).
//
// Each held-out rating r of user u and movie i gets the model's prediction r̂ (clamped, as in
// metrics.h) and its predictive sd s: the user is folded in from their training ratings (m.seen;
// a user the model does not know from none), and the kind's rate_sd gives s. Reported:
//   coverage_1sd, coverage_2sd: the share with |r - r̂| ≤ s, ≤ 2s (a calibrated Gaussian: 68.3%, 95.4%)
//   rmse_by_sd_quartile: RMSE within each quarter of the ratings ordered by s (lowest first), so
//   a useful ± shows a rising error; sd_by_quartile: the mean s of each quarter.
#pragma once

#include <vector>

#include "als.h"
#include "model.h"
#include "result.h"

namespace mf {

struct calibration {
    int64_t n = 0;
    double coverage_1sd = 0.0, coverage_2sd = 0.0;
    std::vector<double> rmse_by_sd_quartile, sd_by_quartile;  // 4 each
};

// Fails when the kind has no rate_sd or the test set is empty.
[[nodiscard]] result<calibration> model_calibration(const model & m, const test_set & test, int threads = 0);

}  // namespace mf
