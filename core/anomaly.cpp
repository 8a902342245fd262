#include "anomaly.h"

#include <algorithm>
#include <cmath>

#include "rng.h"

namespace mf {

robust_stats robust_stats_of(std::vector<double> x) {
    robust_stats s;
    if (x.empty()) return s;
    auto median = [](std::vector<double> & v) {
        std::sort(v.begin(), v.end());
        const size_t n = v.size();
        return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
    };
    s.median = median(x);
    double mean_abs = 0;
    for (double & v : x) {
        v = std::fabs(v - s.median);
        mean_abs += v;
    }
    s.mad = median(x);
    // a degenerate MAD (more than half the values equal): the mean absolute deviation, scaled to
    // match the MAD of a normal distribution (0.6745 σ against 0.7979 σ)
    if (s.mad == 0) s.mad = mean_abs / (double) x.size() * (0.6745 / 0.7979);
    return s;
}

double robust_z(double x, const robust_stats & s) {
    const double scale = s.mad > 0 ? 1.4826 * s.mad : 1.0;
    return (x - s.median) / scale;
}

result<std::vector<user_anomaly>> anomalies_score(const dataset & d, const anomaly_options & o) {
    using R = result<std::vector<user_anomaly>>;
    const int64_t n = d.size();
    if (n == 0) return R::fail("anomalies: no ratings");
    const int32_t nu = d.users.size(), ni = d.items.size();
    double mu = 0;
    float top = -INFINITY;
    for (int64_t p = 0; p < n; ++p) {
        mu += d.rating[(size_t) p];
        top = std::max(top, d.rating[(size_t) p]);
    }
    mu /= (double) n;
    std::vector<double> bu((size_t) nu, 0.0), bi((size_t) ni, 0.0), su, si;
    std::vector<int64_t> nu_count((size_t) nu, 0), ni_count((size_t) ni, 0);
    for (int64_t p = 0; p < n; ++p) ++nu_count[(size_t) d.user[(size_t) p]], ++ni_count[(size_t) d.item[(size_t) p]];
    for (int pass = 0; pass < 3; ++pass) {
        si.assign((size_t) ni, 0.0);
        for (int64_t p = 0; p < n; ++p)
            si[(size_t) d.item[(size_t) p]] += d.rating[(size_t) p] - mu - bu[(size_t) d.user[(size_t) p]];
        for (int32_t i = 0; i < ni; ++i) bi[(size_t) i] = si[(size_t) i] / ((double) ni_count[(size_t) i] + o.lambda);
        su.assign((size_t) nu, 0.0);
        for (int64_t p = 0; p < n; ++p)
            su[(size_t) d.user[(size_t) p]] += d.rating[(size_t) p] - mu - bi[(size_t) d.item[(size_t) p]];
        for (int32_t u = 0; u < nu; ++u) bu[(size_t) u] = su[(size_t) u] / ((double) nu_count[(size_t) u] + o.lambda);
    }
    std::vector<double> res((size_t) nu, 0.0), pop((size_t) nu, 0.0);
    for (int64_t p = 0; p < n; ++p) {
        const int32_t u = d.user[(size_t) p], i = d.item[(size_t) p];
        res[(size_t) u] += std::fabs(d.rating[(size_t) p] - (mu + bu[(size_t) u] + bi[(size_t) i]));
        pop[(size_t) u] += std::log1p((double) ni_count[(size_t) i]);
    }
    std::vector<user_anomaly> out;
    std::vector<int32_t> slot((size_t) nu, -1);
    std::vector<double> rs, ps;
    for (int32_t u = 0; u < nu; ++u) {
        if (nu_count[(size_t) u] == 0) continue;
        user_anomaly a;
        a.user = u;
        a.n = (int32_t) nu_count[(size_t) u];
        a.residual = res[(size_t) u] / (double) a.n;
        a.popularity = pop[(size_t) u] / (double) a.n;
        slot[(size_t) u] = (int32_t) out.size();
        rs.push_back(a.residual);
        ps.push_back(a.popularity);
        out.push_back(a);
    }
    const robust_stats zr = robust_stats_of(rs), zp = robust_stats_of(ps);
    for (user_anomaly & a : out)
        a.base = std::max(0.0, robust_z(a.residual, zr)) + std::max(0.0, -robust_z(a.popularity, zp));
    // push: groups of odd profiles giving one movie full marks
    std::vector<double> push_sum((size_t) ni, 0.0), push_n((size_t) ni, 0.0);
    for (int64_t p = 0; p < n; ++p) {
        if (d.rating[(size_t) p] < top) continue;
        const int32_t i = d.item[(size_t) p];
        push_sum[(size_t) i] += out[(size_t) slot[(size_t) d.user[(size_t) p]]].base;
        push_n[(size_t) i] += 1;
    }
    for (int64_t p = 0; p < n; ++p) {
        if (d.rating[(size_t) p] < top) continue;
        const int32_t i = d.item[(size_t) p];
        user_anomaly & a = out[(size_t) slot[(size_t) d.user[(size_t) p]]];
        const double push = push_sum[(size_t) i] / (push_n[(size_t) i] + 10.0);
        if (push > a.push || (push == a.push && a.push_item >= 0 && i < a.push_item)) a.push = push, a.push_item = i;
    }
    std::vector<double> sh;
    for (user_anomaly & a : out) sh.push_back(a.shill = a.base + 2.0 * a.push);
    const robust_stats zs = robust_stats_of(sh);
    for (user_anomaly & a : out) {
        a.shill_z = robust_z(a.shill, zs);
        a.flagged = a.shill_z > o.threshold;
    }
    return out;
}

}  // namespace mf

