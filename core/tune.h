// tune.h - hyperparameter search spaces: parsing, random and grid sampling, and the trial log
// that lets an interrupted search resume.
//
// SPACE: "NAME=SPEC;NAME=SPEC;..." with NAME a parameter of params.h ('-' or '_') and SPEC
//   v1,v2,...   a list (numbers, or choice names such as cholesky,cg): one drawn uniformly
//   lo:hi       uniform in [lo, hi]
//   log:lo:hi   log-uniform in [lo, hi] (0 < lo)
// Integer parameters drawn from a range are rounded. Every value must lie within the table's
// limits, checked at parse time.
//
// Random search: trial t (1-based) draws every dimension from rng(rng_hash(seed, t)), so a trial's
// configuration depends only on (space, seed, t) and a resumed search recomputes the same ones.
// Grid search: a range becomes `points` evenly spaced values (log-spaced for log:), ends
// included; grid point g (0-based) is the mixed-radix number with the last dimension fastest.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "model.h"
#include "result.h"

namespace mf {

struct space_dim {
    std::string name;  // params.h name (underscores)
    enum kind_t { list, uniform, log_uniform } kind = list;
    std::vector<std::string> values;  // list
    double lo = 0, hi = 0;            // ranges
    bool integer = false;             // the parameter is an integer: range draws are rounded
};

struct search_space {
    std::vector<space_dim> dims;
    std::string text;  // canonical: NAME=SPEC joined by ';'
};

// A configuration: (name, value as text) per dimension, in the space's order.
using trial_config = std::vector<std::pair<std::string, std::string>>;

[[nodiscard]] result<search_space> space_parse(const std::string & text);

// The default search space of a kind (its main regularisation and size parameters).
std::string space_default(model_kind kind);

trial_config space_sample(const search_space & s, uint64_t seed, int64_t trial);
// Number of grid points (saturating at 2^62).
int64_t space_grid_size(const search_space & s, int32_t points);
trial_config space_grid_point(const search_space & s, int32_t points, int64_t index);

// "factors=32;regularization=8.5" and back; the parameters of `base` with the configuration set.
std::string config_text(const trial_config & c);
[[nodiscard]] status config_apply(train_params & p, const trial_config & c);

// ---- the trial log: one header line naming the search, then one line per finished trial
struct trial_record {
    int64_t trial = 0;   // 1-based
    std::string config;  // config_text
    double value = 0;    // the validation metric
    double seconds = 0;
};

std::string tune_log_header(const std::string & search);  // "# mfrec tune: <search>\n"
std::string tune_log_line(const trial_record & r);        // tab-separated, ends with '\n'
// The records of a log written for `search`. Fails, naming the line, when the header names another
// search or a line is malformed; a last line without its '\n' (an interrupted write) is dropped.
[[nodiscard]] result<std::vector<trial_record>> tune_log_parse(const std::string & text, const std::string & search);

}  // namespace mf
