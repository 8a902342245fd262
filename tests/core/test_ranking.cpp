#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cmath>
#include <set>

#include "ranking.h"
#include "rng.h"

using namespace mf;

namespace {

sparse_rows rows_of(int32_t n_rows, const std::vector<int32_t> & r, const std::vector<int32_t> & c,
                    const std::vector<float> & v) {
    result<sparse_rows> s = sparse_rows_from_triplets(n_rows, r, c, v);
    REQUIRE(s.ok());
    return s.value();
}

// The hand example: 6 items (0..5), 4 users, K = 3.
//   user  train        held out (item:rating)      scores of items 0..5
//   0     {0}          {1:5, 3:4, 5:2}             0.9  0.65 0.7  0.1  0.5  0.6
//   1     {1, 2}       {4:3, 0:1}                  0.3  0.9  0.9  0.3  0.2  0.3
//   2     {0, 1}       {}                          (never asked: no relevant item)
//   3     {3, 4, 5, 0} {}                          (never asked)
struct example {
    int32_t n_items = 6;
    sparse_rows train =
        rows_of(4, {0, 1, 1, 2, 2, 3, 3, 3, 3}, {0, 1, 2, 0, 1, 3, 4, 5, 0}, {4, 4, 4, 4, 4, 4, 4, 4, 4});
    sparse_rows test = rows_of(4, {0, 0, 0, 1, 1}, {1, 3, 5, 4, 0}, {5, 4, 2, 3, 1});
    std::vector<std::vector<float>> s = {{0.9f, 0.65f, 0.7f, 0.1f, 0.5f, 0.6f},
                                         {0.3f, 0.9f, 0.9f, 0.3f, 0.2f, 0.3f},
                                         {0, 0, 0, 0, 0, 0},
                                         {0, 0, 0, 0, 0, 0}};
};

const double L3 = std::log2(3.0);  // log2(3) = 1.5849625
const double L4 = std::log2(4.0);  // = 2

// A random instance with many tied and some NaN scores, duplicate test entries, test items also
// in train, and users without test rows.
struct random_instance {
    int32_t n_users = 80, n_items = 50;
    sparse_rows train, test;
    random_instance() {
        rng r(11);
        std::vector<int32_t> tu, ti, su, si;
        std::vector<float> tv, sv;
        for (int32_t u = 0; u < n_users; ++u) {
            int nt = (int) r.below(15);
            for (int k = 0; k < nt; ++k) {
                tu.push_back(u);
                ti.push_back((int32_t) r.below((uint64_t) n_items));
                tv.push_back(4);
            }
            int ns = u % 7 == 3 ? 0 : u % 10 == 5 ? 30 : (int) r.below(8);
            for (int k = 0; k < ns; ++k) {
                su.push_back(u);
                si.push_back((int32_t) r.below((uint64_t) n_items));
                sv.push_back((float) (1 + r.below(5)));
            }
        }
        train = rows_of(n_users, tu, ti, tv);
        test = rows_of(n_users, su, si, sv);
    }
    // mode 0: eight levels (many ties) and some NaN; 1: continuous; 2: extremes (±inf, ±3e38,
    // denormals, -0 and +0)
    int mode = 0;
    static float score(int mode, int32_t u, int32_t i) {
        double h = rng(rng_hash(7, (uint64_t) u * 1000 + (uint64_t) i)).uniform();
        if (mode == 1) return (float) h;
        if (mode == 2) {
            const float v[] = {-INFINITY, -3e38f, -1.0f, -0.0f, 0.0f, 1e-45f, 2e-45f, 0.5f, 3e38f, INFINITY};
            return v[(int) (h * 10)];
        }
        if ((u + i) % 17 == 0) return NAN;
        return std::floor((float) h * 8.0f) / 8.0f;
    }
    score_fn fn() const {
        int32_t n = n_items;
        int md = mode;
        return [n, md](int32_t u, float * out) {
            for (int32_t i = 0; i < n; ++i) out[i] = score(md, u, i);
        };
    }
};

// The definitions of ranking.h, computed the slow, obvious way: sort every candidate.
struct naive_user {
    double p, r, ndcg, ap, hit, rr, auc, nov;
};
std::vector<std::pair<int32_t, naive_user>> naive(const random_instance & x, int32_t K, float relmin) {
    std::vector<int64_t> pop((size_t) x.n_items, 0);
    int64_t n_train_users = 0;
    for (int32_t u = 0; u < x.n_users; ++u) {
        std::set<int32_t> t(x.train.idx.begin() + (int64_t) x.train.ptr[u],
                            x.train.idx.begin() + (int64_t) x.train.ptr[u + 1]);
        for (int32_t i : t) pop[i]++;
        n_train_users += t.empty() ? 0 : 1;
    }
    std::vector<std::pair<int32_t, naive_user>> out;
    for (int32_t u = 0; u < x.n_users; ++u) {
        std::set<int32_t> t(x.train.idx.begin() + (int64_t) x.train.ptr[u],
                            x.train.idx.begin() + (int64_t) x.train.ptr[u + 1]);
        std::set<int32_t> rel;
        for (uint64_t p = x.test.ptr[u]; p < x.test.ptr[u + 1]; ++p)
            if (!t.count(x.test.idx[p]) && x.test.val[p] >= relmin) rel.insert(x.test.idx[p]);
        if (rel.empty()) continue;
        std::vector<float> s((size_t) x.n_items);
        for (int32_t i = 0; i < x.n_items; ++i) {
            s[i] = random_instance::score(x.mode, u, i);
            if (std::isnan(s[i])) s[i] = -INFINITY;
        }
        std::vector<int32_t> cand;
        for (int32_t i = 0; i < x.n_items; ++i)
            if (!t.count(i)) cand.push_back(i);
        std::sort(cand.begin(), cand.end(),
                  [&](int32_t a, int32_t b) { return s[a] > s[b] || (s[a] == s[b] && a < b); });
        naive_user v{};
        int64_t m = (int64_t) rel.size(), hits = 0, mk = std::min<int64_t>(K, m);
        double dcg = 0, idcg = 0, ap = 0, nov = 0;
        for (int64_t r = 1; r <= mk; ++r) idcg += 1 / std::log2(r + 1.0);
        for (size_t pos = 0; pos < cand.size(); ++pos) {
            int64_t rank = (int64_t) pos + 1;
            bool is_rel = rel.count(cand[pos]) > 0;
            if (is_rel && v.rr == 0) v.rr = 1.0 / rank;
            if (rank <= K) {
                nov += -std::log2((double) std::max<int64_t>(pop[cand[pos]], 1) / n_train_users);
                if (is_rel) {
                    hits++;
                    dcg += 1 / std::log2(rank + 1.0);
                    ap += (double) hits / rank;
                }
            }
        }
        double good = 0, pairs = 0;
        for (int32_t a : rel)
            for (int32_t c : cand)
                if (!rel.count(c)) {
                    pairs += 1;
                    good += s[a] > s[c] ? 1.0 : s[a] == s[c] ? 0.5 : 0.0;
                }
        v.p = (double) hits / K;
        v.r = (double) hits / m;
        v.ndcg = dcg / idcg;
        v.ap = ap / mk;
        v.hit = hits > 0;
        v.auc = pairs > 0 ? good / pairs : NAN;
        v.nov = nov / std::min<double>(K, (double) cand.size());
        out.push_back({u, v});
    }
    return out;
}

bool same(const metric_value & a, const metric_value & b) {
    return a.mean == b.mean && a.ci_low == b.ci_low && a.ci_high == b.ci_high && a.n == b.n;
}
// bit-identical reports (NaN per-user AUC compared as NaN)
void require_same(const ranking_report & a, const ranking_report & b) {
    REQUIRE(a.users == b.users);
    REQUIRE(same(a.precision, b.precision));
    REQUIRE(same(a.recall, b.recall));
    REQUIRE(same(a.ndcg, b.ndcg));
    REQUIRE(same(a.map, b.map));
    REQUIRE(same(a.hit_rate, b.hit_rate));
    REQUIRE(same(a.mrr, b.mrr));
    REQUIRE(same(a.auc, b.auc));
    REQUIRE(same(a.novelty, b.novelty));
    REQUIRE(a.coverage == b.coverage);
    REQUIRE(a.per_user_ndcg == b.per_user_ndcg);
    REQUIRE(a.per_user_map == b.per_user_map);
    REQUIRE(a.per_user_rr == b.per_user_rr);
    REQUIRE(a.per_user_novelty == b.per_user_novelty);
    REQUIRE(a.per_user_auc.size() == b.per_user_auc.size());
    for (size_t k = 0; k < a.per_user_auc.size(); ++k)
        REQUIRE((a.per_user_auc[k] == b.per_user_auc[k] ||
                 (std::isnan(a.per_user_auc[k]) && std::isnan(b.per_user_auc[k]))));
}

}  // namespace

