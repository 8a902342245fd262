#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <set>

#include "params.h"
#include "tune.h"

using namespace mf;

TEST_CASE("search spaces parse into lists, uniform and log-uniform ranges", "[tune]") {
    search_space s = *space_parse("factors=16,32,64;regularization=log:1:30;genre-prior=0:2");
    REQUIRE(s.dims.size() == 3);
    REQUIRE(s.dims[0].name == "factors");
    REQUIRE(s.dims[0].kind == space_dim::list);
    REQUIRE(s.dims[0].values == std::vector<std::string>{"16", "32", "64"});
    REQUIRE(s.dims[0].integer);
    REQUIRE(s.dims[1].kind == space_dim::log_uniform);
    REQUIRE(s.dims[1].lo == 1);
    REQUIRE(s.dims[1].hi == 30);
    REQUIRE(s.dims[2].name == "genre_prior");
    REQUIRE(s.dims[2].kind == space_dim::uniform);
    REQUIRE(s.text == "factors=16,32,64;regularization=log:1:30;genre_prior=0:2");
    REQUIRE(space_parse("solver=cholesky,cg")->dims[0].values.size() == 2);
}

TEST_CASE("bad search spaces are rejected naming the part", "[tune]") {
    for (const char * bad : {"", "factors", "bogus=1,2", "factors=0,16", "factors=16;factors=32", "regularization=5:1",
                             "regularization=log:0:10", "regularization=a:b", "solver=0:1", "threads=1,2",
                             "factors=16,,32", "regularization=1:2:3"}) {
        INFO(bad);
        result<search_space> r = space_parse(bad);
        REQUIRE_FALSE(r.ok());
        REQUIRE_FALSE(r.error().empty());
    }
    REQUIRE(space_parse("factors=0,16").error().find("factors=0,16") != std::string::npos);
}

TEST_CASE("grid points: evenly spaced ranges, last dimension fastest", "[tune]") {
    search_space s = *space_parse("factors=16,32,64;regularization=log:1:100;genre_prior=0:2");
    REQUIRE(space_grid_size(s, 3) == 27);
    REQUIRE(config_text(space_grid_point(s, 3, 0)) == "factors=16;regularization=1;genre_prior=0");
    REQUIRE(config_text(space_grid_point(s, 3, 5)) == "factors=16;regularization=10;genre_prior=2");
    REQUIRE(config_text(space_grid_point(s, 3, 26)) == "factors=64;regularization=100;genre_prior=2");
    REQUIRE(config_text(space_grid_point(s, 3, 13)) == "factors=32;regularization=10;genre_prior=1");
}

TEST_CASE("random trials are reproducible per (seed, trial), in range and log-uniform", "[tune]") {
    search_space s = *space_parse("factors=4:100;regularization=log:1:100");
    REQUIRE(space_sample(s, 42, 3) == space_sample(s, 42, 3));
    REQUIRE(space_sample(s, 42, 3) != space_sample(s, 42, 4));
    REQUIRE(space_sample(s, 42, 3) != space_sample(s, 43, 3));
    std::vector<double> reg;
    std::set<std::string> factors;
    for (int t = 1; t <= 2000; ++t) {
        trial_config c = space_sample(s, 7, t);
        double f = std::stod(c[0].second);
        REQUIRE(f == std::floor(f));  // an integer parameter is rounded
        REQUIRE(f >= 4);
        REQUIRE(f <= 100);
        factors.insert(c[0].second);
        double r = std::stod(c[1].second);
        REQUIRE(r >= 1);
        REQUIRE(r <= 100);
        reg.push_back(r);
        train_params p;
        REQUIRE(config_apply(p, c).ok());
        REQUIRE(p.factors == (int32_t) f);
    }
    REQUIRE(factors.size() > 80);
    // log-uniform on [1, 100]: the median is 10, and a quarter lies below 10^0.5
    std::sort(reg.begin(), reg.end());
    REQUIRE(reg[1000] == Approx(10).epsilon(0.12));
    REQUIRE(reg[500] == Approx(std::sqrt(10.0)).epsilon(0.12));
}

TEST_CASE("the trial log round-trips, refuses another search and drops a torn last line", "[tune]") {
    const std::string search = "kind=als metric=rmse space=factors=16,32";
    std::string log = tune_log_header(search);
    log += tune_log_line({1, "factors=16", 0.875, 1.5});
    log += tune_log_line({2, "factors=32", 0.8625, 2.25});
    std::vector<trial_record> r = *tune_log_parse(log, search);
    REQUIRE(r.size() == 2);
    REQUIRE(r[1].trial == 2);
    REQUIRE(r[1].config == "factors=32");
    REQUIRE(r[1].value == 0.8625);
    REQUIRE(r[1].seconds == Approx(2.25));
    REQUIRE(tune_log_parse(log + "3\tfactors=16\t0.9", search)->size() == 2);
    result<std::vector<trial_record>> other = tune_log_parse(log, "kind=als metric=mae space=factors=16,32");
    REQUIRE_FALSE(other.ok());
    REQUIRE(other.error().find("line 1") != std::string::npos);
    result<std::vector<trial_record>> bad = tune_log_parse(log + "x\ty\n", search);
    REQUIRE_FALSE(bad.ok());
    REQUIRE(bad.error().find("line 4") != std::string::npos);
}
