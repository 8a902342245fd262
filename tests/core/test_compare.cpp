#include <catch2/catch.hpp>
#include <cmath>

#include "compare.h"
#include "rng.h"

using namespace mf;

TEST_CASE("quantile_sorted interpolates between order statistics as numpy does", "[compare]") {
    std::vector<double> s = {1, 2, 3, 4};
    REQUIRE(quantile_sorted(s, 0.5) == Approx(2.5));
    REQUIRE(quantile_sorted(s, 0.25) == Approx(1.75));
    REQUIRE(quantile_sorted(s, 0.0) == 1);
    REQUIRE(quantile_sorted(s, 1.0) == 4);
}

TEST_CASE("two units: the bootstrap takes 0, 1/2, 1 and the permutation p-value is 1", "[compare]") {
    // per-unit differences {0, 1}: resampled means 0 (1/4), 0.5 (1/2), 1 (1/4), so the 2.5% and
    // 97.5% quantiles are 0 and 1; every swap gives |diff| = 1/2, so p = 4/4
    paired_units u{{0, 0}, {0, 1}, {1, 1}, false};
    compare_value v = *compare_paired(u);
    REQUIRE(v.a == 0);
    REQUIRE(v.b == Approx(0.5));
    REQUIRE(v.diff == Approx(0.5));
    REQUIRE(v.ci_low == 0);
    REQUIRE(v.ci_high == 1);
    REQUIRE(v.p_value == 1);
    REQUIRE(v.n == 2);
}

TEST_CASE("three units: exact and random permutation p-values match the hand count", "[compare]") {
    // differences {1, 2, 3}, mean 2; of the 8 sign patterns only +++ and --- reach |mean| >= 2
    paired_units u{{0, 0, 0}, {1, 2, 3}, {1, 1, 1}, false};
    compare_value exact = *compare_paired(u);
    REQUIRE(exact.diff == Approx(2.0));
    REQUIRE(exact.p_value == Approx(0.25));
    compare_options o;
    o.exact_max = 0;
    o.permutations = 4000;
    compare_value sampled = *compare_paired(u, o);
    REQUIRE(sampled.p_value == Approx(0.25).margin(0.03));  // sd of the estimate ~0.007
    REQUIRE(sampled.ci_low == Approx(1.0));                 // a resample of three 1s
    REQUIRE(sampled.ci_high == Approx(3.0));
}

TEST_CASE("root statistics: RMSE from per-user squared-error sums", "[compare]") {
    // A: squared errors 4 (one rating) and 0 (three ratings): RMSE sqrt(4/4) = 1; B: all 0
    paired_units u{{4, 0}, {0, 0}, {1, 3}, true};
    compare_value v = *compare_paired(u);
    REQUIRE(v.a == Approx(1.0));
    REQUIRE(v.b == 0);
    REQUIRE(v.diff == Approx(-1.0));
    // swapping unit 1 gives +1, unit 2 changes nothing: every swap reaches |diff| = 1
    REQUIRE(v.p_value == 1);
}

TEST_CASE("a planted improvement is found, with an interval around it", "[compare]") {
    rng r(7);
    paired_units u;
    for (int i = 0; i < 400; ++i) {
        double a = 0.3 + 0.2 * r.normal();
        u.a.push_back(a);
        u.b.push_back(a + 0.05 + 0.1 * r.normal());
        u.w.push_back(1);
    }
    compare_value v = *compare_paired(u);
    REQUIRE(v.diff == Approx(0.05).margin(0.015));
    REQUIRE(v.ci_low > 0);
    REQUIRE(v.ci_low < 0.05);
    REQUIRE(v.ci_high > 0.05);
    REQUIRE(v.p_value < 0.001);
    // the interval's half-width is about 1.96 · 0.1 / sqrt(400) = 0.0098
    REQUIRE((v.ci_high - v.ci_low) / 2 == Approx(0.0098).margin(0.002));
    REQUIRE(compare_verdict("ndcg_at_10", v, true).rfind("B is better on ndcg_at_10 by 0.0", 0) == 0);
    REQUIRE(compare_verdict("rmse", v, false).rfind("A is better on rmse", 0) == 0);
}

TEST_CASE("without a difference the interval holds 0 about 95% of the time", "[compare]") {
    int excluded = 0, small_p = 0;
    compare_options o;
    o.bootstrap = 400;
    o.permutations = 400;
    for (int rep = 0; rep < 200; ++rep) {
        rng r(rng_hash(1000, (uint64_t) rep));  // rng(s + 1) is rng(s) one step on: hash the seeds
        paired_units u;
        for (int i = 0; i < 100; ++i) {
            u.a.push_back(r.uniform());
            u.b.push_back(r.uniform());
            u.w.push_back(1);
        }
        o.seed = (uint64_t) rep;
        compare_value v = *compare_paired(u, o);
        if (v.ci_low > 0 || v.ci_high < 0) ++excluded;
        if (v.p_value < 0.05) ++small_p;
    }
    REQUIRE(excluded >= 2);  // expected 10 of 200
    REQUIRE(excluded <= 22);
    REQUIRE(small_p >= 2);
    REQUIRE(small_p <= 22);
}

TEST_CASE("bad comparisons are rejected with a reason", "[compare]") {
    REQUIRE_FALSE(compare_paired(paired_units{}).ok());
    REQUIRE_FALSE(compare_paired(paired_units{{1}, {1, 2}, {1}, false}).ok());
    REQUIRE_FALSE(compare_paired(paired_units{{1}, {2}, {0}, false}).ok());
    REQUIRE_FALSE(compare_paired(paired_units{{NAN}, {2}, {1}, false}).ok());
    REQUIRE_FALSE(compare_paired(paired_units{{-1}, {2}, {1}, true}).ok());
    compare_options o;
    o.bootstrap = 10;
    result<compare_value> r = compare_paired(paired_units{{1}, {2}, {1}, false}, o);
    REQUIRE_FALSE(r.ok());
    REQUIRE(r.error().find("bootstrap") != std::string::npos);
    REQUIRE(compare_verdict("mrr", compare_value{0, 0, 0.001, -0.002, 0.004, 0.4, 10}, true)
                .rfind("no significant difference on mrr", 0) == 0);
}
