#include "calibration.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "kind.h"
#include "parallel.h"

namespace mf {

result<calibration> model_calibration(const model & m, const test_set & test, int threads) {
    using R = result<calibration>;
    const kind_ops * kind = kind_get(m.params.kind);
    if (!kind || !kind->rate_sd) return R::fail(std::string("a ") + kind_name(m.params.kind) + " model gives no sd");
    const int64_t n = test.size();
    if (n == 0) return R::fail("no held-out ratings");
    // the held-out ratings grouped by user row (-1 first), in a fixed order
    std::vector<int64_t> order((size_t) n);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return test.user[a] < test.user[b]; });
    std::vector<int64_t> starts;
    for (int64_t e = 0; e < n; ++e)
        if (e == 0 || test.user[order[e]] != test.user[order[e - 1]]) starts.push_back(e);
    starts.push_back(n);
    std::vector<float> sd((size_t) n), pred((size_t) n);
    std::vector<std::string> errors(starts.size() - 1);
    parallel_for((int64_t) starts.size() - 1, threads, 1, [] { return std::vector<float>(); },
                 [&](std::vector<float> & buf, int64_t g) {
                     const int32_t u = test.user[order[starts[g]]];
                     std::vector<rated_item> rated;
                     if (u >= 0 && m.seen.rows() == m.n_users())
                         for (uint64_t e = m.seen.ptr[u]; e < m.seen.ptr[u + 1]; ++e)
                             rated.push_back({m.seen.idx[e], m.seen.val[e]});
                     result<vector_f> x = kind->fold_in(m, rated);
                     if (!x) {
                         errors[g] = x.error();
                         return;
                     }
                     buf.resize((size_t) m.n_items());
                     kind->rate_sd(m, *x, buf.data());
                     std::vector<float> mean;
                     if (u < 0) {  // no row: the prediction of the fold-in of nothing
                         mean.resize((size_t) m.n_items());
                         kind->score(m, *x, mean.data());
                     }
                     for (int64_t e = starts[g]; e < starts[g + 1]; ++e) {
                         const int64_t t = order[e];
                         const int32_t i = test.item[t];
                         sd[t] = buf[i];
                         pred[t] = u >= 0 ? m.predict(u, i) : m.scale.clamp(mean[i]);
                     }
                 });
    for (const std::string & e : errors)
        if (!e.empty()) return R::fail(e);
    calibration c;
    c.n = n;
    int64_t in1 = 0, in2 = 0;
    for (int64_t t = 0; t < n; ++t) {
        const double d = std::abs((double) test.rating[t] - (double) pred[t]);
        in1 += d <= sd[t];
        in2 += d <= 2.0 * sd[t];
    }
    c.coverage_1sd = (double) in1 / (double) n;
    c.coverage_2sd = (double) in2 / (double) n;
    // quarters by sd (ties by position: deterministic)
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return sd[a] < sd[b]; });
    for (int q = 0; q < 4; ++q) {
        const int64_t b = n * q / 4, e = n * (q + 1) / 4;
        double se = 0.0, s = 0.0;
        for (int64_t j = b; j < e; ++j) {
            const int64_t t = order[j];
            const double d = (double) test.rating[t] - (double) pred[t];
            se += d * d;
            s += sd[t];
        }
        c.rmse_by_sd_quartile.push_back(e > b ? std::sqrt(se / (double) (e - b)) : 0.0);
        c.sd_by_quartile.push_back(e > b ? s / (double) (e - b) : 0.0);
    }
    return c;
}

}  // namespace mf
