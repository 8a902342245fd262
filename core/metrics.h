// metrics.h - accuracy of a model on held-out ratings.
#pragma once

#include "als.h"
#include "model.h"

namespace mf {

struct accuracy {
    double rmse = 0.0;  // sqrt(mean (r - r̂)²), r̂ clamped to [0.5, 5]
    double mae = 0.0;   // mean |r - r̂|
    int64_t n = 0;
};

accuracy model_accuracy(const model & m, const test_set & test, int threads = 0);

}  // namespace mf