TEST_CASE("ranking: every metric of the hand example", "[ranking]") {
    example x;
    std::atomic<int> asked[4] = {{0}, {0}, {0}, {0}};
    score_fn f = [&](int32_t u, float * out) {
        asked[u]++;
        std::copy(x.s[u].begin(), x.s[u].end(), out);
    };
    ranking_options o;
    o.k = 3;
    result<ranking_report> r = ranking_evaluate(x.n_items, x.train, x.test, f, o);
    REQUIRE(r.ok());
    const ranking_report & p = r.value();
    // users 2 and 3 have no held-out item: skipped, and their scores are never computed
    REQUIRE(p.users == std::vector<int32_t>{0, 1});
    REQUIRE(p.n_users == 2);
    REQUIRE(asked[0] == 1);
    REQUIRE(asked[1] == 1);
    REQUIRE(asked[2] == 0);
    REQUIRE(asked[3] == 0);

    // user 0: candidates 1..5 (0 is training), rel = {1, 3, 5} (every held-out rating counts)
    //   order 2 (0.7), 1 (0.65), 5 (0.6), 4 (0.5), 3 (0.1): rank(1) = 2, rank(5) = 3, rank(3) = 5
    //   top-3 [2, 1, 5], hits = 2
    //   P = 2/3, R = 2/3, DCG = 1/log2(3) + 1/log2(4), IDCG = 1/log2(2) + 1/log2(3) + 1/log2(4)
    //   AP = (1/3)(1/2 + 2/3) = 7/18, HR = 1, RR = 1/2
    //   AUC: non-relevant {2, 4}: (1,2) no (1,4) yes (5,2) no (5,4) yes (3,2) no (3,4) no = 2/6
    // user 1: candidates {0, 3, 4, 5}, rel = {4, 0}
    //   scores 0: 0.3, 3: 0.3, 4: 0.2, 5: 0.3; ties by index: order 0, 3, 5, 4
    //   rank(0) = 1, rank(4) = 4; top-3 [0, 3, 5], hits = 1
    //   P = 1/3, R = 1/2, DCG = 1/log2(2) = 1, IDCG = 1 + 1/log2(3), AP = (1/min(3,2))(1/1) = 1/2
    //   HR = 1, RR = 1
    //   AUC: non-relevant {3, 5}: (0,3) tie 1/2, (0,5) tie 1/2, (4,3) no, (4,5) no = 1/4
    const double ndcg0 = (1 / L3 + 1 / L4) / (1 + 1 / L3 + 1 / L4);  // 1.1309298 / 2.1309298 = 0.5307212
    const double ndcg1 = 1 / (1 + 1 / L3);                           // 1 / 1.6309298 = 0.6131472
    REQUIRE(p.per_user_precision[0] == Approx(2.0 / 3));
    REQUIRE(p.per_user_precision[1] == Approx(1.0 / 3));
    REQUIRE(p.per_user_recall[0] == Approx(2.0 / 3));
    REQUIRE(p.per_user_recall[1] == Approx(1.0 / 2));
    REQUIRE(p.per_user_ndcg[0] == Approx(ndcg0));
    REQUIRE(p.per_user_ndcg[1] == Approx(ndcg1));
    REQUIRE(p.per_user_map[0] == Approx(7.0 / 18));
    REQUIRE(p.per_user_map[1] == Approx(1.0 / 2));
    REQUIRE(p.per_user_hit[0] == 1);
    REQUIRE(p.per_user_hit[1] == 1);
    REQUIRE(p.per_user_rr[0] == Approx(1.0 / 2));
    REQUIRE(p.per_user_rr[1] == Approx(1.0));
    REQUIRE(p.per_user_auc[0] == Approx(1.0 / 3));
    REQUIRE(p.per_user_auc[1] == Approx(1.0 / 4));

    REQUIRE(p.precision.mean == Approx(0.5));
    REQUIRE(p.recall.mean == Approx(7.0 / 12));
    REQUIRE(p.ndcg.mean == Approx((ndcg0 + ndcg1) / 2));
    REQUIRE(p.map.mean == Approx(4.0 / 9));  // (7/18 + 9/18) / 2
    REQUIRE(p.hit_rate.mean == 1);
    REQUIRE(p.mrr.mean == Approx(3.0 / 4));
    REQUIRE(p.auc.mean == Approx(7.0 / 24));  // (1/3 + 1/4) / 2
    REQUIRE(p.auc.n == 2);
    // 95% interval of precision: values 2/3 and 1/3, sd = sqrt(((1/6)² + (1/6)²) / 1) = √2/6,
    // half width 1.96 · (√2/6) / √2 = 1.96/6
    REQUIRE(p.precision.ci_low == Approx(0.5 - 1.96 / 6));
    REQUIRE(p.precision.ci_high == Approx(0.5 + 1.96 / 6));
    REQUIRE(p.hit_rate.ci_low == 1);  // sd 0
    REQUIRE(p.hit_rate.ci_high == 1);

    // coverage: top-3 lists {2, 1, 5} ∪ {0, 3, 5} = 5 items; every item is a candidate of user 0
    // or user 1, so 6 can be recommended: 5/6
    REQUIRE(p.n_recommended == 5);
    REQUIRE(p.n_recommendable == 6);
    REQUIRE(p.coverage == Approx(5.0 / 6));
    // novelty: training popularity 0: 3 users, 1: 2, 2..5: 1; 4 users with training ratings
    //   self-information -log2(pop/4): item 0 log2(4/3) = 0.4150375, item 1 1, items 2..5 2
    //   user 0 [2, 1, 5]: (2 + 1 + 2)/3 = 5/3; user 1 [0, 3, 5]: (0.4150375 + 2 + 2)/3
    const double nov0 = 5.0 / 3, nov1 = (std::log2(4.0 / 3) + 4) / 3;
    REQUIRE(p.per_user_novelty[0] == Approx(nov0));
    REQUIRE(p.per_user_novelty[1] == Approx(nov1));
    REQUIRE(p.novelty.mean == Approx((nov0 + nov1) / 2));
}

