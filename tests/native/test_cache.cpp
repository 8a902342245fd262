// The binary rating cache: hits give the same dataset; any change of the sources, and any
// damage to the cache file, is detected and the cache rebuilt, never trusted.
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>

#include "movielens.h"
#include "native/dataset_same.h"
#include "native/temp_dir.h"
#include "rating_cache.h"

namespace fs = std::filesystem;

namespace {

std::string read_all(const std::string & p) {
    std::ifstream f(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

std::string sample_ratings(int n) {
    std::mt19937 rng(9);
    std::string s = "userId,movieId,rating,timestamp\n";
    // 37 ratings a user, of 37 different movies of 1..60 (no duplicates)
    for (int k = 0; k < n; ++k)
        s += std::to_string(1 + k / 37) + "," + std::to_string(1 + (k % 37 * 7 + k / 37) % 60) + "," +
             std::to_string(rng() % 5) + ".5," + std::to_string(1000 + k) + "\n";
    return s;
}

const char * sample_movies =
    "movieId,title,genres\n1,\"Comma, The (1990)\",Drama|Comedy\n2,Amélie (2001),Romance\n3,X,(no genres listed)\n";

mf::dataset load(const temp_dir & t, mf::load_report & rep, bool skip = false) {
    mf::load_options o;
    o.threads = 2;
    o.skip_bad_lines = skip;
    return mf::movielens_load(t.str(), o, &rep);
}

// A folder whose load wrote a cache: the loaded dataset, the cache's bytes and its key.
struct written_cache {
    temp_dir t;
    mf::dataset good;
    std::string bytes, key;
    explicit written_cache(int n_ratings) {
        t.file("movies.csv", sample_movies);
        t.file("ratings.csv", sample_ratings(n_ratings));
        mf::load_report rep;
        good = load(t, rep);
        bytes = read_all(t.str() + "/ratings.csv.mfcache");
        key = mf::rating_cache_key({t.str() + "/ratings.csv", t.str() + "/movies.csv"}, "layout csv");
    }
};

void set_mtime_later(const std::string & p) {
    fs::last_write_time(p, fs::last_write_time(p) + std::chrono::seconds(3));
}

}  // namespace

TEST_CASE("cache: a hit gives the identical dataset and report", "[cache]") {
    temp_dir t;
    t.file("movies.csv", sample_movies);
    t.file("ratings.csv", sample_ratings(5000));
    mf::load_report r1, r2;
    mf::dataset d1 = load(t, r1);
    CHECK_FALSE(r1.from_cache);
    CHECK(r1.cache_note == "no cache");
    REQUIRE(fs::exists(t.str() + "/ratings.csv.mfcache"));
    mf::dataset d2 = load(t, r2);
    CHECK(r2.from_cache);
    CHECK(r2.cache_note.empty());
    require_same_dataset(d1, d2);
    CHECK(r2.lines == r1.lines);
    CHECK(r2.unknown_movies == r1.unknown_movies);
    CHECK(r2.unknown_movie_ratings == r1.unknown_movie_ratings);
    CHECK(r2.layout == "csv");
    CHECK(r2.ratings_path == r1.ratings_path);
    CHECK(d2.items.title[0] == "Comma, The (1990)");
    CHECK(d2.items.year[1] == 2001);
    // no temp files left behind
    int files = 0;
    for (auto & e : fs::directory_iterator(t.path)) files += (int) !!e.is_regular_file();
    CHECK(files == 3);

    // use_cache = false neither reads nor writes
    mf::load_options o;
    o.use_cache = false;
    mf::load_report r3;
    mf::dataset d3 = mf::movielens_load(t.str(), o, &r3);
    CHECK_FALSE(r3.from_cache);
    require_same_dataset(d1, d3);
}

TEST_CASE("cache: changed sources invalidate it", "[cache]") {
    temp_dir t;
    t.file("movies.csv", sample_movies);
    std::string ratings = sample_ratings(3000);
    t.file("ratings.csv", ratings);
    mf::load_report rep;
    load(t, rep);
    REQUIRE_FALSE(rep.from_cache);

    SECTION("appended line") {
        t.file("ratings.csv", ratings + "999,1,5,1\n");
        mf::dataset d = load(t, rep);
        CHECK_FALSE(rep.from_cache);
        CHECK(rep.cache_note.find("stale") == 0);
        CHECK(d.users.ids.back() == 999);
        mf::dataset again = load(t, rep);
        CHECK(rep.from_cache);
        require_same_dataset(d, again);
    }
    SECTION("same size, one byte changed, same mtime") {
        auto when = fs::last_write_time(t.str() + "/ratings.csv");
        std::string changed = ratings;
        size_t at = changed.rfind(".5,");
        changed[at - 1] = changed[at - 1] == '1' ? '2' : '1';
        t.file("ratings.csv", changed);
        fs::last_write_time(t.str() + "/ratings.csv", when);
        mf::dataset d = load(t, rep);
        CHECK_FALSE(rep.from_cache);  // the tail hash sees it
    }
    SECTION("touched ratings file") {
        set_mtime_later(t.str() + "/ratings.csv");
        load(t, rep);
        CHECK_FALSE(rep.from_cache);
        load(t, rep);
        CHECK(rep.from_cache);
    }
    SECTION("touched or edited movies file") {
        set_mtime_later(t.str() + "/movies.csv");
        load(t, rep);
        CHECK_FALSE(rep.from_cache);
        t.file("movies.csv", std::string(sample_movies) + "4,Four (2004),Drama\n");
        mf::dataset d = load(t, rep);
        CHECK_FALSE(rep.from_cache);
        CHECK(d.items.title[3] == "Four (2004)");
    }
    SECTION("a --ratings file has its own cache") {
        std::string other = t.file("other.csv", "userId,movieId,rating,timestamp\n5,2,4.5,7\n");
        mf::load_options o;
        o.ratings_file = other;
        mf::load_report r1, r2;
        mf::dataset d1 = mf::movielens_load(t.str(), o, &r1);
        mf::dataset d2 = mf::movielens_load(t.str(), o, &r2);
        CHECK_FALSE(r1.from_cache);
        CHECK(r2.from_cache);
        CHECK(fs::exists(other + ".mfcache"));
        REQUIRE(d2.size() == 1);
        CHECK(d2.users.ids[0] == 5);
    }
}

TEST_CASE("cache: damaged cache files are detected and rebuilt", "[cache]") {
    temp_dir t;
    t.file("movies.csv", sample_movies);
    t.file("ratings.csv", sample_ratings(4000));
    std::string cache = t.str() + "/ratings.csv.mfcache";
    mf::load_report rep;
    mf::dataset good = load(t, rep);
    const std::string bytes = read_all(cache);
    REQUIRE(bytes.size() > 4000 * 20);

    auto check_rebuilt = [&](const std::string & damaged, const char * note) {
        t.file("ratings.csv.mfcache", damaged);
        mf::load_report r;
        mf::dataset d = load(t, r);
        CHECK_FALSE(r.from_cache);
        CHECK_THAT(r.cache_note, Catch::Contains(note));
        require_same_dataset(good, d);
        CHECK(read_all(cache) == bytes);  // rewritten
        load(t, r);
        CHECK(r.from_cache);
    };
    SECTION("one flipped byte in the ratings") {
        std::string b = bytes;
        b[b.size() - 4000 * 8 - 4000 * 2] ^= 0x10;  // inside the rating array
        check_rebuilt(b, "corrupt: section rating: checksum mismatch");
    }
    SECTION("one flipped byte in the titles") {
        std::string b = bytes;
        size_t at = b.find("Comma, The");
        REQUIRE(at != std::string::npos);
        b[at] = 'K';
        check_rebuilt(b, "corrupt: section meta");
    }
    SECTION("truncated") {
        check_rebuilt(bytes.substr(0, bytes.size() - 100), "corrupt");
    }
    SECTION("truncated to the header") {
        check_rebuilt(bytes.substr(0, 100), "corrupt");
    }
    SECTION("empty") {
        check_rebuilt("", "corrupt");
    }
    SECTION("not a cache") {
        check_rebuilt(std::string(5000, 'x'), "corrupt: not an mfrec cache file");
    }
    SECTION("header damage") {
        std::string b = bytes;
        b[30] ^= 1;
        check_rebuilt(b, "corrupt: header checksum");
    }
}

TEST_CASE("cache: every single-byte flip is caught or harmless", "[cache]") {
    const written_cache c(200);
    const mf::dataset & good = c.good;
    const std::string & bytes = c.bytes;
    const std::string & key = c.key;
    {
        mf::dataset d;
        mf::cache_meta m;
        std::string why;
        REQUIRE(mf::rating_cache_decode(bytes.data(), bytes.size(), key, d, m, 1, &why));
        require_same_dataset(good, d);
        CHECK_FALSE(mf::rating_cache_decode(bytes.data(), bytes.size(), key + "x", d, m, 1, &why));
        CHECK(why == "stale: the source files changed");
    }
    std::mt19937 rng(3);
    int caught = 0;
    for (size_t at = 0; at < bytes.size(); at += 1 + rng() % 7) {
        std::string b = bytes;
        b[at] = (char) (b[at] ^ (1 << (rng() % 8)));
        mf::dataset d;
        mf::cache_meta m;
        std::string why;
        if (mf::rating_cache_decode(b.data(), b.size(), key, d, m, 2, &why)) {
            require_same_dataset(good, d);  // only padding bytes may change unnoticed
        } else {
            ++caught;
        }
    }
    CHECK(caught > 0);
}

TEST_CASE("cache: a load without timestamps still verifies them", "[cache]") {
    const written_cache c(200);
    mf::dataset d;
    mf::cache_meta m;
    std::string why;
    REQUIRE(mf::rating_cache_decode(c.bytes.data(), c.bytes.size(), c.key, d, m, 2, &why, false));
    CHECK(d.time.empty());
    CHECK(d.user == c.good.user);
    CHECK(d.item == c.good.item);
    CHECK(d.rating == c.good.rating);
    // a flipped bit inside the time section (the last of 10; its offset is in the header's
    // section table at 64 + 24·9) is caught although the section is not copied out
    uint64_t off;
    std::memcpy(&off, c.bytes.data() + 64 + 24 * 9, 8);
    REQUIRE(off + 8 < c.bytes.size());
    std::string b = c.bytes;
    b[off + 5] = (char) (b[off + 5] ^ 4);
    CHECK_FALSE(mf::rating_cache_decode(b.data(), b.size(), c.key, d, m, 2, &why, false));
    CHECK(why == "corrupt: section time: checksum mismatch");
}

TEST_CASE("cache: a load that skipped bad lines is not served to a strict load", "[cache]") {
    temp_dir t;
    t.file("movies.csv", sample_movies);
    t.file("ratings.csv", "userId,movieId,rating,timestamp\n1,1,4,1\n1,2,9,2\n");
    mf::load_report rep;
    mf::dataset d = load(t, rep, true);
    CHECK(rep.skipped == 1);
    load(t, rep, true);
    CHECK(rep.from_cache);
    CHECK(rep.skipped == 1);
    REQUIRE(rep.skipped_examples.size() == 1);
    CHECK_THAT(rep.skipped_examples[0], Catch::Contains("ratings.csv:3: field 'rating': 9 is outside"));
    CHECK_THROWS_WITH(load(t, rep, false), Catch::Contains("ratings.csv:3: field 'rating'"));
}
