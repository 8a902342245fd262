// progress.h - a progress bar on stderr, drawn only when stderr is a terminal and not --quiet.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace mf {

struct progress_bar {
    progress_bar(std::string label, int64_t total, bool quiet);
    ~progress_bar();
    void update(int64_t done, const std::string & note = "");
    void finish(const std::string & note = "");

    std::string label;
    int64_t total;
    bool active;
    bool done_ = false;
    std::chrono::steady_clock::time_point start, last;
};

// true when stderr is a terminal
bool stderr_is_tty();

}  // namespace mf