TEST_CASE("ranking: relevant_min keeps low held-out ratings as non-relevant candidates", "[ranking]") {
    example x;
    score_fn f = [&](int32_t u, float * out) { std::copy(x.s[u].begin(), x.s[u].end(), out); };
    ranking_options o;
    o.k = 3;
    o.relevant_min = 3.5f;
    ranking_report p = ranking_evaluate(x.n_items, x.train, x.test, f, o).value();
    // user 1's held-out ratings (3, 1) are below 3.5: skipped. User 0: rel = {1, 3}; item 5
    // (rated 2) stays a candidate that is not relevant.
    //   order 2, 1, 5, 4, 3: rank(1) = 2, rank(3) = 5, top-3 [2, 1, 5], hits = 1
    //   P = 1/3, R = 1/2, NDCG = (1/log2(3)) / (1 + 1/log2(3)) = 0.3868528
    //   AP = (1/min(3,2)) · (1/2) = 1/4, HR = 1, RR = 1/2
    //   AUC: non-relevant {2, 4, 5}: item 1 beats 4 and 5, item 3 beats none: 2/6
    REQUIRE(p.users == std::vector<int32_t>{0});
    REQUIRE(p.precision.mean == Approx(1.0 / 3));
    REQUIRE(p.recall.mean == Approx(1.0 / 2));
    REQUIRE(p.ndcg.mean == Approx((1 / L3) / (1 + 1 / L3)));
    REQUIRE(p.map.mean == Approx(1.0 / 4));
    REQUIRE(p.hit_rate.mean == 1);
    REQUIRE(p.mrr.mean == Approx(1.0 / 2));
    REQUIRE(p.auc.mean == Approx(1.0 / 3));
    // one user: the interval is the mean
    REQUIRE(p.ndcg.ci_low == p.ndcg.mean);
    REQUIRE(p.ndcg.ci_high == p.ndcg.mean);
    // coverage: top-3 {2, 1, 5} of user 0's 5 candidates
    REQUIRE(p.coverage == Approx(3.0 / 5));
}

