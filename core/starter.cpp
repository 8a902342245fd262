// starter.cpp - see starter.h.
#include "starter.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "kind.h"
#include "rng.h"

namespace mf {

result<std::vector<int32_t>> movies_starter(const model & m, int32_t n, uint64_t seed,
                                            const std::vector<int32_t> & exclude, int32_t pool) {
    using R = result<std::vector<int32_t>>;
    if (n < 1 || n > starter_n_max) return R::fail("starter: n must be within 1.." + std::to_string(starter_n_max));
    if (pool < n) return R::fail("starter: the pool (" + std::to_string(pool) + ") must hold at least n movies");
    const int32_t n_items = m.n_items();
    std::vector<char> excluded((size_t) n_items, 0);
    for (int32_t e : exclude) {
        if (e < 0 || e >= n_items)
            return R::fail("starter: excluded movie row " + std::to_string(e) + " is outside 0.." +
                           std::to_string(n_items - 1));
        excluded[(size_t) e] = 1;
    }
    auto count = [&](int32_t i) { return i < (int32_t) m.item_counts.size() ? m.item_counts[(size_t) i] : 0; };

    // the pool: the most-rated movies left, ties by row
    std::vector<int32_t> cand;
    for (int32_t i = 0; i < n_items; ++i)
        if (!excluded[(size_t) i] && count(i) > 0) cand.push_back(i);
    const size_t keep = std::min(cand.size(), (size_t) pool);
    std::partial_sort(cand.begin(), cand.begin() + (std::ptrdiff_t) keep, cand.end(),
                      [&](int32_t a, int32_t b) { return count(a) != count(b) ? count(a) > count(b) : a < b; });
    cand.resize(keep);
    const size_t want = std::min(cand.size(), (size_t) n);

    const kind_ops * kind = kind_get(m.params.kind);
    const bool vectors = kind && (kind->caps & kind_vectors) && m.k > 0 && m.items.cols() == m.k + 1;
    if (!vectors || want == 0) {
        cand.resize(want);
        return cand;
    }

    // unit item vectors q_i / |q_i| (a zero vector stays zero: cosine 0 with everything)
    const int k = m.k;
    matrix_f u((Eigen::Index) cand.size(), k);
    for (size_t c = 0; c < cand.size(); ++c) {
        Eigen::VectorXf q = m.items.row(cand[c]).segment(1, k).transpose();
        float norm = q.norm();
        if (norm > 0) q /= norm;
        u.row((Eigen::Index) c) = q.transpose();
    }
    std::vector<double> weight(cand.size());
    for (size_t c = 0; c < cand.size(); ++c) weight[c] = std::log1p((double) count(cand[c]));

    rng g(seed);
    std::vector<int32_t> out;
    std::vector<char> taken(cand.size(), 0);
    std::vector<double> max_cos(cand.size(), -1.0);
    size_t first = seed == 0 ? 0 : (size_t) g.below(std::min<size_t>(10, cand.size()));
    for (;;) {
        taken[first] = 1;
        out.push_back(cand[first]);
        if (out.size() == want) break;
        Eigen::VectorXf s = u * u.row((Eigen::Index) first).transpose();
        double total = 0;
        for (size_t c = 0; c < cand.size(); ++c) {
            max_cos[c] = std::max(max_cos[c], (double) s((Eigen::Index) c));
            if (!taken[c]) {
                double d = 1.0 - max_cos[c];
                total += d * d * weight[c];
            }
        }
        size_t next = cand.size();
        if (total > 0) {
            double x = g.uniform() * total;
            for (size_t c = 0; c < cand.size(); ++c) {
                if (taken[c]) continue;
                double d = 1.0 - max_cos[c];
                x -= d * d * weight[c];
                next = c;
                if (x < 0) break;
            }
        } else {  // every movie left is a duplicate of a chosen one: the most popular left
            for (size_t c = 0; c < cand.size() && next == cand.size(); ++c)
                if (!taken[c]) next = c;
        }
        first = next;
    }
    return out;
}

}  // namespace mf
