#include "cv.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "rng.h"

namespace mf {

result<fold_mode> fold_mode_parse(const std::string & s) {
    if (s == "random") return fold_mode::random;
    if (s == "user") return fold_mode::user;
    if (s == "user-time") return fold_mode::user_time;
    return result<fold_mode>::fail("folds '" + s + "': expected random, user or user-time");
}

result<std::vector<int32_t>> folds_assign(const dataset & d, int32_t k, fold_mode mode, uint64_t seed) {
    using R = result<std::vector<int32_t>>;
    if (k < 2 || k > 100) return R::fail("folds: k must be within 2..100");
    const int64_t n = d.size();
    if (n < k) return R::fail("folds: fewer ratings (" + std::to_string(n) + ") than folds");
    std::vector<int32_t> fold((size_t) n);
    if (mode == fold_mode::random) {
        std::vector<int64_t> order((size_t) n);
        std::iota(order.begin(), order.end(), int64_t(0));
        rng r(seed);
        for (int64_t i = n - 1; i > 0; --i) std::swap(order[(size_t) i], order[(size_t) r.below((uint64_t) i + 1)]);
        for (int64_t j = 0; j < n; ++j) fold[(size_t) order[(size_t) j]] = (int32_t) (j % k);
        return fold;
    }
    if (mode == fold_mode::user_time && (int64_t) d.time.size() != n)
        return R::fail("folds: user-time folds need the ratings' timestamps");
    // by user: each user's positions in file order, then shuffled (or put in time order) per user
    const int32_t nu = d.users.size();
    std::vector<int64_t> ptr((size_t) nu + 1, 0), pos((size_t) n);
    for (int64_t p = 0; p < n; ++p) ++ptr[(size_t) d.user[(size_t) p] + 1];
    for (int32_t u = 0; u < nu; ++u) ptr[(size_t) u + 1] += ptr[(size_t) u];
    std::vector<int64_t> at(ptr.begin(), ptr.end() - 1);
    for (int64_t p = 0; p < n; ++p) pos[(size_t) at[(size_t) d.user[(size_t) p]]++] = p;
    for (int32_t u = 0; u < nu; ++u) {
        rng r(rng_hash(seed, (uint64_t) u));
        const int64_t b = ptr[(size_t) u], m = ptr[(size_t) u + 1] - b;
        if (mode == fold_mode::user_time) {
            // positions are increasing within the user: a stable sort by time breaks ties by position
            std::stable_sort(pos.begin() + b, pos.begin() + b + m,
                             [&](int64_t x, int64_t y) { return d.time[(size_t) x] < d.time[(size_t) y]; });
            for (int64_t j = 0; j < m; ++j) fold[(size_t) pos[(size_t) (b + j)]] = (int32_t) (j * k / m);
            continue;
        }
        for (int64_t i = m - 1; i > 0; --i)
            std::swap(pos[(size_t) (b + i)], pos[(size_t) (b + (int64_t) r.below((uint64_t) i + 1))]);
        const int64_t start = (int64_t) r.below((uint64_t) k);
        for (int64_t j = 0; j < m; ++j) fold[(size_t) pos[(size_t) (b + j)]] = (int32_t) ((start + j) % k);
    }
    return fold;
}

split_result fold_split(const std::vector<int32_t> & fold, int32_t f) {
    split_result s;
    for (size_t p = 0; p < fold.size(); ++p) (fold[p] == f ? s.test : s.train).push_back((int64_t) p);
    return s;
}

dataset dataset_subset(const dataset & d, const std::vector<int64_t> & positions) {
    dataset out;
    out.items = d.items;
    out.users = d.users;
    const bool timed = (int64_t) d.time.size() == d.size();
    out.user.reserve(positions.size());
    out.item.reserve(positions.size());
    out.rating.reserve(positions.size());
    if (timed) out.time.reserve(positions.size());
    for (int64_t p : positions) {
        out.user.push_back(d.user[(size_t) p]);
        out.item.push_back(d.item[(size_t) p]);
        out.rating.push_back(d.rating[(size_t) p]);
        if (timed) out.time.push_back(d.time[(size_t) p]);
    }
    return out;
}

mean_sd mean_sd_of(const std::vector<double> & x) {
    mean_sd m;
    if (x.empty()) return m;
    for (double v : x) m.mean += v;
    m.mean /= (double) x.size();
    if (x.size() < 2) return m;
    double ss = 0;
    for (double v : x) ss += (v - m.mean) * (v - m.mean);
    m.sd = std::sqrt(ss / (double) (x.size() - 1));
    return m;
}

}  // namespace mf