TEST_CASE("ranking: a perfect scorer and a reversed one", "[ranking]") {
    example x;
    // perfect: 1 for the user's held-out items, 0 otherwise; reversed: the opposite
    auto held = [&](int32_t u, int32_t i) {
        for (uint64_t p = x.test.ptr[u]; p < x.test.ptr[u + 1]; ++p)
            if (x.test.idx[p] == i) return true;
        return false;
    };
    score_fn perfect = [&](int32_t u, float * out) {
        for (int32_t i = 0; i < x.n_items; ++i) out[i] = held(u, i) ? 1.0f : 0.0f;
    };
    score_fn reversed = [&](int32_t u, float * out) {
        for (int32_t i = 0; i < x.n_items; ++i) out[i] = held(u, i) ? 0.0f : 1.0f;
    };
    ranking_options o;
    o.k = 3;
    ranking_report p = ranking_evaluate(x.n_items, x.train, x.test, perfect, o).value();
    // user 0: 3 relevant fill the top 3 (P = 1); user 1: 2 relevant in a top 3 (P = 2/3)
    REQUIRE(p.precision.mean == Approx((1.0 + 2.0 / 3) / 2));
    REQUIRE(p.recall.mean == Approx(1));
    REQUIRE(p.ndcg.mean == Approx(1));
    REQUIRE(p.map.mean == Approx(1));
    REQUIRE(p.hit_rate.mean == 1);
    REQUIRE(p.mrr.mean == 1);
    REQUIRE(p.auc.mean == 1);

    ranking_report q = ranking_evaluate(x.n_items, x.train, x.test, reversed, o).value();
    // every non-relevant candidate first: user 0 {2, 4} then 1, 3, 5; user 1 {3, 5} then 0, 4
    REQUIRE(q.auc.mean == 0);
    REQUIRE(q.per_user_rr[0] == Approx(1.0 / 3));
    REQUIRE(q.per_user_rr[1] == Approx(1.0 / 3));
    REQUIRE(q.per_user_precision[0] == Approx(1.0 / 3));  // top-3 [2, 4, 1]
    REQUIRE(q.per_user_precision[1] == Approx(1.0 / 3));  // top-3 [3, 5, 0]
}

