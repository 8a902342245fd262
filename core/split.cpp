#include "split.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "rng.h"

namespace mf {

namespace {

bool parse_double(const std::string & s, double & out) {
    if (s.empty()) return false;
    char * end = nullptr;
    out = std::strtod(s.c_str(), &end);
    return end == s.c_str() + s.size() && std::isfinite(out);
}

// days since 1970-01-01 of a civil date (Howard Hinnant's algorithm)
int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

// exactly round(F n) of the n = held.size() positions set to 1: a seeded partial Fisher-Yates
template <class Pos>
void split_random_draw(std::vector<uint8_t> & held, double fraction, uint64_t seed) {
    const int64_t n = (int64_t) held.size();
    const int64_t n_test = (int64_t) std::llround(fraction * (double) n);
    std::vector<Pos> perm((size_t) n);
    for (int64_t k = 0; k < n; ++k) perm[(size_t) k] = (Pos) k;
    rng r(seed);
    for (int64_t k = 0; k < n_test; ++k) {
        const int64_t j = k + (int64_t) r.below((uint64_t) (n - k));
        std::swap(perm[(size_t) k], perm[(size_t) j]);
        held[(size_t) perm[(size_t) k]] = 1;
    }
}

}  // namespace

result<split_spec> split_parse(const std::string & text) {
    split_spec s;
    s.text = text;
    if (text == "none" || text.empty()) return s;
    size_t colon = text.find(':');
    std::string kind = text.substr(0, colon);
    std::string arg = colon == std::string::npos ? "" : text.substr(colon + 1);
    const std::string usage = "split '" + text + "': expected random:F, user-time:F, last:N, time:YYYY-MM-DD or none";
    if (kind == "random" || kind == "user-time") {
        double f;
        if (!parse_double(arg, f) || !(f > 0.0 && f < 1.0))
            return result<split_spec>::fail(usage + " (F must be a number strictly between 0 and 1)");
        s.kind = kind == "random" ? split_spec::random : split_spec::user_time;
        s.fraction = f;
        return s;
    }
    if (kind == "last") {
        char * end = nullptr;
        long long n = std::strtoll(arg.c_str(), &end, 10);
        if (arg.empty() || end != arg.c_str() + arg.size() || n < 1)
            return result<split_spec>::fail(usage + " (N must be a positive integer)");
        s.kind = split_spec::last;
        s.count = n;
        return s;
    }
    if (kind == "time") {
        int y = 0, m = 0, d = 0;
        char tail = 0;
        if (arg.size() != 10 || std::sscanf(arg.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || m < 1 || m > 12 ||
            d < 1 || d > 31)
            return result<split_spec>::fail(usage + " (DATE must be YYYY-MM-DD)");
        s.kind = split_spec::time;
        s.cut = days_from_civil(y, m, d) * 86400;
        return s;
    }
    return result<split_spec>::fail(usage);
}

bool split_needs_time(const split_spec & spec) {
    return spec.kind == split_spec::user_time || spec.kind == split_spec::last || spec.kind == split_spec::time;
}

result<std::vector<uint8_t>> split_mask(const dataset & d, const split_spec & spec, uint64_t seed) {
    const int64_t n = d.size();
    if (split_needs_time(spec) && (int64_t) d.time.size() != n)
        return result<std::vector<uint8_t>>::fail("split " + spec.text +
                                                  ": the ratings were loaded without timestamps");
    std::vector<uint8_t> held((size_t) n, 0);
    switch (spec.kind) {
        case split_spec::none:
            break;
        case split_spec::random: {
            // exactly round(F n) held out: a seeded partial Fisher-Yates over positions
            // (positions as 32 bits when they fit: half the memory, the same draws)
            if (n <= (int64_t) UINT32_MAX)
                split_random_draw<uint32_t>(held, spec.fraction, seed);
            else
                split_random_draw<int64_t>(held, spec.fraction, seed);
            break;
        }
        case split_spec::user_time:
        case split_spec::last: {
            // group positions by user (counting sort), order each group by (time, position)
            const int32_t nu = d.users.size();
            std::vector<int64_t> start((size_t) nu + 1, 0);
            for (int64_t k = 0; k < n; ++k) start[d.user[k] + 1]++;
            for (int32_t u = 0; u < nu; ++u) start[u + 1] += start[u];
            std::vector<int64_t> order((size_t) n);
            std::vector<int64_t> fill(start.begin(), start.end() - 1);
            for (int64_t k = 0; k < n; ++k) order[fill[d.user[k]]++] = k;
            for (int32_t u = 0; u < nu; ++u) {
                int64_t * b = order.data() + start[u];
                int64_t * e = order.data() + start[u + 1];
                int64_t nu_r = e - b;
                std::sort(b, e,
                          [&](int64_t x, int64_t y) { return d.time[x] != d.time[y] ? d.time[x] < d.time[y] : x < y; });
                int64_t k_test =
                    spec.kind == split_spec::last ? spec.count : (int64_t) std::llround(spec.fraction * (double) nu_r);
                if (k_test > nu_r - 1) k_test = nu_r - 1;  // keep one rating to learn the user from
                for (int64_t k = nu_r - k_test; k < nu_r; ++k) held[b[k]] = 1;
            }
            break;
        }
        case split_spec::time:
            for (int64_t k = 0; k < n; ++k) held[k] = d.time[k] >= spec.cut;
            break;
    }
    return held;
}

result<split_result> split_apply(const dataset & d, const split_spec & spec, uint64_t seed) {
    result<std::vector<uint8_t>> held = split_mask(d, spec, seed);
    if (!held) return result<split_result>::fail(held.error());
    split_result out;
    for (int64_t k = 0; k < d.size(); ++k) ((*held)[(size_t) k] ? out.test : out.train).push_back(k);
    return out;
}

std::vector<uint8_t> split_rows_holdout(const sparse_rows & rows, const int64_t * time, uint64_t seed) {
    std::vector<uint8_t> mask((size_t) rows.nnz(), 0);
    std::vector<int64_t> order;
    for (int32_t u = 0; u < rows.rows(); ++u) {
        const int64_t n = rows.row_size(u);
        const int64_t h = n >= 5 ? n / 5 : 0;
        if (h == 0) continue;
        const uint64_t at = rows.ptr[u];
        order.resize((size_t) n);
        for (int64_t e = 0; e < n; ++e) order[(size_t) e] = e;
        if (time) {  // the latest h first
            std::stable_sort(order.begin(), order.end(),
                             [&](int64_t a, int64_t b) { return time[at + (uint64_t) a] > time[at + (uint64_t) b]; });
        } else {  // a partial Fisher-Yates shuffle: the first h
            rng g(seed ^ (0xA0761D6478BD642Full * (uint64_t) (u + 1)));
            for (int64_t e = 0; e < h; ++e) {
                const int64_t j = std::min(n - 1, e + (int64_t) (g.uniform() * (double) (n - e)));
                std::swap(order[(size_t) e], order[(size_t) j]);
            }
        }
        for (int64_t e = 0; e < h; ++e) mask[at + (uint64_t) order[(size_t) e]] = 1;
    }
    return mask;
}

}  // namespace mf
