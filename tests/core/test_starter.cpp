#include <algorithm>
#include <catch2/catch.hpp>
#include <set>

#include "rng.h"
#include "starter.h"

using namespace mf;

namespace {

// 200 movies in four clusters of directions (e1..e4 plus a little noise), cluster c = row % 4;
// cluster 0 (rows 0, 4, 8, ...) holds the most-rated movies, so popularity alone would show
// mostly one kind of movie.
model clustered_model(model_kind kind = model_kind::als) {
    model m;
    m.params.kind = kind;
    m.k = 4;
    const int n = 200;
    m.items = matrix_f::Zero(n, m.k + 1);
    m.item_counts.resize(n);
    rng g(3);
    for (int i = 0; i < n; ++i) {
        m.items(i, 0) = 0.1f;
        for (int c = 0; c < m.k; ++c) m.items(i, 1 + c) = (float) (0.02 * g.normal());
        m.items(i, 1 + i % 4) += 1.0f;
        m.item_counts[(size_t) i] = 1000 - i + (i % 4 == 0 ? 100 : 0);
    }
    return m;
}

int cluster(int row) {
    return row % 4;
}

}  // namespace

TEST_CASE("starter: popular movies spread over the clusters of the item vectors", "[starter]") {
    model m = clustered_model();
    for (uint64_t seed : {0ull, 1ull, 7ull, 12345ull}) {
        result<std::vector<int32_t>> s = movies_starter(m, 4, seed, {}, 40);
        REQUIRE(s.ok());
        REQUIRE(s->size() == 4);
        std::set<int> clusters;
        for (int32_t r : *s) {
            clusters.insert(cluster(r));
            // within the 40 most-rated
            std::vector<int32_t> order(200);
            for (int i = 0; i < 200; ++i) order[(size_t) i] = i;
            std::sort(order.begin(), order.end(),
                      [&](int a, int b) { return m.item_counts[(size_t) a] > m.item_counts[(size_t) b]; });
            CHECK(std::find(order.begin(), order.begin() + 40, r) != order.begin() + 40);
        }
        CHECK(clusters.size() == 4);  // one of each kind, although cluster 0 dominates popularity
    }
    // seed 0 starts with the most-rated movie
    CHECK(movies_starter(m, 4, 0, {}, 40)->front() == 0);
}

TEST_CASE("starter: deterministic for a seed, exclusions give a new set", "[starter]") {
    model m = clustered_model();
    std::vector<int32_t> a = *movies_starter(m, 12, 5, {});
    std::vector<int32_t> b = *movies_starter(m, 12, 5, {});
    CHECK(a == b);
    std::set<int32_t> uniq(a.begin(), a.end());
    CHECK(uniq.size() == a.size());
    std::vector<int32_t> next = *movies_starter(m, 12, 5, a);
    REQUIRE(next.size() == 12);
    for (int32_t r : next) CHECK(uniq.count(r) == 0);
}

TEST_CASE("starter: without item vectors, the most-rated movies; limits checked", "[starter]") {
    model m = clustered_model(model_kind::pop);
    std::vector<int32_t> s = *movies_starter(m, 3, 9, {0});
    CHECK(s == std::vector<int32_t>{4, 8, 12});  // cluster 0 by count, movie 0 excluded

    model v = clustered_model();
    v.item_counts[5] = 0;  // a movie nobody rated is never proposed
    std::vector<int32_t> all = *movies_starter(v, 200, 1, {}, 300);
    CHECK(all.size() == 199);
    CHECK(std::find(all.begin(), all.end(), 5) == all.end());

    CHECK_FALSE(movies_starter(v, 0, 1, {}).ok());
    CHECK_FALSE(movies_starter(v, starter_n_max + 1, 1, {}).ok());
    CHECK_FALSE(movies_starter(v, 10, 1, {}, 5).ok());
    result<std::vector<int32_t>> bad = movies_starter(v, 10, 1, {200});
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().find("outside") != std::string::npos);
}