TEST_CASE("ranking: a constant scorer has AUC 1/2 and ranks by item index", "[ranking]") {
    example x;
    score_fn flat = [](int32_t, float * out) { std::fill(out, out + 6, 0.25f); };
    ranking_options o;
    o.k = 3;
    ranking_report p = ranking_evaluate(x.n_items, x.train, x.test, flat, o).value();
    REQUIRE(p.auc.mean == 0.5);
    // user 0: order 1, 2, 3, 4, 5 -> hits {1, 3}, rank(1) = 1; user 1: order 0, 3, 4, 5 -> hits {0, 4}
    REQUIRE(p.per_user_precision[0] == Approx(2.0 / 3));
    REQUIRE(p.per_user_precision[1] == Approx(2.0 / 3));
    REQUIRE(p.per_user_map[0] == Approx((1.0 + 2.0 / 3) / 3));
    REQUIRE(p.per_user_map[1] == Approx((1.0 + 2.0 / 3) / 2));
    REQUIRE(p.mrr.mean == 1);
}

TEST_CASE("ranking: the fast counts agree with a full sort (ties, NaN, infinities, -0)", "[ranking]") {
    random_instance x;
    for (int mode : {0, 1, 2})
        for (int32_t K : {1, 5, 10, 60}) {
            for (float relmin : {-INFINITY, 3.0f}) {
                INFO("mode " << mode << ", K = " << K << ", relevant_min = " << relmin);
                x.mode = mode;
                ranking_options o;
                o.k = K;
                o.relevant_min = relmin;
                o.threads = 2;
                ranking_report p = ranking_evaluate(x.n_items, x.train, x.test, x.fn(), o).value();
                auto ref = naive(x, K, relmin);
                REQUIRE(p.users.size() == ref.size());
                REQUIRE(p.n_users > 20);
                for (size_t k = 0; k < ref.size(); ++k) {
                    INFO("user " << ref[k].first);
                    REQUIRE(p.users[k] == ref[k].first);
                    const naive_user & v = ref[k].second;
                    REQUIRE(p.per_user_precision[k] == Approx(v.p));
                    REQUIRE(p.per_user_recall[k] == Approx(v.r));
                    REQUIRE(p.per_user_ndcg[k] == Approx(v.ndcg));
                    REQUIRE(p.per_user_map[k] == Approx(v.ap));
                    REQUIRE(p.per_user_hit[k] == Approx(v.hit));
                    REQUIRE(p.per_user_rr[k] == Approx(v.rr));
                    if (std::isnan(v.auc))
                        REQUIRE(std::isnan(p.per_user_auc[k]));
                    else
                        REQUIRE(p.per_user_auc[k] == Approx(v.auc));
                    REQUIRE(p.per_user_novelty[k] == Approx(v.nov));
                }
            }
        }
}

