#include "compare.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "rng.h"

namespace mf {

namespace {

double stat_of(double s, double w, bool root) {
    double m = w > 0 ? s / w : 0.0;
    return root ? std::sqrt(std::max(m, 0.0)) : m;
}

// |diff| of the observed statistic may differ from a swapped one by rounding only: count a swap
// as "at least as extreme" within a relative 1e-12 so that the identity swap always counts.
bool at_least(double x, double ref) {
    return std::fabs(x) >= std::fabs(ref) * (1.0 - 1e-12) - 1e-300;
}

}  // namespace

double quantile_sorted(const std::vector<double> & s, double q) {
    if (s.empty()) return 0.0;
    double h = q * (double) (s.size() - 1);
    size_t lo = (size_t) std::floor(h);
    size_t hi = std::min(lo + 1, s.size() - 1);
    return s[lo] + (h - (double) lo) * (s[hi] - s[lo]);
}

result<compare_value> compare_paired(const paired_units & u, const compare_options & o) {
    using R = result<compare_value>;
    const size_t n = u.w.size();
    if (u.a.size() != n || u.b.size() != n) return R::fail("compare: a, b and w differ in length");
    if (n == 0) return R::fail("compare: no unit (no user measured by both models)");
    if (o.bootstrap < 100) return R::fail("compare: bootstrap must be at least 100");
    if (o.permutations < 100) return R::fail("compare: permutations must be at least 100");
    if (o.exact_max < 0 || o.exact_max > 20) return R::fail("compare: exact_max must be within 0..20");
    if (!(o.level > 0 && o.level < 1)) return R::fail("compare: the level must be within (0, 1)");
    double sa = 0, sb = 0, sw = 0;
    for (size_t i = 0; i < n; ++i) {
        if (!(u.w[i] > 0) || !std::isfinite(u.w[i])) return R::fail("compare: a unit's weight is not positive");
        if (!std::isfinite(u.a[i]) || !std::isfinite(u.b[i])) return R::fail("compare: a unit's value is not finite");
        if (u.root && (u.a[i] < 0 || u.b[i] < 0)) return R::fail("compare: a squared error is negative");
        sa += u.a[i];
        sb += u.b[i];
        sw += u.w[i];
    }
    compare_value v;
    v.n = (int64_t) n;
    v.a = stat_of(sa, sw, u.root);
    v.b = stat_of(sb, sw, u.root);
    v.diff = v.b - v.a;

    // bootstrap over units
    rng r(o.seed);
    std::vector<double> diffs((size_t) o.bootstrap);
    for (int32_t t = 0; t < o.bootstrap; ++t) {
        double ba = 0, bb = 0, bw = 0;
        for (size_t k = 0; k < n; ++k) {
            size_t i = (size_t) r.below(n);
            ba += u.a[i];
            bb += u.b[i];
            bw += u.w[i];
        }
        diffs[(size_t) t] = stat_of(bb, bw, u.root) - stat_of(ba, bw, u.root);
    }
    std::sort(diffs.begin(), diffs.end());
    const double tail = (1.0 - o.level) / 2.0;
    v.ci_low = quantile_sorted(diffs, tail);
    v.ci_high = quantile_sorted(diffs, 1.0 - tail);

    // permutation: swap the labels of each unit
    if (n <= (size_t) o.exact_max) {
        const uint64_t total = 1ull << n;
        uint64_t extreme = 0;
        for (uint64_t mask = 0; mask < total; ++mask) {
            double pa = 0, pb = 0;
            for (size_t i = 0; i < n; ++i) {
                bool swap = (mask >> i) & 1u;
                pa += swap ? u.b[i] : u.a[i];
                pb += swap ? u.a[i] : u.b[i];
            }
            if (at_least(stat_of(pb, sw, u.root) - stat_of(pa, sw, u.root), v.diff)) ++extreme;
        }
        v.p_value = (double) extreme / (double) total;
    } else {
        rng pr(o.seed ^ 0x5bd1e995ull);
        int64_t extreme = 0;
        for (int32_t t = 0; t < o.permutations; ++t) {
            double pa = 0, pb = 0;
            uint64_t bits = 0;
            for (size_t i = 0; i < n; ++i) {
                if (i % 64 == 0) bits = pr.next_u64();
                bool swap = (bits >> (i % 64)) & 1u;
                pa += swap ? u.b[i] : u.a[i];
                pb += swap ? u.a[i] : u.b[i];
            }
            if (at_least(stat_of(pb, sw, u.root) - stat_of(pa, sw, u.root), v.diff)) ++extreme;
        }
        v.p_value = (double) (1 + extreme) / (double) (1 + o.permutations);
    }
    return v;
}

std::string compare_verdict(const std::string & metric, const compare_value & v, bool higher_better) {
    char ci[160], p[48];
    std::snprintf(ci, sizeof ci, "[%.4f, %.4f]", v.ci_low, v.ci_high);
    if (v.p_value < 0.001)
        std::snprintf(p, sizeof p, "p < 0.001");
    else
        std::snprintf(p, sizeof p, "p = %.3f", v.p_value);
    const bool excludes_zero = v.ci_low > 0 || v.ci_high < 0;
    if (!excludes_zero) {
        char d[64];
        std::snprintf(d, sizeof d, "%+.4f", v.diff);
        return "no significant difference on " + metric + ": B - A = " + d + " " + ci + ", " + p;
    }
    const bool b_better = (v.diff > 0) == higher_better;
    char by[64];
    std::snprintf(by, sizeof by, "%.4f", std::fabs(v.diff));
    return std::string(b_better ? "B" : "A") + " is better on " + metric + " by " + by + " (B - A in " + ci + "), " + p;
}

}  // namespace mf
