#include <algorithm>
#include <catch2/catch.hpp>
#include <set>

#include "planted.h"
#include "split.h"

using namespace mf;

namespace {

dataset small_dataset() {
    planted_data p = planted_make(50, 40, 2, 0.5, 0.3f, 1);
    // shuffle timestamps so file order is not time order
    rng r(3);
    for (auto & t : p.d.time) t = 1000000000 + (int64_t) r.below(100000000);
    return p.d;
}

void require_partition(const dataset & d, const split_result & s) {
    REQUIRE((int64_t) (s.train.size() + s.test.size()) == d.size());
    std::vector<int64_t> all = s.train;
    all.insert(all.end(), s.test.begin(), s.test.end());
    std::sort(all.begin(), all.end());
    for (int64_t k = 0; k < d.size(); ++k) REQUIRE(all[k] == k);
}

}  // namespace

TEST_CASE("split specs parse and bad ones are rejected with a reason", "[split]") {
    REQUIRE(split_parse("random:0.2")->kind == split_spec::random);
    REQUIRE(split_parse("user-time:0.1")->fraction == Approx(0.1));
    REQUIRE(split_parse("last:3")->count == 3);
    REQUIRE(split_parse("time:2015-01-01")->cut == 1420070400);
    REQUIRE(split_parse("none")->kind == split_spec::none);
    for (const char * bad : {"random", "random:1.5", "random:0", "random:x", "last:0", "last:-2", "last:2x",
                             "time:2015-13-01", "time:yesterday", "bogus:1"}) {
        INFO(bad);
        result<split_spec> r = split_parse(bad);
        REQUIRE_FALSE(r.ok());
        REQUIRE(r.error().find(bad) != std::string::npos);
    }
}

TEST_CASE("random split: exact size, disjoint, deterministic per seed", "[split]") {
    dataset d = small_dataset();
    split_result a = *split_apply(d, *split_parse("random:0.2"), 42);
    require_partition(d, a);
    REQUIRE((int64_t) a.test.size() == (int64_t) std::llround(0.2 * (double) d.size()));
    split_result b = *split_apply(d, *split_parse("random:0.2"), 42);
    REQUIRE(a.test == b.test);
    split_result c = *split_apply(d, *split_parse("random:0.2"), 43);
    REQUIRE(a.test != c.test);
}

TEST_CASE("user-time and last-n hold out each user's latest ratings", "[split]") {
    dataset d = small_dataset();
    for (const char * spec : {"user-time:0.25", "last:2"}) {
        INFO(spec);
        split_result s = *split_apply(d, *split_parse(spec), 1);
        require_partition(d, s);
        std::vector<int64_t> max_train((size_t) d.users.size(), INT64_MIN),
            min_test((size_t) d.users.size(), INT64_MAX);
        std::vector<int> n_test((size_t) d.users.size(), 0), n_all((size_t) d.users.size(), 0);
        for (int64_t k : s.train) max_train[d.user[k]] = std::max(max_train[d.user[k]], d.time[k]);
        for (int64_t k : s.test) {
            min_test[d.user[k]] = std::min(min_test[d.user[k]], d.time[k]);
            n_test[d.user[k]]++;
        }
        for (int64_t k = 0; k < d.size(); ++k) n_all[d.user[k]]++;
        for (int32_t u = 0; u < d.users.size(); ++u) {
            REQUIRE(max_train[u] <= min_test[u]);  // every test rating is no earlier than any train one
            REQUIRE(n_test[u] < n_all[u]);         // one rating always stays to learn the user
            if (std::string(spec) == "last:2")
                REQUIRE(n_test[u] == std::min(2, n_all[u] - 1));
            else
                REQUIRE(n_test[u] == std::min((int) std::llround(0.25 * n_all[u]), n_all[u] - 1));
        }
    }
}

TEST_CASE("time split cuts at a date", "[split]") {
    dataset d = small_dataset();
    split_result s = *split_apply(d, *split_parse("time:2003-01-01"), 1);
    require_partition(d, s);
    REQUIRE(!s.test.empty());
    REQUIRE(!s.train.empty());
    for (int64_t k : s.test) REQUIRE(d.time[k] >= 1041379200);
    for (int64_t k : s.train) REQUIRE(d.time[k] < 1041379200);
}

TEST_CASE("dual CSR/CSC hold the same ratings", "[ratings]") {
    dataset d = small_dataset();
    split_result s = *split_apply(d, *split_parse("random:0.3"), 5);
    rating_matrix m = rating_matrix_build(d, s.train, false);
    REQUIRE(m.nnz() == (int64_t) s.train.size());
    REQUIRE(m.by_item.nnz() == m.nnz());
    std::multiset<std::tuple<int32_t, int32_t, float>> a, b;
    for (int32_t u = 0; u < m.n_users; ++u)
        for (uint64_t e = m.by_user.ptr[u]; e < m.by_user.ptr[u + 1]; ++e)
            a.emplace(u, m.by_user.idx[e], m.by_user.val[e]);
    for (int32_t i = 0; i < m.n_items; ++i)
        for (uint64_t e = m.by_item.ptr[i]; e < m.by_item.ptr[i + 1]; ++e)
            b.emplace(m.by_item.idx[e], i, m.by_item.val[e]);
    REQUIRE(a == b);
    double sum = 0;
    for (int64_t k : s.train) sum += d.rating[k];
    REQUIRE(m.mean == Approx(sum / (double) s.train.size()));
}
