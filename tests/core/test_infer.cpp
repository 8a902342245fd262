#include <catch2/catch.hpp>
#include <cmath>

#include "als.h"
#include "gram.h"
#include "infer.h"
#include "planted.h"

using namespace mf;

namespace {

model small_model(float tau, bool by_count = false) {
    planted_data p = planted_make(150, 80, 3, 0.3, 0.3f, 17);
    rating_matrix train = rating_matrix_build(p.d, {}, true);
    train_params params;
    params.factors = 5;
    params.iterations = 6;
    params.reg = 3.0f;
    params.genre_prior = tau;
    params.reg_by_count = by_count;
    return model_train(train, p.d.items, p.d.users.ids, params);
}

std::vector<rated_item> some_ratings() {
    return {{3, 4.5f}, {10, 2.0f}, {11, 5.0f}, {40, 3.5f}, {70, 1.0f}};
}

}  // namespace

TEST_CASE("fold-in equals the row an ALS half-step produces", "[infer]") {
    for (bool by_count : {false, true}) {
        model m = small_model(0.8f, by_count);
        std::vector<rated_item> rated = some_ratings();
        result<vector_f> x = fold_in(m, rated);
        REQUIRE(x.ok());
        sparse_rows rows;
        rows.ptr = {0, (uint64_t) rated.size()};
        for (const rated_item & r : rated) {
            rows.idx.push_back(r.item);
            rows.val.push_back(r.rating);
        }
        matrix_f self = matrix_f::Zero(1, m.k + 1);
        train_params p = m.params;
        p.solver = solver_kind::cholesky;
        als_half_step(rows, m.items, self, m.mu, nullptr, p);
        // training gathers the item rows in half precision where the build can (11 significant
        // bits); fold-in reads them in float: the same system up to that rounding
        const double tol = kern::half_supported() ? 1e-3 : 1e-6;
        for (int c = 0; c <= m.k; ++c) REQUIRE((*x)(c) == Approx(self(0, c)).margin(tol));
    }
}

TEST_CASE("fold-in of an existing user's ratings gives that user's row", "[infer]") {
    model m = small_model(0.0f);
    // the user rows are solved against the item rows of the previous epoch; one more user
    // half-step against the final items gives rows that fold-in must reproduce exactly
    matrix_f users = m.users;
    als_half_step(m.seen, m.items, users, m.mu, nullptr, m.params);
    for (int32_t u = 0; u < 5; ++u) {  // (1e-4: within the half-precision gather's rounding)
        std::vector<rated_item> rated;
        for (uint64_t e = m.seen.ptr[u]; e < m.seen.ptr[u + 1]; ++e) rated.push_back({m.seen.idx[e], m.seen.val[e]});
        vector_f x = *fold_in(m, rated);
        for (int c = 0; c <= m.k; ++c) REQUIRE(x(c) == Approx(users(u, c)).margin(1e-4));
    }
}

TEST_CASE("fold-in rejects bad input with a message", "[infer]") {
    model m = small_model(0.0f);
    REQUIRE_FALSE(fold_in(m, {{-1, 3.0f}}).ok());
    REQUIRE_FALSE(fold_in(m, {{m.n_items(), 3.0f}}).ok());
    result<vector_f> r = fold_in(m, {{1, 7.0f}});
    REQUIRE_FALSE(r.ok());
    REQUIRE(r.error().find("outside the model's scale 0.5-5") != std::string::npos);
    REQUIRE(fold_in(m, {}).ok());  // no ratings: the zero row, scores μ + b_i
}

TEST_CASE("explanation terms sum to the score, by rated movie and by genre", "[infer][explain]") {
    for (float tau : {0.0f, 1.0f}) {
        model m = small_model(tau);
        std::vector<rated_item> rated = some_ratings();
        vector_f x = *fold_in(m, rated);
        std::vector<float> scores = score_all(m, x);
        for (int32_t item : {0, 5, 3, 79}) {
            explanation e = *explain(m, rated, item);
            REQUIRE(e.score_raw == Approx(scores[item]).margin(1e-4));
            float by_rated = e.mu + e.item_bias;
            for (const explanation::term & t : e.by_rated) by_rated += t.value;
            REQUIRE(by_rated == Approx(e.score_raw).margin(1e-4));
            float by_genre = e.mu + e.user_bias + e.item_own;
            for (const explanation::genre_term & g : e.by_genre) by_genre += g.value;
            REQUIRE(by_genre == Approx(e.score_raw).margin(1e-4));
            REQUIRE(e.by_rated.size() == rated.size());
            REQUIRE(e.by_genre.size() == (tau == 0.0f ? 0u : 1u));
        }
    }
}

TEST_CASE("top-N excludes, filters and ranks by score", "[infer][rank]") {
    model m = small_model(0.5f);
    std::vector<rated_item> rated = some_ratings();
    std::vector<float> scores = score_all(m, *fold_in(m, rated));
    rank_filter f;
    for (const rated_item & r : rated) f.exclude.push_back(r.item);
    std::vector<ranked_item> top = rank_top(m, scores, f, 10);
    REQUIRE(top.size() == 10);
    for (size_t k = 0; k < top.size(); ++k) {
        for (const rated_item & r : rated) REQUIRE(top[k].item != r.item);
        if (k) REQUIRE(top[k - 1].raw >= top[k].raw);
    }
    // nothing outside the top scores higher than the last pick
    for (int32_t i = 0; i < m.n_items(); ++i) {
        bool excluded = false, picked = false;
        for (const rated_item & r : rated) excluded |= r.item == i;
        for (const ranked_item & t : top) picked |= t.item == i;
        if (!excluded && !picked) REQUIRE(scores[i] <= top.back().raw);
    }
    f.genre_mask = 1u << 2;
    for (const ranked_item & t : rank_top(m, scores, f, 5)) REQUIRE((m.items_info.genres[t.item] & f.genre_mask));
    f.genre_mask = 0;
    f.min_count = 1000000;
    REQUIRE(rank_top(m, scores, f, 5).empty());
}

TEST_CASE("similar movies: cosine ranking, self excluded", "[infer][similar]") {
    model m = small_model(0.5f);
    std::vector<similar_item> s = *similar_items(m, 7, 5);
    REQUIRE(s.size() == 5);
    for (size_t k = 0; k < s.size(); ++k) {
        REQUIRE(s[k].item != 7);
        REQUIRE(s[k].similarity <= 1.0001f);
        if (k) REQUIRE(s[k - 1].similarity >= s[k].similarity);
    }
    vector_f a = m.items.row(7).tail(m.k), b = m.items.row(s[0].item).tail(m.k);
    REQUIRE(s[0].similarity == Approx(a.dot(b) / (a.norm() * b.norm())).margin(1e-5));
    REQUIRE_FALSE(similar_items(m, -3, 5).ok());
}

TEST_CASE("cold start scores a movie from its genres", "[infer][cold]") {
    model m = small_model(1.0f);
    vector_f x = *fold_in(m, some_ratings());
    uint32_t mask = m.items_info.genres[0];
    vector_f y = cold_start_row(m, mask);
    vector_f xa = x;
    xa(0) = 1.0f;
    REQUIRE(cold_start_score(m, x, mask) == Approx(m.scale.clamp(m.mu + x(0) + y.dot(xa))));
    // with no genres there is no prior: μ + b_u
    REQUIRE(cold_start_score(m, x, 0) == Approx(m.scale.clamp(m.mu + x(0))));
}
