#include <catch2/catch.hpp>
#include <string>

#include "ratings_csv.h"

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
    d = parse(
        "\xEF\xBB\xBFuserId, movieId ,rating,timestamp\r\n\r\n3,2,5,-10\r\n\n3,1,3.50,0\r\n4,1,.5,2\r\n4,2,2.5e0,3");
    REQUIRE(d.ok());
    REQUIRE(d->rating == std::vector<float>{5.0f, 3.5f, 0.5f, 2.5f});
    REQUIRE(d->time == std::vector<int64_t>{-10, 0, 2, 3});
    REQUIRE(d->users.ids == std::vector<int32_t>{3, 4});
}

TEST_CASE("ratings.csv: bad lines name the line and the field", "[ratings_csv]") {
    const std::string h = "userId,movieId,rating,timestamp\n";
    REQUIRE(error_of("") == "ratings.csv: no ratings (the file is empty)");
    REQUIRE(error_of("\xEF\xBB\xBF") == "ratings.csv: no ratings (the file is empty)");
    REQUIRE(error_of(h) == "ratings.csv: no ratings (no data lines after the header)");
    REQUIRE(error_of("userId,movieId,rating,timestamp\r\n\r\n\n") ==
            "ratings.csv: no ratings (no data lines after the header)");
    REQUIRE(error_of("\n") == "ratings.csv:1: expected the header \"userId,movieId,rating,timestamp\", found \"\"");
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
    REQUIRE(error_of(h + "1,1,4.0,1\n1,999,4.0,1\n") ==
            "ratings.csv:3: field 'movieId': movie 999 is not in the catalog");
    REQUIRE(error_of(h + "1,1,4.0,t\xC3\xA9\n") ==
            "ratings.csv:2: field 'timestamp': \"t\\xC3\\xA9\" is not an integer timestamp");
    REQUIRE(error_of(h + "1,1,4.0\n") == "ratings.csv:2: expected 4 fields, found 3");
    REQUIRE(error_of(h + "1,1,4.0,1,x\n") == "ratings.csv:2: expected 4 fields, found 5");
    REQUIRE(error_of(h + "1,\"1\",4.0,1\n") ==
            "ratings.csv:2: field 'movieId': \"\\\"1\\\"\" is not a positive integer");
    // the name given is the one in messages
    std::string s = h + "1,1,9,1\n";
    result<dataset> d =
        ratings_csv_parse(reinterpret_cast<const uint8_t *>(s.data()), s.size(), small_catalog(), "my.csv");
    REQUIRE(d.error() == "my.csv:2: field 'rating': 9 is outside 0.5\u20135");
}

TEST_CASE("ratings.csv: timestamps and ids at the edges of their range", "[ratings_csv]") {
    const std::string h = "userId,movieId,rating,timestamp\n";
    result<dataset> d = parse(h +
                              "2147483647,1,4.0,9223372036854775807\n1,2,4.0,-9223372036854775807\n"
                              "1,50,4.0,0000000000000000000000001\n");
    REQUIRE(d.ok());
    REQUIRE(d->users.ids == std::vector<int32_t>{2147483647, 1});
    REQUIRE(d->time == std::vector<int64_t>{INT64_MAX, -INT64_MAX, 1});
    REQUIRE(error_of(h + "1,1,4.0,9999999999999999999\n") ==
            "ratings.csv:2: field 'timestamp': \"9999999999999999999\" is out of range (at most 9223372036854775807)");
    REQUIRE(error_of(h + "1,1,4.0,9223372036854775808\n") ==
            "ratings.csv:2: field 'timestamp': \"9223372036854775808\" is out of range (at most 9223372036854775807)");
    REQUIRE(error_of(h + "1,1,4.0,-99999999999999999999999999\n") ==
            "ratings.csv:2: field 'timestamp': \"-99999999999999999999999999\" is out of range (at least "
            "-9223372036854775807)");
    REQUIRE(error_of(h + "1,1,4.0,99999999999999999999x\n") ==
            "ratings.csv:2: field 'timestamp': \"99999999999999999999x\" is not an integer timestamp");
    REQUIRE(error_of(h + "2147483648,1,4.0,1\n") ==
            "ratings.csv:2: field 'userId': \"2147483648\" is too large (at most 2147483647)");
    REQUIRE(error_of(h + "18446744073709551617,1,4.0,1\n") ==
            "ratings.csv:2: field 'userId': \"18446744073709551617\" is too large (at most 2147483647)");
}

TEST_CASE("ratings.csv: duplicates - the last rating of a (user, movie) wins, counted", "[ratings_csv]") {
    const std::string h = "userId,movieId,rating,timestamp\n";
    auto parse_dups = [&](const std::string & s, int64_t & dups) {
        return ratings_csv_parse(reinterpret_cast<const uint8_t *>(s.data()), s.size(), small_catalog(), "r.csv",
                                 &dups);
    };
    int64_t dups = -1;
    // grouped by user; user 1 rates movie 1 three times and movie 50 twice
    result<dataset> d = parse_dups(h + "1,1,1.0,10\n1,50,2.0,11\n1,1,3.0,12\n1,2,3.5,13\n1,50,4.0,14\n1,1,5.0,15\n"
                                       "7,1,0.5,16\n",
                                   dups);
    REQUIRE(d.ok());
    REQUIRE(dups == 3);
    REQUIRE(d->users.ids == std::vector<int32_t>{1, 7});
    REQUIRE(d->user == std::vector<int32_t>{0, 0, 0, 1});
    REQUIRE(d->item == std::vector<int32_t>{1, 2, 0, 0});  // movies 2, 50, 1, then user 7's movie 1
    REQUIRE(d->rating == std::vector<float>{3.5f, 4.0f, 5.0f, 0.5f});
    REQUIRE(d->time == std::vector<int64_t>{13, 14, 15, 16});

    // not grouped by user: user 3's ratings interleave with user 4's
    d = parse_dups(h + "3,1,1.0,1\n4,1,2.0,2\n3,2,2.5,3\n4,1,4.5,4\n3,1,3.0,5\n", dups);
    REQUIRE(d.ok());
    REQUIRE(dups == 2);
    REQUIRE(d->users.ids == std::vector<int32_t>{3, 4});
    REQUIRE(d->user == std::vector<int32_t>{0, 1, 0});
    REQUIRE(d->item == std::vector<int32_t>{1, 0, 0});
    REQUIRE(d->rating == std::vector<float>{2.5f, 4.5f, 3.0f});
    REQUIRE(d->time == std::vector<int64_t>{3, 4, 5});

    // none: the count is 0 and nothing moves
    d = parse_dups(h + "3,1,1.0,1\n4,1,2.0,2\n3,2,2.5,3\n", dups);
    REQUIRE(d.ok());
    REQUIRE(dups == 0);
    REQUIRE(d->size() == 3);
    // the count is optional
    REQUIRE(parse(h + "3,1,1.0,1\n3,1,2.0,2\n")->rating == std::vector<float>{2.0f});
}
