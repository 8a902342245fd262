// The line parsers against planted values: records of every form the fast paths meet (ids of 1
// to 10 digits with and without leading zeros, ratings "d", "d.d", "d.dd", timestamps of 1 to 19
// digits, signed, CRLF) written to text and parsed back, in memory (the SIMD try where 64 bytes
// are readable, the byte path near the end) and from a file read in windows.
#include <catch2/catch.hpp>
#include <cinttypes>
#include <cstdio>
#include <random>
#include <set>
#include <string>

#include "movielens.h"
#include "movielens_io.h"
#include "movielens_parse.h"
#include "native/dataset_same.h"
#include "native/temp_dir.h"

namespace {

struct planted {
    int32_t user;
    int32_t movie;
    float rating;
    int64_t time;
};

// a positive id with a random number of digits (1 to 10), capped at INT32_MAX
int32_t random_id(std::mt19937_64 & rng) {
    int digits = 1 + (int) (rng() % 10);
    uint64_t hi = 1;
    for (int i = 0; i < digits; ++i) hi *= 10;
    uint64_t v = 1 + rng() % (hi - 1);
    return (int32_t) std::min<uint64_t>(v, INT32_MAX);
}

std::string with_zeros(std::mt19937_64 & rng, const std::string & s) {
    return rng() % 8 == 0 ? std::string(1 + rng() % 3, '0') + s : s;
}

// the text of one record and the values it holds
std::string record_text(std::mt19937_64 & rng, planted & p) {
    p.user = random_id(rng);
    p.movie = random_id(rng);
    int half = 1 + (int) (rng() % 10);  // 0.5 .. 5.0
    std::string r;
    switch (rng() % 4) {
        case 0:
            r = half % 2 == 0 ? std::to_string(half / 2) : std::to_string(half / 2) + ".5";
            break;
        case 1:
            r = std::to_string(half / 2) + (half % 2 ? ".5" : ".0");
            break;
        case 2:
            r = std::to_string(half / 2) + (half % 2 ? ".50" : ".00");
            break;
        default:
            r = std::to_string(half / 2) + (half % 2 ? ".5" : ".0");
    }
    p.rating = (float) half / 2;
    int digits = 1 + (int) (rng() % 19);
    uint64_t t = 0;
    for (int i = 0; i < digits; ++i) t = t * 10 + rng() % 10;
    if (t > (uint64_t) INT64_MAX) t /= 10;
    p.time = (int64_t) t;
    if (rng() % 10 == 0) p.time = -p.time;
    char ts[32];
    std::snprintf(ts, sizeof ts, "%" PRId64, p.time);
    std::string eol = rng() % 5 == 0 ? "\r\n" : "\n";
    return with_zeros(rng, std::to_string(p.user)) + "," + with_zeros(rng, std::to_string(p.movie)) + "," + r + "," +
           ts + eol;
}

}  // namespace

TEST_CASE("records of every form parse to their planted values, in memory and from a file", "[load]") {
    std::mt19937_64 rng(20261204);
    std::string text = "userId,movieId,rating,timestamp\n";
    std::vector<planted> want;
    std::set<std::pair<int32_t, int32_t>> pairs;  // distinct (user, movie): no duplicate is dropped
    // also the short lines of the MovieLens files, the SIMD path's usual case
    for (int i = 0; i < 20000; ++i) {
        planted p;
        std::string line;
        if (i % 2 == 0) {
            line = record_text(rng, p);
        } else {
            p = {1 + (int32_t) (rng() % 300000), 1 + (int32_t) (rng() % 300000), (float) (1 + rng() % 10) / 2,
                 1000000000 + (int64_t) (rng() % 900000000)};
            char buf[96];
            int half = (int) (p.rating * 2);
            std::snprintf(buf, sizeof buf, "%d,%d,%d%s,%" PRId64 "\n", p.user, p.movie, half / 2,
                          half % 2 ? ".5" : (rng() % 2 ? ".0" : ""), p.time);
            line = buf;
        }
        if (!pairs.insert({p.user, p.movie}).second) continue;
        text += line;
        want.push_back(p);
    }
    REQUIRE(want.size() > 19000);

    for (int threads : {1, 3}) {
        mf::dataset d;
        mf::line_errors e;
        mf::ratings_stats st;
        mf::parse_ratings(text.data(), text.size(), mf::ratings_format::csv, "r.csv", threads, 1, d, e, st);
        require_records(d, want);
        CHECK(st.lines == (int64_t) want.size());
    }
    temp_dir t;
    mf::file_reader f(t.file("ratings.csv", text));
    for (size_t window : {(size_t) 33, (size_t) 4096}) {
        mf::dataset d;
        mf::line_errors e;
        mf::ratings_stats st;
        mf::parse_ratings(f, mf::ratings_format::csv, "r.csv", 2, 1, d, e, st, true, window);
        require_records(d, want);
    }
}

TEST_CASE("the fast paths refuse what the slow path names: a bad field at every position of a short line", "[load]") {
    // each line is valid but for one byte; every one must fail with its field named
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"1,2,3.5,x", "field 'timestamp'"}, {"1,2,3.5,1x", "field 'timestamp'"}, {"1,2,3.x,1", "field 'rating'"},
        {"1,2,x.5,1", "field 'rating'"},    {"1,2,0,1", "field 'rating'"},       {"1,2,5.5,1", "field 'rating'"},
        {"1,2,0.4,1", "field 'rating'"},    {"1,x,3,1", "field 'movieId'"},      {"x,2,3,1", "field 'userId'"},
        {"0,2,3,1", "field 'userId'"},      {"1,0,3,1", "field 'movieId'"},      {"1,2,3,1,5", "expected 4 fields"},
        {"1,2,3", "expected 4 fields"},     {"1,,3,1", "field 'movieId'"},       {"1,2,,1", "field 'rating'"},
        {"1,2,3,", "field 'timestamp'"},    {"1 ,2,3,1", "field 'userId'"},      {"1,2,3, 1", "field 'timestamp'"},
    };
    for (const auto & c : cases) {
        // the bad line first (64 readable bytes: the SIMD try) and last (the byte path)
        for (bool last : {false, true}) {
            std::string text = "userId,movieId,rating,timestamp\n";
            if (!last) text += c.first + "\n";
            text += "5,6,4.5,100\n";
            if (last) text += c.first + "\n";
            mf::dataset d;
            mf::line_errors e;
            mf::ratings_stats st;
            std::string err = "(no error)";
            try {
                mf::parse_ratings(text.data(), text.size(), mf::ratings_format::csv, "r.csv", 1, 1, d, e, st);
            } catch (const mf::load_error & ex) {
                err = ex.what();
            }
            INFO(c.first << (last ? " (last line)" : " (first line)"));
            CHECK(err.find(std::string("r.csv:") + (last ? "3" : "2") + ": " + c.second) == 0);
        }
    }
}
