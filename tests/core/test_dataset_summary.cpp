#include <catch2/catch.hpp>

#include "dataset_summary.h"

using namespace mf;

TEST_CASE("months of unix times, before and after 1970", "[summary]") {
    REQUIRE(month_of(0) == "1970-01");
    REQUIRE(month_of(1420070400) == "2015-01");  // 2015-01-01 00:00 UTC
    REQUIRE(month_of(1420070399) == "2014-12");
    REQUIRE(month_of(951782400) == "2000-02");  // 2000-02-29
    REQUIRE(month_of(-1) == "1969-12");
}

TEST_CASE("summary counts of a hand-made dataset", "[summary]") {
    dataset d;
    d.items.genre_names = {"A", "B", "C"};
    d.items.add(10, "x", 0b011);
    d.items.add(11, "y", 0b001);
    d.items.add(12, "z", 0b110);
    for (int u = 0; u < 3; ++u) d.users.get_or_add(100 + u);
    // user 0: 3 ratings, user 1: 1, user 2: 1; movie 0: 3, movie 1: 2, movie 2: 0
    d.push(0, 0, 4.0f, 1420070400);
    d.push(0, 1, 3.5f, 1420070400);
    d.push(0, 0, 4.0f, 0);
    d.push(1, 0, 5.0f, 0);
    d.push(2, 1, 4.0f, 951782400);
    dataset_summary s = dataset_summarize(d);
    REQUIRE(s.by_value == std::vector<std::pair<float, int64_t>>{{3.5f, 1}, {4.0f, 3}, {5.0f, 1}});
    REQUIRE(s.movie_counts == std::vector<std::pair<int64_t, int64_t>>{{2, 1}, {3, 1}});
    REQUIRE(s.user_counts == std::vector<std::pair<int64_t, int64_t>>{{1, 2}, {3, 1}});
    REQUIRE(s.by_month == std::vector<std::pair<std::string, int64_t>>{{"1970-01", 2}, {"2000-02", 1}, {"2015-01", 2}});
    REQUIRE(s.genre_movies == std::vector<int64_t>{2, 2, 1});
    // A&B: movie 10; B&C: movie 12; A&C: none
    REQUIRE(s.genre_pairs == std::vector<int64_t>{2, 1, 0, 1, 2, 1, 0, 1, 1});
}
