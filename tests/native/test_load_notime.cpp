// The ratings parser's paths for big loads: timestamps checked but not stored (keep_time false),
// and line numbers counted by the SSE2 newline count over many 64-byte blocks (CRLF lines, a
// last line without '\n', a bad field in the second thread's range).
#include <catch2/catch.hpp>
#include <string>

#include "movielens.h"
#include "movielens_parse.h"
#include "native/dataset_same.h"

namespace {

// `users` users of 40 ratings each (about 1000 lines of 20-30 bytes per 25 users)
std::string ratings_text(int users, const char * eol) {
    std::string s = "userId,movieId,rating,timestamp";
    s += eol;
    for (int u = 1; u <= users; ++u)
        for (int m = 1; m <= 40; ++m)
            s += std::to_string(u * 7) + "," + std::to_string(m * 3) + "," + std::to_string((u + m) % 5) + ".5," +
                 std::to_string(1500000000 + u * 100 + m) + eol;
    return s;
}

mf::dataset parse(const std::string & text, int threads, bool keep_time, mf::ratings_stats & st) {
    mf::dataset d;
    mf::line_errors e;
    mf::parse_ratings(text.data(), text.size(), mf::ratings_format::csv, "r.csv", threads, 1, d, e, st, keep_time);
    return d;
}

std::string parse_error(const std::string & text, int threads) {
    try {
        mf::ratings_stats st;
        parse(text, threads, false, st);
    } catch (const mf::load_error & e) {
        return e.what();
    }
    return "(no error)";
}

}  // namespace

TEST_CASE("parse_ratings without timestamps keeps the same ratings and stores no time", "[load]") {
    // a blank line (its slot is closed up), a repeated pair (a dropped duplicate) and no final '\n'
    std::string text = ratings_text(200, "\n") + "\n" + "14,6,1.0,7";
    mf::ratings_stats s_full;
    mf::dataset full = parse(text, 1, true, s_full);
    REQUIRE(full.size() == 200 * 40);
    CHECK(s_full.duplicates == 1);
    CHECK(full.time.back() == 7);
    for (int threads : {1, 2, 5}) {
        mf::ratings_stats st;
        mf::dataset d = parse(text, threads, false, st);
        CHECK(d.time.empty());
        CHECK(st.duplicates == 1);
        CHECK(st.lines == s_full.lines);
        full.release_time();
        require_same_dataset(full, d);
        // user 14 is the second user (first appearance); its movie 6 is now rated 1.0, last
        CHECK(d.users.ids[1] == 14);
        CHECK(d.user.back() == 1);
        CHECK(d.rating.back() == 1.0f);
    }
}

TEST_CASE("a bad timestamp is still reported when timestamps are not stored", "[load]") {
    std::string text = ratings_text(3, "\n") + "7,3,4.5,1e9\n";
    CHECK(parse_error(text, 1) == "r.csv:122: field 'timestamp': \"1e9\" is not an integer timestamp");
}

TEST_CASE("line numbers past many newline-count blocks, CRLF, in the second range", "[load]") {
    for (const char * eol : {"\n", "\r\n"}) {
        // 100 users x 40 lines: about 100 KB, far more than one 4 KB block of the newline count
        std::string good = ratings_text(100, eol);
        std::string text = good + "5,5,4.5,5" + eol + "5,5,4.5,x" + eol + "6,6,4.5,6";
        // header + 4000 lines + 1 good line: the bad line is line 4003, in the last thread's range
        for (int threads : {1, 2, 3}) {
            INFO("threads " << threads << (eol[0] == '\r' ? " CRLF" : " LF"));
            CHECK(parse_error(text, threads) == "r.csv:4003: field 'timestamp': \"x\" is not an integer timestamp");
        }
        // without the bad line, the last line (no '\n') is read whatever the cuts
        std::string ok = good + "6,6,4.5,6";
        mf::ratings_stats s1, s2;
        mf::dataset a = parse(ok, 1, true, s1), b = parse(ok, 2, true, s2);
        require_same_dataset(a, b);
        CHECK(a.size() == 4001);
        CHECK(a.time.back() == 6);
        CHECK(s1.lines == 4001);
    }
}
