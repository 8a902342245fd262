// Parsing a file read in windows (parse_ratings from a file_reader) and the cache's reads of its
// mapped file: the same dataset as parsing bytes in memory, and bad lines far into the file
// still name their line.
#include <catch2/catch.hpp>
#include <string>

#include "movielens.h"
#include "movielens_io.h"
#include "movielens_parse.h"
#include "native/dataset_same.h"
#include "native/temp_dir.h"

namespace {

// ~24 MB of ratings (many windows a thread), users grouped, a repeated pair near the end
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

mf::dataset parse_memory(const std::string & text, int threads, mf::ratings_stats & st) {
    mf::dataset d;
    mf::line_errors e;
    mf::parse_ratings(text.data(), text.size(), mf::ratings_format::csv, "r.csv", threads, 1 << 16, d, e, st);
    return d;
}

mf::dataset parse_file(const mf::file_reader & f, int threads, size_t window, mf::ratings_stats & st,
                       size_t min_bytes = 1 << 16) {
    mf::dataset d;
    mf::line_errors e;
    mf::parse_ratings(f, mf::ratings_format::csv, "r.csv", threads, min_bytes, d, e, st, true, window);
    return d;
}

std::string parse_file_error(const mf::file_reader & f, int threads, size_t window) {
    try {
        mf::ratings_stats st;
        parse_file(f, threads, window, st, 1);
    } catch (const mf::load_error & e) {
        return e.what();
    }
    return "(no error)";
}

}  // namespace

TEST_CASE("parse_ratings reading a file in windows gives the in-memory result", "[load]") {
    temp_dir t;
    const std::string text = big_ratings(5000, "7,30,5,1\n");  // user 7 rates movie 30 again
    const std::string path = t.file("ratings.csv", text);
    mf::ratings_stats s_mem;
    mf::dataset in_memory = parse_memory(text, 2, s_mem);
    CHECK(in_memory.size() == 5000 * 200);
    CHECK(s_mem.duplicates == 1);
    mf::file_reader f(path);
    REQUIRE(f.data() == nullptr);  // read in windows, not whole
    REQUIRE(f.size() == text.size());
    for (size_t window : {(size_t) 4096, (size_t) 1 << 18}) {
        for (int threads : {1, 2, 3}) {
            mf::ratings_stats st;
            mf::dataset d = parse_file(f, threads, window, st);
            INFO("window " << window << ", threads " << threads);
            require_same_dataset(in_memory, d);
            CHECK(st.duplicates == 1);
            CHECK(st.lines == s_mem.lines);
        }
    }
    // windows shorter than a line and not a multiple of its length, on a smaller file
    const std::string small = big_ratings(40, "7,30,5,1\n");
    mf::file_reader fs(t.file("small.csv", small));
    mf::ratings_stats s_small;
    mf::dataset small_memory = parse_memory(small, 1, s_small);
    for (size_t window : {(size_t) 7, (size_t) 61}) {
        for (int threads : {1, 3}) {
            mf::ratings_stats st;
            mf::dataset d = parse_file(fs, threads, window, st, 1);
            INFO("window " << window << ", threads " << threads);
            require_same_dataset(small_memory, d);
            CHECK(st.duplicates == 1);
        }
    }
}

TEST_CASE("a file read in windows: lines longer than the window, no final newline, CRLF", "[load]") {
    temp_dir t;
    // a rating written with 200 digits (the slow path), CRLF endings, no '\n' at the end
    const std::string text = "userId,movieId,rating,timestamp\r\n1,10,4.5,100\r\n1,20,3." + std::string(200, '0') +
                             ",200\r\n2,10,5,300\r\n\r\n2,30,0.5,400";
    const std::string path = t.file("ratings.csv", text);
    mf::file_reader f(path);
    for (size_t window : {(size_t) 1, (size_t) 16, (size_t) 300}) {
        for (int threads : {1, 2, 4}) {
            mf::ratings_stats st;
            mf::dataset d = parse_file(f, threads, window, st, 1);
            INFO("window " << window << ", threads " << threads);
            CHECK(d.users.ids == std::vector<int32_t>{1, 2});
            CHECK(d.user == std::vector<int32_t>{0, 0, 1, 1});
            CHECK(d.rating == std::vector<float>{4.5f, 3.0f, 5.0f, 0.5f});
            CHECK(d.time == std::vector<int64_t>{100, 200, 300, 400});
            CHECK(st.lines == 4);
        }
    }
}

