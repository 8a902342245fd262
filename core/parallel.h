// parallel.h - the one parallel-for of the core.
//
// Natively it is OpenMP (pragmas only: no omp_* calls, so the same code compiles for wasm);
// under Emscripten with pthreads it is a small thread pool; otherwise a serial loop.
// Rows of ALS have long-tailed costs, so work is handed out dynamically in chunks.
//
// parallel_for(n, threads, chunk, make_scratch, body): body(scratch, i) for i in [0, n); each
// worker owns one scratch object made by make_scratch(), reused across its rows.
#pragma once

#include <cstdint>
#include <functional>

namespace mf {

// Threads to use when the caller passes 0: all hardware threads.
int parallel_default_threads();

// Serial fallback and wasm pool entry point: runs worker(t) for t in [0, threads).
void parallel_run_workers(int threads, const std::function<void(int)> & worker);

#if defined(_OPENMP)
template <class Make, class Body>
void parallel_for(int64_t n, int threads, int64_t chunk, Make make_scratch, Body body) {
    if (threads <= 0) threads = parallel_default_threads();
    if (chunk < 1) chunk = 1;
    if (threads == 1 || n <= chunk) {
        auto scratch = make_scratch();
        for (int64_t i = 0; i < n; ++i) body(scratch, i);
        return;
    }
#pragma omp parallel num_threads(threads)
    {
        auto scratch = make_scratch();
#pragma omp for schedule(dynamic, 1)
        for (int64_t c = 0; c < (n + chunk - 1) / chunk; ++c) {
            int64_t end = (c + 1) * chunk < n ? (c + 1) * chunk : n;
            for (int64_t i = c * chunk; i < end; ++i) body(scratch, i);
        }
    }
}
#else
}  // namespace mf
#include <atomic>
namespace mf {
template <class Make, class Body>
void parallel_for(int64_t n, int threads, int64_t chunk, Make make_scratch, Body body) {
    if (threads <= 0) threads = parallel_default_threads();
    if (chunk < 1) chunk = 1;
    if (threads == 1 || n <= chunk) {
        auto scratch = make_scratch();
        for (int64_t i = 0; i < n; ++i) body(scratch, i);
        return;
    }
    std::atomic<int64_t> next{0};
    parallel_run_workers(threads, [&](int) {
        auto scratch = make_scratch();
        for (;;) {
            int64_t begin = next.fetch_add(chunk);
            if (begin >= n) break;
            int64_t end = begin + chunk < n ? begin + chunk : n;
            for (int64_t i = begin; i < end; ++i) body(scratch, i);
        }
    });
}
#endif

}  // namespace mf
