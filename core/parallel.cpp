#include "parallel.h"

#include <thread>
#include <vector>

namespace mf {

int parallel_default_threads() {
#if defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__)
    return 1;
#else
    unsigned n = std::thread::hardware_concurrency();
    return n == 0 ? 1 : (int) n;
#endif
}

void parallel_run_workers(int threads, const std::function<void(int)> & worker) {
#if defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__)
    (void) threads;
    worker(0);
#else
    // Threads are started per call: a call is a whole ALS half-sweep (milliseconds or more), so
    // the start cost is negligible, and nothing stays alive between calls (no pool to size).
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t) pool.emplace_back(worker, t);
    worker(0);
    for (std::thread & th : pool) th.join();
#endif
}

}  // namespace mf
