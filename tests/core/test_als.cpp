#include <catch2/catch.hpp>
#include <cmath>

#include "als.h"
#include "metrics.h"
#include "planted.h"
#include "split.h"

using namespace mf;

namespace {

struct trained {
    model m;
    accuracy test;
};

trained train_planted(const planted_data & p, train_params params, const char * split = "random:0.2") {
    split_result s = *split_apply(p.d, *split_parse(split), 7);
    rating_matrix train = rating_matrix_build(p.d, s.train, false);
    test_set test;
    for (int64_t pos : s.test) {
        test.user.push_back(p.d.user[pos]);
        test.item.push_back(p.d.item[pos]);
        test.rating.push_back(p.d.rating[pos]);
    }
    trained t{model_train(train, p.d.items, p.d.users.ids, params, &test), {}};
    t.test = model_accuracy(t.m, test);
    return t;
}

}  // namespace

TEST_CASE("ALS recovers planted factors down to the noise level", "[als]") {
    planted_data p = planted_make(1000, 400, 4, 0.4, 0.3f, 11);
    train_params params;
    params.factors = 4;
    params.iterations = 15;
    params.reg = 1.0f;
    params.reg_bias = 1.0f;
    params.genre_prior = 0.0f;
    trained t = train_planted(p, params);
    INFO("test RMSE " << t.test.rmse << " vs noise " << p.sigma);
    REQUIRE(t.test.rmse <= 1.05 * p.sigma);
    REQUIRE(t.test.rmse >= 0.9 * p.sigma);  // below the noise would mean leakage from the test set

    // the baselines cannot explain the low-rank part: far above the noise
    params.kind = model_kind::bias;
    trained b = train_planted(p, params);
    REQUIRE(b.test.rmse > 1.5 * p.sigma);
    params.kind = model_kind::mean;
    trained mean = train_planted(p, params);
    REQUIRE(mean.test.rmse > b.test.rmse);
}

TEST_CASE("conjugate gradient reaches the Cholesky solution", "[als][cg]") {
    planted_data p = planted_make(400, 200, 4, 0.3, 0.3f, 5);
    train_params params;
    params.factors = 8;
    params.iterations = 12;
    params.reg = 2.0f;
    params.genre_prior = 0.5f;
    trained chol = train_planted(p, params);
    params.solver = solver_kind::cg;
    params.cg_steps = 3;
    trained cg = train_planted(p, params);
    INFO("cholesky " << chol.test.rmse << " cg " << cg.test.rmse);
    REQUIRE(std::fabs(chol.test.rmse - cg.test.rmse) < 0.002);
}

TEST_CASE("training is deterministic for a seed and independent of the thread count", "[als]") {
    planted_data p = planted_make(200, 100, 3, 0.3, 0.3f, 9);
    train_params params;
    params.factors = 6;
    params.iterations = 4;
    params.threads = 1;
    trained a = train_planted(p, params);
    params.threads = 2;
    trained b = train_planted(p, params);
    REQUIRE(a.m.users == b.m.users);
    REQUIRE(a.m.items == b.m.items);
    REQUIRE(a.test.rmse == b.test.rmse);
    params.seed = 43;
    trained c = train_planted(p, params);
    REQUIRE_FALSE(a.m.items == c.m.items);
}

TEST_CASE("the genre prior pulls unrated movies to their genre mean", "[als][genre]") {
    planted_data p = planted_make(300, 120, 3, 0.3, 0.3f, 3);
    // movie 119 keeps no ratings: drop them from the data
    dataset & d = p.d;
    dataset kept;
    kept.items = d.items;
    kept.users = d.users;
    for (int64_t k = 0; k < d.size(); ++k)
        if (d.item[k] != 119) kept.push(d.user[k], d.item[k], d.rating[k], d.time[k]);
    rating_matrix train = rating_matrix_build(kept, {}, true);
    train_params params;
    params.factors = 3;
    params.iterations = 5;
    params.genre_prior = 1.0f;
    model m = model_train(train, kept.items, kept.users.ids, params);
    REQUIRE(m.item_counts[119] == 0);
    vector_f prior = genre_prior_row(m, kept.items.genres[119]);
    REQUIRE(prior.norm() > 0.0f);
    // an unrated row is exactly its prior: D y = D ȳ
    for (int c = 0; c <= m.k; ++c) REQUIRE(m.items(119, c) == Approx(prior(c)).margin(1e-5));
}

TEST_CASE("the genre step is the exact minimiser of its objective", "[als][genre]") {
    planted_data p = planted_make(100, 60, 2, 0.4, 0.3f, 21);
    rating_matrix train = rating_matrix_build(p.d, {}, true);
    train_params params;
    params.factors = 2;
    params.iterations = 3;
    params.genre_prior = 0.7f;
    params.reg_genre = 0.5f;
    model m = model_train(train, p.d.items, p.d.users.ids, params);
    als_genre_step(m.items, p.d.items, m.item_counts, params, m.genres);
    // objective in W: Σ_i Σ_c λ_c (y_ic - ȳ_ic)² + λ_g ‖W‖²; perturbing W must not lower it
    auto objective = [&](const matrix_f & w) {
        matrix_f prior = als_item_prior(w, p.d.items, params.genre_prior);
        double s = 0;
        for (int32_t i = 0; i < m.n_items(); ++i)
            for (int c = 0; c <= m.k; ++c) {
                double e = m.items(i, c) - prior(i, c);
                s += (c == 0 ? params.reg_bias : params.reg) * e * e;
            }
        return s + params.reg_genre * (double) w.squaredNorm();
    };
    double best = objective(m.genres);
    for (int g = 0; g < m.n_genres(); ++g)
        for (int c = 0; c <= m.k; ++c)
            for (float h : {-1e-2f, 1e-2f}) {
                matrix_f w = m.genres;
                w(g, c) += h;
                REQUIRE(objective(w) >= best - 1e-6);
            }
}