namespace mf {

namespace {

int32_t next_user_id(const dataset & d) {
    int32_t m = 0;
    for (int32_t id : d.users.ids) m = std::max(m, id);
    return m + 1;
}

}  // namespace

std::vector<int32_t> plant_shilling(dataset & d, int32_t n, int32_t filler, int32_t target, uint64_t seed,
                                    int32_t * target_out) {
    rng r(seed);
    const int32_t ni = d.items.size();
    std::vector<int32_t> out;
    if (ni < 2 || n <= 0) return out;
    float lo = INFINITY, hi = -INFINITY;
    for (float v : d.rating) lo = std::min(lo, v), hi = std::max(hi, v);
    if (d.rating.empty()) lo = 1, hi = 5;
    if (target < 0) {
        std::vector<int64_t> count((size_t) ni, 0);
        for (int32_t i : d.item) ++count[(size_t) i];
        std::vector<int64_t> sorted = count;
        std::sort(sorted.begin(), sorted.end());
        const int64_t median = sorted[sorted.size() / 2];
        std::vector<int32_t> rare;
        for (int32_t i = 0; i < ni; ++i)
            if (count[(size_t) i] >= 1 && count[(size_t) i] < median) rare.push_back(i);
        if (rare.empty())
            for (int32_t i = 0; i < ni; ++i) rare.push_back(i);
        target = rare[(size_t) r.below(rare.size())];
    }
    if (target_out) *target_out = target;
    const bool timed = (int64_t) d.time.size() == d.size();
    const int64_t t = timed && !d.time.empty() ? d.time.back() : 0;
    int32_t id = next_user_id(d);
    const int32_t lo_star = (int32_t) std::ceil(lo), hi_star = (int32_t) std::floor(hi);
    for (int32_t j = 0; j < n; ++j) {
        const int32_t u = d.users.get_or_add(id++);
        out.push_back(u);
        std::vector<int32_t> seen = {target};
        d.push(u, target, hi, t);
        while ((int32_t) seen.size() < std::min(filler + 1, ni)) {
            const int32_t i = (int32_t) r.below((uint64_t) ni);
            if (std::find(seen.begin(), seen.end(), i) != seen.end()) continue;
            seen.push_back(i);
            d.push(u, i, (float) (lo_star + (int32_t) r.below((uint64_t) std::max(1, hi_star - lo_star + 1))), t);
        }
    }
    if (!timed) d.time.clear();
    return out;
}

}  // namespace mf