TEST_CASE("ranking: the report does not depend on the thread count", "[ranking]") {
    random_instance x;
    for (int32_t n_neg : {0, 7}) {
        INFO("sampled_negatives = " << n_neg);
        ranking_options o;
        o.k = 5;
        o.sampled_negatives = n_neg;
        o.threads = 1;
        ranking_report a = ranking_evaluate(x.n_items, x.train, x.test, x.fn(), o).value();
        o.threads = 4;
        ranking_report b = ranking_evaluate(x.n_items, x.train, x.test, x.fn(), o).value();
        require_same(a, b);
    }
}

TEST_CASE("ranking: sampled negatives are deterministic per seed and stay in [0, 1]", "[ranking]") {
    random_instance x;
    ranking_options o;
    o.k = 3;
    o.sampled_negatives = 5;
    ranking_report a = ranking_evaluate(x.n_items, x.train, x.test, x.fn(), o).value();
    ranking_report b = ranking_evaluate(x.n_items, x.train, x.test, x.fn(), o).value();
    require_same(a, b);
    o.seed = 43;
    ranking_report c = ranking_evaluate(x.n_items, x.train, x.test, x.fn(), o).value();
    REQUIRE(c.users == a.users);
    REQUIRE(c.per_user_rr != a.per_user_rr);
    for (const ranking_report * r : {&a, &c}) {
        for (const metric_value * m : {&r->precision, &r->recall, &r->ndcg, &r->map, &r->hit_rate, &r->mrr, &r->auc}) {
            REQUIRE(m->mean >= 0);
            REQUIRE(m->mean <= 1);
        }
        REQUIRE(r->coverage > 0);
        REQUIRE(r->coverage <= 1);
        // fewer candidates than the full catalogue: the first relevant item ranks at most 1 + 5
        for (float rr : r->per_user_rr) REQUIRE(rr >= 1.0f / 6 - 1e-6f);
    }
    // with sampled metrics inflated against the full catalogue (same scorer)
    o.sampled_negatives = 0;
    ranking_report full = ranking_evaluate(x.n_items, x.train, x.test, x.fn(), o).value();
    REQUIRE(a.mrr.mean > full.mrr.mean);
}

TEST_CASE("ranking: sampling more negatives than exist equals the full catalogue", "[ranking]") {
    // every held-out item is relevant (default relevant_min), so the never-interacted items plus
    // the relevant ones are exactly the full candidate set
    random_instance x;
    ranking_options o;
    o.k = 5;
    ranking_report full = ranking_evaluate(x.n_items, x.train, x.test, x.fn(), o).value();
    o.sampled_negatives = x.n_items;
    ranking_report all = ranking_evaluate(x.n_items, x.train, x.test, x.fn(), o).value();
    REQUIRE(all.precision.mean == Approx(full.precision.mean));
    REQUIRE(all.ndcg.mean == Approx(full.ndcg.mean));
    REQUIRE(all.map.mean == Approx(full.map.mean));
    REQUIRE(all.mrr.mean == Approx(full.mrr.mean));
    REQUIRE(all.auc.mean == Approx(full.auc.mean));
    REQUIRE(all.novelty.mean == Approx(full.novelty.mean));
    REQUIRE(all.coverage == Approx(full.coverage));
}

