#include "progress.h"

#include <unistd.h>

#include <cstdio>

namespace mf {

bool stderr_is_tty() {
    return isatty(fileno(stderr)) == 1;
}

progress_bar::progress_bar(std::string l, int64_t t, bool quiet)
    : label(std::move(l)),
      total(t),
      active(!quiet && stderr_is_tty()),
      start(std::chrono::steady_clock::now()),
      last(start) {
    update(0);
}

progress_bar::~progress_bar() {
    if (!done_) finish();
}

void progress_bar::update(int64_t done, const std::string & note) {
    if (!active) return;
    auto now = std::chrono::steady_clock::now();
    if (done != 0 && done < total && now - last < std::chrono::milliseconds(100)) return;
    last = now;
    const int width = 30;
    double frac = total > 0 ? (double) done / (double) total : 1.0;
    if (frac > 1.0) frac = 1.0;
    int fill = (int) (frac * width);
    double secs = std::chrono::duration<double>(now - start).count();
    std::fprintf(stderr, "\r\033[K%s [%.*s%*s] %3d%%  %.1fs  %s", label.c_str(), fill, "##############################",
                 width - fill, "", (int) (frac * 100), secs, note.c_str());
    std::fflush(stderr);
}

void progress_bar::finish(const std::string & note) {
    if (done_) return;
    done_ = true;
    if (!active) return;
    last = std::chrono::steady_clock::time_point{};
    update(total, note);
    std::fprintf(stderr, "\n");
}

}  // namespace mf
