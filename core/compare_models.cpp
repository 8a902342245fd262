#include "compare_models.h"

#include <cmath>
#include <map>

#include "kind.h"
#include "rng.h"

namespace mf {

namespace {

bool kind_rates_of(const model & m) {
    const kind_ops * k = kind_get(m.params.kind);
    return k && (k->caps & kind_rates);
}

// per user of d: squared and absolute errors of both models on the ratings both can rate
struct rating_sums {
    paired_units se, ae;
    int64_t n_rated = 0;
};

rating_sums rating_units(const model & a, const model & b, const dataset & d, const std::vector<int64_t> & positions) {
    auto rows_of = [&](const model & m, std::vector<int32_t> & ur, std::vector<int32_t> & ir) {
        ur.resize((size_t) d.users.size());
        ir.resize((size_t) d.items.size());
        for (int32_t u = 0; u < d.users.size(); ++u) ur[u] = m.find_user(d.users.ids[u]);
        for (int32_t i = 0; i < d.items.size(); ++i) ir[i] = m.items_info.find(d.items.movie_id[i]);
    };
    std::vector<int32_t> ua, ia, ub, ib;
    rows_of(a, ua, ia);
    rows_of(b, ub, ib);
    std::map<int32_t, int32_t> unit;  // user of d -> unit, in user order
    std::vector<double> sa, sb, aa, ab, w;
    rating_sums out;
    for (int64_t p : positions) {
        const int32_t u = d.user[p], i = d.item[p];
        if (ia[i] < 0 || ib[i] < 0) continue;
        const float r = d.rating[p];
        const double ea = (double) a.predict(ua[u], ia[i]) - r, eb = (double) b.predict(ub[u], ib[i]) - r;
        auto it = unit.find(u);
        if (it == unit.end()) {
            it = unit.emplace(u, (int32_t) w.size()).first;
            sa.push_back(0), sb.push_back(0), aa.push_back(0), ab.push_back(0), w.push_back(0);
        }
        const size_t q = (size_t) it->second;
        sa[q] += ea * ea, sb[q] += eb * eb, aa[q] += std::fabs(ea), ab[q] += std::fabs(eb), w[q] += 1;
        ++out.n_rated;
    }
    // units in user order (the map's), so the draws do not depend on the file's order
    for (auto & [user, q] : unit) {
        (void) user;
        out.se.a.push_back(sa[(size_t) q]), out.se.b.push_back(sb[(size_t) q]), out.se.w.push_back(w[(size_t) q]);
        out.ae.a.push_back(aa[(size_t) q]), out.ae.b.push_back(ab[(size_t) q]), out.ae.w.push_back(w[(size_t) q]);
    }
    out.se.root = true;
    return out;
}

using per_user_member = std::vector<float> ranking_report::*;

}  // namespace

result<model_comparison> models_compare(const model & a, const model & b, const dataset & d,
                                        const std::vector<int64_t> & positions, const eval_options & eo,
                                        const compare_options & co, const compare_progress & progress) {
    using R = result<model_comparison>;
    model_comparison out;
    const bool rates = eo.rating && kind_rates_of(a) && kind_rates_of(b);
    const int32_t total = (rates ? 2 : 0) + (eo.ranking ? 2 + 8 : 0);
    int32_t done = 0;
    auto step = [&](const std::string & what) {
        if (progress) progress(++done, total, what);
    };
    out.n_test = (int64_t) positions.size();
    out.k = eo.rank.k;
    uint64_t j = 0;  // metric index: its own draws
    auto add = [&](const std::string & name, bool higher, const paired_units & u) -> status {
        compare_options c = co;
        c.seed = rng_hash(co.seed, j++);
        result<compare_value> v = compare_paired(u, c);
        if (!v) return status::fail(name + ": " + v.error());
        out.metrics.push_back({name, higher, *v});
        step(name);
        return status{};
    };
    if (rates) {
        rating_sums rs = rating_units(a, b, d, positions);
        out.n_rated = rs.n_rated;
        out.rating_users = (int64_t) rs.se.w.size();
        if (out.rating_users == 0) return R::fail("no held-out rating of a movie both models know");
        if (status s = add("rmse", false, rs.se); !s) return R::fail(s.error);
        if (status s = add("mae", false, rs.ae); !s) return R::fail(s.error);
    }
    if (eo.ranking) {
        eval_options e = eo;
        e.rating = false;
        e.similar = false;
        result<eval_report> ra = pipeline_evaluate(a, d, positions, e);
        if (!ra) return R::fail("model A: " + ra.error());
        step("model A evaluated");
        result<eval_report> rb = pipeline_evaluate(b, d, positions, e);
        if (!rb) return R::fail("model B: " + rb.error());
        step("model B evaluated");
        const ranking_report & x = ra->ranking;
        const ranking_report & y = rb->ranking;
        // pair by MovieLens id: rows may differ between the two models
        std::map<int32_t, size_t> in_b;
        for (size_t q = 0; q < y.users.size(); ++q) in_b.emplace(b.user_ids[(size_t) y.users[q]], q);
        std::vector<std::pair<size_t, size_t>> pairs;  // (index in x, index in y), by x's user order
        for (size_t q = 0; q < x.users.size(); ++q) {
            auto it = in_b.find(a.user_ids[(size_t) x.users[q]]);
            if (it != in_b.end()) pairs.emplace_back(q, it->second);
        }
        out.ranking_users = (int64_t) pairs.size();
        if (pairs.empty()) return R::fail("the two models share no held-out user to rank for");
        const std::string K = std::to_string(eo.rank.k);
        const std::vector<std::pair<std::string, per_user_member>> per = {
            {"precision_at_" + K, &ranking_report::per_user_precision},
            {"recall_at_" + K, &ranking_report::per_user_recall},
            {"ndcg_at_" + K, &ranking_report::per_user_ndcg},
            {"map_at_" + K, &ranking_report::per_user_map},
            {"hit_rate_at_" + K, &ranking_report::per_user_hit},
            {"mrr", &ranking_report::per_user_rr},
            {"auc", &ranking_report::per_user_auc},
            {"novelty_at_" + K, &ranking_report::per_user_novelty}};
        for (const auto & [name, member] : per) {
            paired_units u;
            for (auto [qa, qb] : pairs) {
                const float va = (x.*member)[qa], vb = (y.*member)[qb];
                if (std::isnan(va) || std::isnan(vb)) continue;  // AUC without a non-relevant candidate
                u.a.push_back(va), u.b.push_back(vb), u.w.push_back(1);
            }
            if (u.w.empty()) {
                step(name);
                continue;
            }
            if (status s = add(name, true, u); !s) return R::fail(s.error);
        }
    }
    if (out.metrics.empty()) return R::fail("no metric both models can be measured on");
    return out;
}

}  // namespace mf