TEST_CASE("a bad line far into a file read in windows names its line and field", "[load]") {
    temp_dir t;
    const std::string path = t.file("ratings.csv", big_ratings(5000, "9,3,4.5,1\n9,3,six,2\n"));
    mf::file_reader f(path);
    for (int threads : {1, 2}) {
        // header + 1,000,000 ratings + the good extra line: the bad one is line 1,000,003
        CHECK(parse_file_error(f, threads, 1 << 18) == "r.csv:1000003: field 'rating': \"six\" is not a number");
        CHECK(parse_file_error(f, threads, 1000) == "r.csv:1000003: field 'rating': \"six\" is not a number");
    }
    const std::string p2 = t.file("r2.csv", "userId,movieId,rating,timestamp\n1,2,3,4\n\n1,3,4,5\n1,x,3,4\n");
    mf::file_reader f2(p2);
    for (size_t window : {(size_t) 1, (size_t) 5, (size_t) 64})
        CHECK(parse_file_error(f2, 2, window) == "r.csv:5: field 'movieId': \"x\" is not a positive integer");
}

TEST_CASE("file_reader reads ranges, refuses reads past the end and what is not a regular file", "[load]") {
    temp_dir t;
    const std::string path = t.file("a.txt", "0123456789");
    mf::file_reader f(path);
    CHECK(f.size() == 10);
    char buf[4] = {};
    f.read_at(3, buf, 4);
    CHECK(std::string(buf, 4) == "3456");
    CHECK_THROWS_WITH(f.read_at(8, buf, 4), path + ": read past the end of the file");
    CHECK_THROWS_WITH(mf::file_reader(t.path.string()), t.path.string() + ": is a directory, expected a file");
    CHECK_THROWS_WITH(mf::file_reader("/dev/zero"), "/dev/zero: not a regular file (a character device)");
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

TEST_CASE("a repeated rating is dropped wherever the range cuts fall, even in a file otherwise free of them",
          "[load]") {
    // users 1..40 rate movies 1..25 in increasing order (the parse proves such a file free of
    // duplicates and skips the duplicates pass); one line repeated right after itself with
    // another rating; parsed wherever a range cut of 2, 3 or 4 threads falls between the two (the
    // check across ranges) and at a few other places
    auto text_with_repeat = [](int at) {
        std::string text = "userId,movieId,rating,timestamp\n";
        for (int k = 0; k < 1000; ++k) {
            const std::string head = std::to_string(1 + k / 25) + "," + std::to_string(1 + k % 25) + ",";
            text += head + "3," + std::to_string(k) + "\n";
            if (k == at) text += head + "4.5," + std::to_string(k) + "\n";
        }
        return text;
    };
    // where the parse cuts T ranges: the line start after byte start + bytes·t/T (t = 1..T-1)
    auto cut_between = [](const std::string & text, int threads) {
        const size_t second = text.rfind('\n', text.find("4.5,")) + 1;  // the repeat's line
        const size_t data = text.find('\n') + 1, bytes = text.size() - data;
        for (int t = 1; t < threads; ++t)
            if (text.find('\n', data + (size_t) ((double) bytes * t / threads)) + 1 == second) return true;
        return false;
    };
    int split_pairs = 0;  // repeats that a cut separated from their first rating
    for (int threads : {1, 2, 3, 4}) {
        for (int at = 0; at < 1000; ++at) {
            const std::string text = text_with_repeat(at);
            const bool split = cut_between(text, threads);
            if (!split && at % 97 != 0) continue;  // the split cases, and a few others
            split_pairs += split;
            mf::dataset d;
            mf::line_errors e;
            mf::ratings_stats st;
            mf::parse_ratings(text.data(), text.size(), mf::ratings_format::csv, "r.csv", threads, 1, d, e, st);
            INFO("repeat after line " << at << ", threads " << threads << (split ? " (a cut between the two)" : ""));
            CHECK(st.duplicates == 1);
            REQUIRE(d.size() == 1000);
            CHECK(d.rating[(size_t) at] == 4.5f);  // the later rating stays, in the first one's place
        }
    }
    CHECK(split_pairs == 1 + 2 + 3);  // every cut of 2, 3 and 4 threads met once
}
