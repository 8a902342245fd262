#include "ratings_csv.h"

#include <catch2/catch.hpp>
#include <string>

using namespace mf;

namespace {

catalog small_catalog() {
    catalog c;
    c.genres_init_movielens();
    c.add(1, "Toy Story (1995)", 1u << 2);
    c.add(2, "Jumanji (1995)", 1u << 1);
    c.add(50, "Usual Suspects, The (1995)", 1u << 5);
    return c;
}

result<dataset> parse(const std::string & s) {
    return ratings_csv_parse(reinterpret_cast<const uint8_t *>(s.data()), s.size(), small_catalog());
}

std::string error_of(const std::string & s) {
    result<dataset> d = parse(s);
    return d.ok() ? std::string("(parsed)") : d.error();
}

}  // namespace

TEST_CASE("ratings.csv: good files", "[ratings_csv]") {
    result<dataset> d = parse("userId,movieId,rating,timestamp\n1,50,4.0,964982703\n1,1,4.5,964981247\n7,2,0.5,1\n");
    REQUIRE(d.ok());
    REQUIRE(d->size() == 3);
    REQUIRE(d->users.ids == std::vector<int32_t>{1, 7});
    REQUIRE(d->user == std::vector<int32_t>{0, 0, 1});
    REQUIRE(d->item == std::vector<int32_t>{2, 0, 1});  // catalog rows
    REQUIRE(d->rating == std::vector<float>{4.0f, 4.5f, 0.5f});
    REQUIRE(d->time == std::vector<int64_t>{964982703, 964981247, 1});
    REQUIRE(d->items.size() == 3);

    // BOM, CRLF, blank lines, no final newline, spaces around header names, integer and other
    // decimal forms of ratings, negative timestamps
    d = parse("\xEF\xBB\xBFuserId, movieId ,rating,timestamp\r\n\r\n3,2,5,-10\r\n\n3,1,3.50,0\r\n4,1,.5,2\r\n4,2,2.5e0,3");
    REQUIRE(d.ok());
    REQUIRE(d->rating == std::vector<float>{5.0f, 3.5f, 0.5f, 2.5f});
    REQUIRE(d->time == std::vector<int64_t>{-10, 0, 2, 3});
    REQUIRE(d->users.ids == std::vector<int32_t>{3, 4});

    // header only: no ratings
    d = parse("userId,movieId,rating,timestamp\r\n");
    REQUIRE(d.ok());
    REQUIRE(d->size() == 0);
}

TEST_CASE("ratings.csv: bad lines name the line and the field", "[ratings_csv]") {
    const std::string h = "userId,movieId,rating,timestamp\n";
    REQUIRE(error_of("") == "ratings.csv:1: expected the header \"userId,movieId,rating,timestamp\", found an empty file");
    REQUIRE(error_of("1,2,3.0,4\n") ==
            "ratings.csv:1: expected the header \"userId,movieId,rating,timestamp\", found \"1,2,3.0,4\"");
    REQUIRE(error_of("userId,movieId,rating\n") ==
            "ratings.csv:1: expected the header \"userId,movieId,rating,timestamp\", found \"userId,movieId,rating\"");
    REQUIRE(error_of(h + "1,1,4.0,1\n1,2,abc,2\n") == "ratings.csv:3: field 'rating': \"abc\" is not a number");
    REQUIRE(error_of(h + "1,1,4.0,1\r\n\r\n1,2,,2\r\n") == "ratings.csv:4: field 'rating': \"\" is not a number");
    REQUIRE(error_of(h + "1,1,5.5,1\n") == "ratings.csv:2: field 'rating': 5.5 is outside 0.5\u20135");
    REQUIRE(error_of(h + "1,1,0,1\n") == "ratings.csv:2: field 'rating': 0 is outside 0.5\u20135");
    REQUIRE(error_of(h + "1,1,nan,1\n") == "ratings.csv:2: field 'rating': \"nan\" is not a number");
    REQUIRE(error_of(h + "1,1,4.0.0,1\n") == "ratings.csv:2: field 'rating': \"4.0.0\" is not a number");
    REQUIRE(error_of(h + "x,1,4.0,1\n") == "ratings.csv:2: field 'userId': \"x\" is not a positive integer");
    REQUIRE(error_of(h + "0,1,4.0,1\n") == "ratings.csv:2: field 'userId': \"0\" is not a positive integer");
    REQUIRE(error_of(h + "-3,1,4.0,1\n") == "ratings.csv:2: field 'userId': \"-3\" is not a positive integer");
    REQUIRE(error_of(h + "1,99999999999,4.0,1\n") ==
            "ratings.csv:2: field 'movieId': \"99999999999\" is too large (at most 2147483647)");
    REQUIRE(error_of(h + "1,1,4.0,1\n1,999,4.0,1\n") == "ratings.csv:3: field 'movieId': movie 999 is not in the catalog");
    REQUIRE(error_of(h + "1,1,4.0,t\xC3\xA9\n") ==
            "ratings.csv:2: field 'timestamp': \"t\\xC3\\xA9\" is not an integer timestamp");
    REQUIRE(error_of(h + "1,1,4.0\n") == "ratings.csv:2: expected 4 fields, found 3");
    REQUIRE(error_of(h + "1,1,4.0,1,x\n") == "ratings.csv:2: expected 4 fields, found 5");
    REQUIRE(error_of(h + "1,\"1\",4.0,1\n") == "ratings.csv:2: field 'movieId': \"\\\"1\\\"\" is not a positive integer");
    // the name given is the one in messages
    std::string s = h + "1,1,9,1\n";
    result<dataset> d = ratings_csv_parse(reinterpret_cast<const uint8_t *>(s.data()), s.size(), small_catalog(), "my.csv");
    REQUIRE(d.error() == "my.csv:2: field 'rating': 9 is outside 0.5\u20135");
}
