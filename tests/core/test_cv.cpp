#include <catch2/catch.hpp>
#include <cmath>
#include <map>

#include "cv.h"
#include "planted.h"

using namespace mf;

TEST_CASE("random folds: sizes within one, a partition, reproducible per seed", "[cv]") {
    planted_data p = planted_make(30, 40, 2, 0.5, 0.3f, 3);
    const dataset & d = p.d;
    std::vector<int32_t> f = *folds_assign(d, 5, fold_mode::random, 42);
    REQUIRE((int64_t) f.size() == d.size());
    std::vector<int64_t> size(5, 0);
    for (int32_t x : f) {
        REQUIRE(x >= 0);
        REQUIRE(x < 5);
        ++size[(size_t) x];
    }
    for (int64_t s : size) {
        REQUIRE(s >= d.size() / 5);
        REQUIRE(s <= d.size() / 5 + 1);
    }
    REQUIRE(*folds_assign(d, 5, fold_mode::random, 42) == f);
    REQUIRE(*folds_assign(d, 5, fold_mode::random, 43) != f);
    split_result s = fold_split(f, 2);
    REQUIRE((int64_t) (s.train.size() + s.test.size()) == d.size());
    REQUIRE((int64_t) s.test.size() == size[2]);
    for (int64_t q : s.test) REQUIRE(f[(size_t) q] == 2);
}

TEST_CASE("user folds: every user's ratings spread evenly over the folds", "[cv]") {
    planted_data p = planted_make(30, 40, 2, 0.5, 0.3f, 4);
    const dataset & d = p.d;
    const int32_t k = 4;
    std::vector<int32_t> f = *folds_assign(d, k, fold_mode::user, 7);
    std::map<int32_t, std::vector<int64_t>> per;  // user -> ratings per fold
    for (int64_t q = 0; q < d.size(); ++q) {
        auto & v = per[d.user[(size_t) q]];
        v.resize(k);
        ++v[(size_t) f[(size_t) q]];
    }
    for (auto & [u, v] : per) {
        int64_t n = 0;
        for (int64_t c : v) n += c;
        for (int64_t c : v) {
            REQUIRE(c >= n / k);
            REQUIRE(c <= n / k + 1);
        }
    }
}

TEST_CASE("user-time folds: contiguous periods of each user's history", "[cv]") {
    dataset d;
    d.items.genres_init_movielens();
    for (int i = 0; i < 6; ++i) d.items.add(10 + i, "m", 1u);
    d.users.get_or_add(1);
    d.users.get_or_add(2);
    // user 0: times 6, 5, 4, 3, 2, 1 at positions 0..5; user 1: times 7, 7, 1 at positions 6..8
    for (int i = 0; i < 6; ++i) d.push(0, i, 3.0f, 6 - i);
    d.push(1, 0, 3.0f, 7);
    d.push(1, 1, 3.0f, 7);
    d.push(1, 2, 3.0f, 1);
    std::vector<int32_t> f = *folds_assign(d, 3, fold_mode::user_time, 1);
    // user 0 in time order: 5 4 | 3 2 | 1 0; user 1: 8 | 6 | 7 (equal times: file order)
    REQUIRE(f == std::vector<int32_t>{2, 2, 1, 1, 0, 0, 1, 2, 0});
    d.time.clear();
    REQUIRE_FALSE(folds_assign(d, 3, fold_mode::user_time, 1).ok());
}

TEST_CASE("bad fold requests are rejected", "[cv]") {
    planted_data p = planted_make(3, 3, 1, 1.0, 0.3f, 5);
    REQUIRE_FALSE(folds_assign(p.d, 1, fold_mode::random, 1).ok());
    REQUIRE_FALSE(folds_assign(p.d, 101, fold_mode::random, 1).ok());
    REQUIRE_FALSE(folds_assign(p.d, 10, fold_mode::random, 1).ok());  // 9 ratings
    REQUIRE_FALSE(fold_mode_parse("time").ok());
    REQUIRE(*fold_mode_parse("user") == fold_mode::user);
}

TEST_CASE("mean and sample sd over folds; a subset keeps ids", "[cv]") {
    mean_sd m = mean_sd_of({1, 2, 3, 4});
    REQUIRE(m.mean == Approx(2.5));
    REQUIRE(m.sd == Approx(std::sqrt(5.0 / 3.0)));
    REQUIRE(mean_sd_of({7}).sd == 0);
    planted_data p = planted_make(5, 6, 1, 1.0, 0.3f, 6);
    dataset s = dataset_subset(p.d, {3, 1});
    REQUIRE(s.size() == 2);
    REQUIRE(s.user[0] == p.d.user[3]);
    REQUIRE(s.item[1] == p.d.item[1]);
    REQUIRE(s.rating[0] == p.d.rating[3]);
    REQUIRE(s.time[1] == p.d.time[1]);
    REQUIRE(s.users.ids == p.d.users.ids);
    REQUIRE(s.items.size() == p.d.items.size());
}
