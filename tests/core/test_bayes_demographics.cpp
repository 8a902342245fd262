// Bayesian MF with user demographics (dataset::demographics) as a Macau-style prior mean for the
// user rows: planted data whose user vectors depend on a demographic group.
#include <catch2/catch.hpp>
#include <cmath>

#include "kind_bayes.h"
#include "params.h"
#include "pipeline.h"
#include "rng.h"

using namespace mf;

namespace {

// 600 users in 4 groups (one-hot "occupation" features, plus gender noise unrelated to the
// vectors); a user's row = its group's centre + a little spread. Warm users (the first 240) rate
// 40 movies, cold ones 4 (3 for training, 1 held out); one user in ten has no features.
struct planted_groups {
    dataset train;
    std::vector<int32_t> test_user, test_item;
    std::vector<float> test_rating;
    std::vector<bool> cold;  // by user row
};

const planted_groups & planted() {
    static const planted_groups g = [] {
        planted_groups out;
        const int32_t n_users = 600, n_items = 150, k = 3, n_groups = 4, n_warm = 240;
        rng r(5);
        dataset & d = out.train;
        d.items.genres_init_movielens();
        std::vector<std::vector<double>> q((size_t) n_items, std::vector<double>(k));
        std::vector<double> bi((size_t) n_items);
        for (int32_t i = 0; i < n_items; ++i) {
            d.items.add(1000 + i, "Movie " + std::to_string(i) + " (2001)", 1u);
            bi[i] = 0.2 * r.normal();
            for (int c = 0; c < k; ++c) q[i][c] = 0.7 * r.normal();
        }
        std::vector<std::vector<double>> centre((size_t) n_groups, std::vector<double>(k + 1));
        for (auto & c : centre)
            for (double & v : c) v = 0.9 * r.normal();
        d.demographics.names = {"gender=F", "gender=M", "occupation=0", "occupation=1", "occupation=2", "occupation=3"};
        d.demographics.cols.resize((size_t) n_users);
        for (int32_t u = 0; u < n_users; ++u) {
            d.users.get_or_add(1 + u);
            const int32_t grp = (int32_t) (r.next_u64() % (uint64_t) n_groups);
            if (u % 10 != 9) d.demographics.cols[(size_t) u] = {(int32_t) (r.next_u64() % 2), 2 + grp};
            std::vector<double> x((size_t) k + 1);
            for (int c = 0; c <= k; ++c) x[(size_t) c] = centre[(size_t) grp][(size_t) c] + 0.15 * r.normal();
            const bool cold = u >= n_warm;
            out.cold.push_back(cold);
            const int n = cold ? 4 : 40;
            for (int e = 0; e < n; ++e) {
                const int32_t i = (int32_t) ((u * 7 + e * 13) % n_items);  // distinct for e < n_items / gcd
                double s = 3.3 + x[0] + bi[i];
                for (int c = 0; c < k; ++c) s += x[(size_t) c + 1] * q[i][c];
                s += 0.3 * r.normal();
                const float rating = (float) std::min(5.0, std::max(0.5, s));
                if (cold && e == n - 1) {
                    out.test_user.push_back(u);
                    out.test_item.push_back(i);
                    out.test_rating.push_back(rating);
                } else {
                    d.push(u, i, rating, 0);
                }
            }
        }
        return out;
    }();
    return g;
}

model fit_bayes(bool demographics) {
    fit_options o;
    o.split = "none";
    o.seed = 3;
    o.params = kind_defaults(model_kind::bayes);
    o.params.factors = 3;
    o.params.burn_in = 30;
    o.params.samples = 60;
    o.params.threads = 1;
    o.params.demographic_features = demographics;
    result<fit_result> r = pipeline_fit(planted().train, o);
    REQUIRE(r);
    return std::move(r->m);
}

// RMSE of the cold users' held-out ratings, from the posterior-mean rows
double cold_rmse(const model & m) {
    const planted_groups & g = planted();
    double se = 0.0;
    for (size_t e = 0; e < g.test_user.size(); ++e) {
        const int32_t u = g.test_user[e], i = g.test_item[e];
        const double pr = (double) m.mu + m.users(u, 0) + m.items(i, 0) +
                          (double) m.users.row(u).tail(m.k).dot(m.items.row(i).tail(m.k));
        const double d = (double) g.test_rating[e] - (double) m.scale.clamp((float) pr);
        se += d * d;
    }
    return std::sqrt(se / (double) g.test_user.size());
}

bool has_array(const model & m, const char * name) {
    for (const model_array & a : m.extra)
        if (a.name == name) return true;
    return false;
}

}  // namespace

TEST_CASE("bayes: demographics lower the error of users with few ratings on planted groups", "[bayes][demographics]") {
    const model off = fit_bayes(false), on = fit_bayes(true);
    CHECK_FALSE(has_array(off, "bayes_demographic"));
    REQUIRE(has_array(on, "bayes_demographic"));
    const double rmse_off = cold_rmse(off), rmse_on = cold_rmse(on);
    // the cold users' rows come mostly from their prior: the group's centre with demographics,
    // the population's without (spread 0.9 per coordinate against noise 0.3)
    CHECK(rmse_on < 0.85 * rmse_off);
}

TEST_CASE("bayes: a visitor without demographics gets the population prior mean", "[bayes][demographics]") {
    const model on = fit_bayes(true);
    const kind_ops * k = kind_get(model_kind::bayes);
    result<vector_f> x = k->fold_in(on, {});
    REQUIRE(x);
    // the mean of the users' rows (the population), not the intercept of the demographic link
    const Eigen::RowVectorXf pop = on.users.colwise().mean();
    for (int c = 0; c <= on.k; ++c) CHECK(std::abs((*x)(c) -pop(c)) < 0.2);
    // and its ± is the population's: wider than a user's after 40 ratings
    std::vector<rated_item> seen;
    for (uint64_t e = on.seen.ptr[0]; e < on.seen.ptr[1]; ++e) seen.push_back({on.seen.idx[e], on.seen.val[e]});
    result<vector_f> xw = k->fold_in(on, seen);
    REQUIRE(xw);
    const int dim = on.k + 1;
    CHECK((*x)(dim) > 3.0 * (*xw)(dim));  // Var of the bias coordinate
}

TEST_CASE("bayes: demographic_features off, or data without demographics, leaves the model unchanged",
          "[bayes][demographics]") {
    dataset plain = planted().train;
    plain.demographics = user_features();
    fit_options o;
    o.split = "none";
    o.seed = 3;
    o.params = kind_defaults(model_kind::bayes);
    o.params.factors = 3;
    o.params.burn_in = 5;
    o.params.samples = 5;
    o.params.threads = 1;
    result<fit_result> a = pipeline_fit(plain, o);
    o.params.demographic_features = false;
    result<fit_result> b = pipeline_fit(planted().train, o);
    REQUIRE(a);
    REQUIRE(b);
    CHECK(a->m.users == b->m.users);
    CHECK(a->m.items == b->m.items);
    REQUIRE(param_find("demographic_features"));
    train_params p = kind_defaults(model_kind::bayes);
    CHECK(p.demographic_features);
    REQUIRE(param_set_text(p, "demographic_features", "off"));
    CHECK_FALSE(p.demographic_features);
    CHECK_FALSE(param_set_text(p, "demographic_features", "maybe"));
}
