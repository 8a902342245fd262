// Parsing a mapped file while giving its pages back (parse_ratings with data_mapped, the cache's
// reads): the same dataset as parsing bytes in memory, and bad lines past the released chunks
// still name their line.
#include <catch2/catch.hpp>
#include <string>

#include "movielens.h"
#include "movielens_io.h"
#include "movielens_parse.h"
#include "native/dataset_same.h"
#include "native/temp_dir.h"

namespace {

// ~24 MB of ratings (three release chunks a thread), users grouped, a repeated pair near the end
std::string big_ratings(int users, const std::string & last_line) {
    std::string s = "userId,movieId,rating,timestamp\n";
    s.reserve((size_t) users * 200 * 25);
    for (int u = 1; u <= users; ++u)
        for (int m = 1; m <= 200; ++m)
            s += std::to_string(u) + "," + std::to_string(m * 3) + "," + std::to_string((u + m) % 5) + ".5," +
                 std::to_string(1500000000 + u * 1000 + m) + "\n";
    s += last_line;
    return s;
}

mf::dataset parse(const char * data, size_t n, int threads, bool mapped, mf::ratings_stats & st) {
    mf::dataset d;
    mf::line_errors e;
    mf::parse_ratings(data, n, mf::ratings_format::csv, "r.csv", threads, 1 << 16, d, e, st, mapped);
    return d;
}

}  // namespace

TEST_CASE("parse_ratings on a mapped file releasing its pages gives the in-memory result", "[load]") {
    temp_dir t;
    const std::string text = big_ratings(5000, "7,30,5,1\n");  // user 7 rates movie 30 again
    const std::string path = t.file("ratings.csv", text);
    mf::ratings_stats s_mem, s_map;
    mf::dataset in_memory = parse(text.data(), text.size(), 2, false, s_mem);
    mf::mapped_file f(path);
    REQUIRE(f.mapped());
    mf::dataset mapped = parse(f.data(), f.size(), 2, true, s_map);
    require_same_dataset(in_memory, mapped);
    CHECK(s_map.duplicates == 1);
    CHECK(s_map.lines == s_mem.lines);
    CHECK(mapped.size() == 5000 * 200);
    // the bytes are still readable after the release (mapped again from the page cache)
    CHECK(std::string(f.data() + f.size() - 9, 9) == "7,30,5,1\n");
}

TEST_CASE("a bad line after the released chunks names its line and field", "[load]") {
    temp_dir t;
    const std::string path = t.file("ratings.csv", big_ratings(5000, "9,3,4.5,1\n9,3,six,2\n"));
    mf::mapped_file f(path);
    for (int threads : {1, 2}) {
        mf::ratings_stats st;
        std::string err = "(no error)";
        try {
            parse(f.data(), f.size(), threads, true, st);
        } catch (const mf::load_error & e) {
            err = e.what();
        }
        // header + 1,000,000 ratings + the good extra line: the bad one is line 1,000,003
        CHECK(err == "r.csv:1000003: field 'rating': \"six\" is not a number");
    }
}

TEST_CASE("the cache read from its mapped file gives the parsed dataset, with and without timestamps", "[cache]") {
    temp_dir t;
    t.file("ratings.csv", big_ratings(3000, ""));
    t.file("movies.csv", "movieId,title,genres\n3,A (1999),Drama\n");
    mf::load_options o;
    o.threads = 2;
    mf::load_report r1, r2, r3;
    mf::dataset parsed = mf::movielens_load(t.path.string(), o, &r1);
    REQUIRE_FALSE(r1.from_cache);
    mf::dataset cached = mf::movielens_load(t.path.string(), o, &r2);
    REQUIRE(r2.from_cache);
    require_same_dataset(parsed, cached);
    o.timestamps = false;
    mf::dataset no_time = mf::movielens_load(t.path.string(), o, &r3);
    REQUIRE(r3.from_cache);
    CHECK(no_time.time.empty());
    CHECK(no_time.rating == parsed.rating);
    CHECK(no_time.user == parsed.user);
}

TEST_CASE("a parse without timestamps drops them after writing the cache, which keeps them", "[cache]") {
    temp_dir t;
    t.file("ratings.csv", "userId,movieId,rating,timestamp\n1,3,4,100\n2,3,5,200\n");
    t.file("movies.csv", "movieId,title,genres\n3,A (1999),Drama\n");
    mf::load_options o;
    o.timestamps = false;
    mf::load_report r1, r2;
    mf::dataset parsed = mf::movielens_load(t.path.string(), o, &r1);
    REQUIRE_FALSE(r1.from_cache);
    CHECK(parsed.time.empty());
    CHECK(parsed.rating == std::vector<float>{4.0f, 5.0f});
    o.timestamps = true;
    mf::dataset cached = mf::movielens_load(t.path.string(), o, &r2);
    REQUIRE(r2.from_cache);
    CHECK(cached.time == std::vector<int64_t>{100, 200});
}
