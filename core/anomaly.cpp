#include "anomaly.h"

#include <algorithm>
#include <array>
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

namespace {

// Co-rating item embedding: the top `dims` eigenvectors of W Xᵀ N⁻¹ X W (X the 0/1 who-rated-what
// matrix, N the users' counts, W = diag(1 / sqrt(n_i))) by subspace iteration from a seeded start;
// the first (popularity) dropped, each row scaled to unit length. Row-major, ni × (dims - 1).
std::vector<double> taste_embedding(const dataset & d, int32_t dims, const std::vector<int64_t> & nu_count,
                                    const std::vector<int64_t> & ni_count) {
    const int32_t nu = d.users.size(), ni = d.items.size();
    const size_t k = (size_t) dims;
    std::vector<std::vector<int32_t>> rows((size_t) nu);
    for (int64_t p = 0; p < d.size(); ++p) rows[(size_t) d.user[(size_t) p]].push_back(d.item[(size_t) p]);
    std::vector<double> w((size_t) ni, 0.0);
    for (int32_t i = 0; i < ni; ++i)
        w[(size_t) i] = ni_count[(size_t) i] > 0 ? 1.0 / std::sqrt((double) ni_count[(size_t) i]) : 0.0;
    std::vector<double> q((size_t) ni * k), y((size_t) ni * k), s(k);
    rng r(0x5eed);
    for (double & v : q) v = r.normal();
    for (int it = 0; it < 8; ++it) {
        std::fill(y.begin(), y.end(), 0.0);
        for (int32_t u = 0; u < nu; ++u) {
            if (rows[(size_t) u].empty()) continue;
            std::fill(s.begin(), s.end(), 0.0);
            for (int32_t i : rows[(size_t) u])
                for (size_t c = 0; c < k; ++c) s[c] += w[(size_t) i] * q[(size_t) i * k + c];
            const double wu = 1.0 / (double) nu_count[(size_t) u];
            for (int32_t i : rows[(size_t) u])
                for (size_t c = 0; c < k; ++c) y[(size_t) i * k + c] += wu * w[(size_t) i] * s[c];
        }
        // modified Gram-Schmidt on the columns
        for (size_t c = 0; c < k; ++c) {
            for (size_t e = 0; e < c; ++e) {
                double dot = 0;
                for (int32_t i = 0; i < ni; ++i) dot += y[(size_t) i * k + c] * y[(size_t) i * k + e];
                for (int32_t i = 0; i < ni; ++i) y[(size_t) i * k + c] -= dot * y[(size_t) i * k + e];
            }
            double nrm = 0;
            for (int32_t i = 0; i < ni; ++i) nrm += y[(size_t) i * k + c] * y[(size_t) i * k + c];
            nrm = nrm > 0 ? 1.0 / std::sqrt(nrm) : 0.0;
            for (int32_t i = 0; i < ni; ++i) y[(size_t) i * k + c] *= nrm;
        }
        q.swap(y);
    }
    const size_t m = k - 1;
    std::vector<double> out((size_t) ni * m, 0.0);
    for (int32_t i = 0; i < ni; ++i) {
        double nrm = 0;
        for (size_t c = 1; c < k; ++c) nrm += q[(size_t) i * k + c] * q[(size_t) i * k + c];
        if (nrm <= 0) continue;
        nrm = 1.0 / std::sqrt(nrm);
        for (size_t c = 1; c < k; ++c) out[(size_t) i * m + c - 1] = q[(size_t) i * k + c] * nrm;
    }
    return out;
}

double sq_dist(const double * a, const double * b, size_t m) {
    double s = 0;
    for (size_t c = 0; c < m; ++c) s += (a[c] - b[c]) * (a[c] - b[c]);
    return s;
}

// The best split of an account's sessions into 2 groups: each session described by the mean vector
// of its movies, 2-means of the sessions weighted by their sizes (seeds: every pair of sessions up
// to 12 sessions, else each of 12 evenly spaced sessions with the one farthest from it). Returns
// B / (T / (n - 1)), B the between-groups and T the total sum of squares of the movie vectors;
// `labels` (if given) gets each session's group.
double best_split(const std::vector<int32_t> & items, const std::vector<size_t> & start,
                  const std::vector<double> & emb, size_t m, std::vector<int> * labels) {
    const size_t k = start.size() - 1, n = items.size();
    std::vector<double> mean(m, 0.0), sm(k * m, 0.0), wt(k);
    for (size_t s = 0; s < k; ++s) {
        wt[s] = (double) (start[s + 1] - start[s]);
        for (size_t j = start[s]; j < start[s + 1]; ++j)
            for (size_t c = 0; c < m; ++c) sm[s * m + c] += emb[(size_t) items[j] * m + c];
        for (size_t c = 0; c < m; ++c) mean[c] += sm[s * m + c], sm[s * m + c] /= wt[s];
    }
    for (double & v : mean) v /= (double) n;
    double total = 0;
    for (size_t j = 0; j < n; ++j) total += sq_dist(&emb[(size_t) items[j] * m], mean.data(), m);
    if (total <= 0) return 0;
    std::vector<std::pair<size_t, size_t>> seeds;
    if (k <= 12) {
        for (size_t p = 0; p < k; ++p)
            for (size_t q = p + 1; q < k; ++q) seeds.push_back({p, q});
    } else {
        for (size_t e = 0; e < 12; ++e) {
            const size_t p = e * k / 12;
            size_t far = p == 0 ? 1 : 0;
            for (size_t q = 0; q < k; ++q)
                if (q != p && sq_dist(&sm[p * m], &sm[q * m], m) > sq_dist(&sm[p * m], &sm[far * m], m)) far = q;
            seeds.push_back({p, far});
        }
    }
    double best = 0;
    std::vector<int> lab(k), best_lab(k, 0);
    std::vector<double> c0(m), c1(m);
    for (auto [p, q] : seeds) {
        std::copy(&sm[p * m], &sm[p * m] + m, c0.begin());
        std::copy(&sm[q * m], &sm[q * m] + m, c1.begin());
        double n0 = 0, n1 = 0;
        for (int iter = 0; iter < 20; ++iter) {
            bool changed = false;
            for (size_t s = 0; s < k; ++s) {
                const int l = sq_dist(&sm[s * m], c0.data(), m) <= sq_dist(&sm[s * m], c1.data(), m) ? 0 : 1;
                changed |= iter == 0 || l != lab[s];
                lab[s] = l;
            }
            n0 = n1 = 0;
            std::fill(c0.begin(), c0.end(), 0.0);
            std::fill(c1.begin(), c1.end(), 0.0);
            for (size_t s = 0; s < k; ++s) {
                std::vector<double> & c = lab[s] ? c1 : c0;
                (lab[s] ? n1 : n0) += wt[s];
                for (size_t e = 0; e < m; ++e) c[e] += wt[s] * sm[s * m + e];
            }
            if (n0 == 0 || n1 == 0) break;
            for (size_t e = 0; e < m; ++e) c0[e] /= n0, c1[e] /= n1;
            if (!changed) break;
        }
        if (n0 == 0 || n1 == 0) continue;
        const double between = n0 * n1 / (double) n * sq_dist(c0.data(), c1.data(), m);
        if (between > best) best = between, best_lab = lab;
    }
    if (labels) *labels = best_lab;
    return best / (total / (double) (n - 1));
}

// One account: its ratings (time, item) cut into sessions at gaps > gap; its best split against
// the same account with its movies dealt at random into sessions of the same sizes (`null`
// draws): a.split = (split - mean of the null splits) / their sd. Fills a.sessions, a.split,
// a.switches (group changes in time order).
void session_split(std::vector<std::pair<int64_t, int32_t>> & tr, const std::vector<double> & emb, size_t m,
                   int64_t gap, int32_t null, uint64_t seed, user_anomaly & a) {
    std::sort(tr.begin(), tr.end());
    std::vector<size_t> start = {0};
    for (size_t j = 1; j < tr.size(); ++j)
        if (tr[j].first - tr[j - 1].first > gap) start.push_back(j);
    const size_t k = start.size(), n = tr.size();
    a.sessions = (int32_t) k;
    if (k < 2) return;
    start.push_back(n);
    std::vector<int32_t> items(n);
    for (size_t j = 0; j < n; ++j) items[j] = tr[j].second;
    std::vector<int> lab;
    const double split = best_split(items, start, emb, m, &lab);
    for (size_t s = 1; s < k; ++s) a.switches += lab[s] != lab[s - 1];
    if (null < 2) {
        a.split = split;
        return;
    }
    rng r(seed);
    double sum = 0, sum2 = 0;
    for (int32_t t = 0; t < null; ++t) {
        for (size_t j = n - 1; j > 0; --j) std::swap(items[j], items[(size_t) r.below(j + 1)]);
        const double x = best_split(items, start, emb, m, nullptr);
        sum += x, sum2 += x * x;
    }
    const double mean = sum / null, var = std::max(0.0, (sum2 - null * mean * mean) / (null - 1));
    a.split = (split - mean) / std::max(std::sqrt(var), 1e-3 * std::max(mean, 1e-9));
}

void shared_scores(const dataset & d, const anomaly_options & o, const std::vector<int64_t> & nu_count,
                   const std::vector<int64_t> & ni_count, const std::vector<int32_t> & slot,
                   std::vector<user_anomaly> & out) {
    if ((int64_t) d.time.size() != d.size() || o.taste_dims < 2) return;
    bool any_time = false;
    for (int64_t t : d.time) any_time |= t != 0;
    if (!any_time) return;
    const size_t m = (size_t) o.taste_dims - 1;
    const std::vector<double> emb = taste_embedding(d, o.taste_dims, nu_count, ni_count);
    std::vector<std::vector<std::pair<int64_t, int32_t>>> tr(out.size());
    for (int64_t p = 0; p < d.size(); ++p)
        tr[(size_t) slot[(size_t) d.user[(size_t) p]]].push_back({d.time[(size_t) p], d.item[(size_t) p]});
    for (size_t j = 0; j < out.size(); ++j) {
        session_split(tr[j], emb, m, o.session_gap, o.shared_null, rng_hash(o.seed, (uint64_t) out[j].user), out[j]);
        std::vector<std::pair<int64_t, int32_t>>().swap(tr[j]);
    }
    std::vector<double> splits;
    for (const user_anomaly & a : out)
        if (a.sessions >= 2) splits.push_back(a.split);
    const robust_stats z = robust_stats_of(splits);
    for (user_anomaly & a : out) {
        if (a.sessions < 2) continue;
        a.shared_z = robust_z(a.split, z);
        a.shared = a.shared_z > o.shared_threshold;
    }
}

}  // namespace

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
    shared_scores(d, o, nu_count, ni_count, slot, out);
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