TEST_CASE("ranking: no user with a relevant item gives an empty report", "[ranking]") {
    example x;
    score_fn f = [](int32_t, float * out) { std::fill(out, out + 6, 0.0f); };
    ranking_options o;
    o.relevant_min = 6;
    result<ranking_report> r = ranking_evaluate(x.n_items, x.train, x.test, f, o);
    REQUIRE(r.ok());
    REQUIRE(r->n_users == 0);
    REQUIRE(r->users.empty());
    REQUIRE(r->ndcg.mean == 0);
    REQUIRE(r->coverage == 0);
}

TEST_CASE("ranking: bad input fails with a message", "[ranking]") {
    example x;
    score_fn f = [](int32_t, float * out) { std::fill(out, out + 6, 0.0f); };
    auto fails = [&](int32_t n_items, const sparse_rows & tr, const sparse_rows & te, const score_fn & fn,
                     ranking_options o, const char * needle) {
        result<ranking_report> r = ranking_evaluate(n_items, tr, te, fn, o);
        INFO(r.error());
        REQUIRE_FALSE(r.ok());
        REQUIRE(r.error().find(needle) != std::string::npos);
    };
    ranking_options o;
    o.k = 0;
    fails(6, x.train, x.test, f, o, "k must be");
    o.k = -3;
    fails(6, x.train, x.test, f, o, "k must be");
    o = ranking_options{};
    o.sampled_negatives = -1;
    fails(6, x.train, x.test, f, o, "sampled_negatives");
    o = ranking_options{};
    o.relevant_min = NAN;
    fails(6, x.train, x.test, f, o, "relevant_min");
    fails(6, x.train, x.test, score_fn(), ranking_options{}, "score function");
    fails(0, x.train, x.test, f, ranking_options{}, "empty");
    // mismatched row counts
    sparse_rows three = rows_of(3, {0}, {1}, {5});
    fails(6, x.train, three, f, ranking_options{}, "train has 4 user rows, test has 3");
    // an item out of range, in test and in train; a negative one
    sparse_rows far = rows_of(4, {1}, {6}, {5});
    fails(6, x.train, far, f, ranking_options{}, "test: row 1 has item 6 outside [0, 6)");
    fails(5, x.train, x.test, f, ranking_options{}, "train: row 3 has item 5 outside [0, 5)");
    sparse_rows neg = x.test;
    neg.idx[2] = -1;
    fails(6, x.train, neg, f, ranking_options{}, "item -1");
    // a malformed row table
    sparse_rows broken = x.test;
    broken.ptr.back() += 1;
    fails(6, x.train, broken, f, ranking_options{}, "row table");
}

TEST_CASE("ranking: rows from triplets keep the input order and reject bad triplets", "[ranking]") {
    result<sparse_rows> s = sparse_rows_from_triplets(3, {2, 0, 2, 0}, {5, 1, 3, 7}, {1, 2, 3, 4});
    REQUIRE(s.ok());
    REQUIRE(s->rows() == 3);
    REQUIRE(s->ptr == std::vector<uint64_t>{0, 2, 2, 4});
    REQUIRE(std::vector<int32_t>(s->idx.begin(), s->idx.end()) == std::vector<int32_t>{1, 7, 5, 3});
    REQUIRE(std::vector<float>(s->val.begin(), s->val.end()) == std::vector<float>{2, 4, 1, 3});
    REQUIRE(sparse_rows_from_triplets(0, {}, {}, {})->rows() == 0);
    REQUIRE_FALSE(sparse_rows_from_triplets(2, {0, 1}, {0}, {1, 1}).ok());
    REQUIRE_FALSE(sparse_rows_from_triplets(2, {0, 2}, {0, 0}, {1, 1}).ok());
    REQUIRE_FALSE(sparse_rows_from_triplets(2, {0, -1}, {0, 0}, {1, 1}).ok());
    REQUIRE_FALSE(sparse_rows_from_triplets(2, {0, 1}, {0, -4}, {1, 1}).ok());
    REQUIRE_FALSE(sparse_rows_from_triplets(-1, {}, {}, {}).ok());
}
