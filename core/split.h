// split.h - train/test splits of a dataset, deterministic per seed.
//
// SPEC (DESIGN.md):  random:F   a uniform fraction F of all ratings held out (exactly round(F n))
//                    user-time:F each user's latest round(F n_u) ratings (at least one kept)
//                    last:N     each user's last N ratings by time (at least one kept)
//                    time:YYYY-MM-DD  ratings at or after that day (UTC) held out
//                    none       everything is training data
// Ties in time are broken by file order, so a split never depends on sort stability.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ratings.h"
#include "result.h"

namespace mf {

struct split_spec {
    enum kind_t { none, random, user_time, last, time } kind = none;
    double fraction = 0.0;  // random, user_time
    int64_t count = 0;      // last
    int64_t cut = 0;        // time: unix seconds
    std::string text;       // as given
};

result<split_spec> split_parse(const std::string & text);

struct split_result {
    std::vector<int64_t> train;  // positions in the dataset, increasing
    std::vector<int64_t> test;
};

// Whether the split reads timestamps (user-time, last, time).
bool split_needs_time(const split_spec & spec);

// Per rating of d: 1 held out (test), 0 training. Time-based kinds need d.time (fails without it).
[[nodiscard]] result<std::vector<uint8_t>> split_mask(const dataset & d, const split_spec & spec, uint64_t seed);

// Time-based kinds need d.time (one per rating; fails without it); the others never read it.
[[nodiscard]] result<split_result> split_apply(const dataset & d, const split_spec & spec, uint64_t seed);

// A held-out part of compressed rows (a validation part carved from training rows): 1 for the
// held-out entries, aligned with rows.idx. Each row with at least 5 entries holds out floor(n/5):
// its latest by `time` (aligned with rows.idx; ties by position) when time is not null, as
// user-time:0.2 would, else a random draw depending only on (seed, row).
std::vector<uint8_t> split_rows_holdout(const sparse_rows & rows, const int64_t * time, uint64_t seed);

}  // namespace mf