namespace mf {

std::vector<int32_t> plant_shared(dataset & d, int32_t n, uint64_t seed, int64_t session_gap,
                                  std::vector<std::pair<int32_t, int32_t>> * pairs_out) {
    std::vector<int32_t> out;
    const int32_t nu = d.users.size();
    if (n <= 0 || nu < 2 || (int64_t) d.time.size() != d.size()) return out;
    rng r(seed);
    std::vector<std::vector<int64_t>> rows((size_t) nu);
    for (int64_t p = 0; p < d.size(); ++p) rows[(size_t) d.user[(size_t) p]].push_back(p);
    std::vector<int64_t> counts;
    for (const auto & rw : rows)
        if (!rw.empty()) counts.push_back((int64_t) rw.size());
    if (counts.empty()) return out;
    std::sort(counts.begin(), counts.end());
    const int64_t lo = counts[counts.size() / 10], hi = counts[counts.size() / 2];
    std::vector<int32_t> cand;
    for (int32_t u = 0; u < nu; ++u)
        if ((int64_t) rows[(size_t) u].size() >= lo && (int64_t) rows[(size_t) u].size() <= hi) cand.push_back(u);
    // genre profiles, unit length
    std::vector<std::array<double, genre_max>> prof((size_t) nu);
    for (int32_t u : cand) {
        auto & v = prof[(size_t) u];
        v.fill(0.0);
        for (int64_t p : rows[(size_t) u]) {
            const uint32_t g = d.items.genres.empty() ? 0u : d.items.genres[(size_t) d.item[(size_t) p]];
            const int c = genre_count(g);
            for (int b = 0; b < genre_max; ++b)
                if (g >> b & 1u) v[(size_t) b] += 1.0 / c;
        }
        double nrm = 0;
        for (double x : v) nrm += x * x;
        if (nrm > 0)
            for (double & x : v) x /= std::sqrt(nrm);
    }
    std::vector<char> used((size_t) nu, 0);
    int32_t id = next_user_id(d);
    for (int64_t attempt = 0; (int32_t) out.size() < n && attempt < 100000 && cand.size() >= 2; ++attempt) {
        const int32_t a = cand[(size_t) r.below(cand.size())], b = cand[(size_t) r.below(cand.size())];
        if (a == b || used[(size_t) a] || used[(size_t) b]) continue;
        double cos = 0;
        for (int g = 0; g < genre_max; ++g) cos += prof[(size_t) a][(size_t) g] * prof[(size_t) b][(size_t) g];
        if (cos >= 0.75) continue;
        used[(size_t) a] = used[(size_t) b] = 1;
        if (pairs_out) pairs_out->push_back({a, b});
        auto by_time = [&](int32_t u) {
            std::vector<std::pair<int64_t, int64_t>> t;  // (time, rating position)
            for (int64_t p : rows[(size_t) u]) t.push_back({d.time[(size_t) p], p});
            std::sort(t.begin(), t.end());
            return t;
        };
        const auto ta = by_time(a), tb = by_time(b);
        // a's sessions are the busy intervals
        std::vector<std::pair<int64_t, int64_t>> busy;
        for (size_t j = 0; j < ta.size(); ++j) {
            if (j == 0 || ta[j].first - ta[j - 1].first > session_gap) busy.push_back({ta[j].first, ta[j].first});
            busy.back().second = ta[j].first;
        }
        std::vector<size_t> bstart;
        for (size_t j = 0; j < tb.size(); ++j)
            if (j == 0 || tb[j].first - tb[j - 1].first > session_gap) bstart.push_back(j);
        const int64_t t0 = ta.front().first, day = 86400;
        const int64_t span =
            std::max({ta.back().first - ta.front().first, tb.back().first - tb.front().first, 7 * day});
        const int64_t bspan = tb[bstart.back()].first - tb.front().first;
        const int32_t u = d.users.get_or_add(id++);
        out.push_back(u);
        std::vector<char> has((size_t) d.items.size(), 0);
        for (const auto & x : ta) {
            const int64_t p = x.second;
            has[(size_t) d.item[(size_t) p]] = 1;
            d.push(u, d.item[(size_t) p], d.rating[(size_t) p], d.time[(size_t) p]);
        }
        for (size_t s = 0; s < bstart.size(); ++s) {
            const size_t e = s + 1 < bstart.size() ? bstart[s + 1] : tb.size();
            const int64_t dur = tb[e - 1].first - tb[bstart[s]].first;
            int64_t st = bspan > 0 ? t0 + (int64_t) ((double) (tb[bstart[s]].first - tb.front().first) /
                                                     (double) bspan * (double) span)
                                   : t0 + (int64_t) (r.uniform() * (double) span);
            for (bool moved = true; moved;) {
                moved = false;
                for (const auto & iv : busy)
                    if (st - session_gap - 1 <= iv.second && st + dur + session_gap + 1 >= iv.first) {
                        st = iv.second + session_gap + 3600 + (int64_t) r.below((uint64_t) day);
                        moved = true;
                    }
            }
            busy.push_back({st, st + dur});
            for (size_t j = bstart[s]; j < e; ++j) {
                const int64_t p = tb[j].second;
                if (has[(size_t) d.item[(size_t) p]]) continue;
                has[(size_t) d.item[(size_t) p]] = 1;
                d.push(u, d.item[(size_t) p], d.rating[(size_t) p], st + (tb[j].first - tb[bstart[s]].first));
            }
        }
    }
    return out;
}

}  // namespace mf
