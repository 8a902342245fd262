// report.h - one self-contained HTML page of plots (mfrec report, mfrec train --report): the
// data's shape, and for the models given their metrics with 95% intervals, the paired comparison
// of two, learning curves and tuning results. Charts are Vega-Lite specs rendered by the Vega
// library compiled into the binary (native/report_assets.cmake) and inlined in the page, so it
// opens from disk with no server and no network.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "pipeline.h"

namespace mf {

struct report_input {
    const dataset * d = nullptr;
    std::string data_name;  // shown in the title
    std::string split;      // the held-out part models are measured on
    uint64_t seed = 42;
    std::vector<int64_t> test;                                  // its positions in d
    std::vector<std::pair<std::string, const model *>> models;  // (label, model)
    std::vector<epoch_report> epochs;                           // learning curves (train --report)
    std::string tune_log;                                       // the text of a tune trial log, may be empty
    int32_t k = 10;
};

// Whether this binary carries the charting library (false: report_write fails saying how to add it).
bool report_available();

// Writes DIR/index.html (DIR is created); returns the titles of the charts drawn.
std::vector<std::string> report_write(const std::string & dir, const report_input & in, bool quiet);

}  // namespace mf
