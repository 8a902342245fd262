#include "metrics.h"

#include <algorithm>
#include <cmath>

#include "gram.h"
#include "parallel.h"

namespace mf {

accuracy model_accuracy(const model & m, const test_set & test, int threads) {
    // fixed chunks, partial sums added in chunk order: the same result for any thread count
    const int64_t chunk = 8192;
    const int64_t n = test.size();
    const int64_t n_chunks = (n + chunk - 1) / chunk;
    std::vector<double> se((size_t) n_chunks, 0.0), ae((size_t) n_chunks, 0.0);
    parallel_for(
        n_chunks, threads, 1, [] { return 0; },
        [&](int, int64_t c) {
            const int64_t b = c * chunk, e = std::min(n, (c + 1) * chunk);
            kern::sse_pairs(m.users.data(), m.items.data(), (int) m.items.cols(), test.user.data() + b,
                            test.item.data() + b, test.rating.data() + b, e - b, m.mu, m.scale.min, m.scale.max, se[c],
                            ae[c]);
        });
    accuracy out;
    out.n = n;
    double s = 0.0, a = 0.0;
    for (int64_t c = 0; c < n_chunks; ++c) {
        s += se[c];
        a += ae[c];
    }
    out.rmse = n > 0 ? std::sqrt(s / (double) n) : 0.0;
    out.mae = n > 0 ? a / (double) n : 0.0;
    return out;
}

}  // namespace mf
