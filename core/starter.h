// starter.h - the first-visit grid: well-known movies spread across the latent space.
//
// A new visitor has rated nothing, so the page shows a grid of movies to rate without typing.
// They should be movies most people have seen (popular) and different from one another (spread
// over the item vectors), so that a few ratings already tell the model something: the design's
// measurement found that choosing by posterior variance did not beat random choice, while popular
// and diverse is cheap and reliable.
//
// Algorithm: the `pool` most-rated movies not excluded (ties by row), then a k-means++-style
// draw on the item vectors q_i: the most popular movie of the pool first (seed 0) or one of the
// ten most popular (other seeds), then each next movie drawn with probability proportional to
// (1 - max cosine to the chosen ones)² · log(1 + ratings) - far from what is already shown and
// well known. Deterministic for a seed, the same natively and in wasm (mf::rng). Kinds without
// item vectors (kind_vectors) get the most-rated movies in order. A "new set" is the same call
// with the movies already shown excluded.
#pragma once

#include <cstdint>
#include <vector>

#include "model.h"
#include "result.h"

namespace mf {

constexpr int32_t starter_n_max = 200;
constexpr int32_t starter_pool_default = 300;

// n movies (item rows) to rate on a first visit, in display order (the first the most popular).
// Fewer than n when the catalog (after exclusions and movies without ratings) holds fewer.
// Fails when n is outside 1..starter_n_max, pool < n, or an excluded row is outside the catalog.
[[nodiscard]] result<std::vector<int32_t>> movies_starter(const model & m, int32_t n, uint64_t seed,
                                                          const std::vector<int32_t> & exclude,
                                                          int32_t pool = starter_pool_default);

}  // namespace mf
