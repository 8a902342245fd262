// Hostile input to the MovieLens loaders and the rating cache: numbers out of range, sparse ids
// (bounded allocations), files that are not regular files (FIFO, /dev/zero, directories: refused
// by name, never a hang), files without ratings, missing movies files, and the duplicates
// policy (the last rating of a (user, movie) in file order wins, counted in the report and kept
// by the cache).
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <map>
#include <new>
#include <random>
#include <string>
#include <utility>

#include "movielens.h"
#include "movielens_parse.h"
#include "native/dataset_same.h"
#include "native/temp_dir.h"
#include "rating_cache.h"
#include "ratings_csv.h"

namespace fs = std::filesystem;

// ---- allocation probe: every operator new of this test binary goes through here; while armed
// it records the largest single request and the sum of all requests. (The loaders' arrays and
// tables are std::vectors; a mapped file is not an allocation.)
namespace {
std::atomic<bool> probe_armed{false};
std::atomic<size_t> probe_largest{0};
std::atomic<size_t> probe_total{0};

void * probe_alloc(size_t n) {
    if (probe_armed.load(std::memory_order_relaxed)) {
        size_t cur = probe_largest.load(std::memory_order_relaxed);
        while (n > cur && !probe_largest.compare_exchange_weak(cur, n, std::memory_order_relaxed)) {
        }
        probe_total.fetch_add(n, std::memory_order_relaxed);
    }
    void * p = std::malloc(n ? n : 1);
    if (!p) throw std::bad_alloc();
    return p;
}

struct probe_scope {
    probe_scope() {
        probe_largest = 0;
        probe_total = 0;
        probe_armed = true;
    }
    ~probe_scope() { probe_armed = false; }
};
}  // namespace

void * operator new(size_t n) {
    return probe_alloc(n);
}
void * operator new[](size_t n) {
    return probe_alloc(n);
}
void * operator new(size_t n, const std::nothrow_t &) noexcept {
    try {
        return probe_alloc(n);
    } catch (...) {
        return nullptr;
    }
}
void * operator new[](size_t n, const std::nothrow_t & t) noexcept {
    return operator new(n, t);
}
void operator delete(void * p) noexcept {
    std::free(p);
}
void operator delete[](void * p) noexcept {
    std::free(p);
}
void operator delete(void * p, size_t) noexcept {
    std::free(p);
}
void operator delete[](void * p, size_t) noexcept {
    std::free(p);
}
void operator delete(void * p, const std::nothrow_t &) noexcept {
    std::free(p);
}
void operator delete[](void * p, const std::nothrow_t &) noexcept {
    std::free(p);
}

namespace {

mf::load_options no_cache(int threads = 1) {
    mf::load_options o;
    o.use_cache = false;
    o.threads = threads;
    return o;
}

std::string load_error_of(const std::string & dir, mf::load_options opt = no_cache()) {
    try {
        mf::movielens_load(dir, opt);
    } catch (const mf::load_error & e) {
        return e.what();
    }
    return "(no error)";
}

// runs f on another thread; a call still running after 20 s is a hang: the FIFO is opened for
// writing (which releases a reader blocked in open) and the test fails instead of hanging
template <class F>
std::string without_hang(const std::string & fifo, F f) {
    auto fut = std::async(std::launch::async, f);
    if (fut.wait_for(std::chrono::seconds(20)) != std::future_status::ready) {
        int fd = ::open(fifo.c_str(), O_RDWR | O_NONBLOCK);
        fut.wait();
        if (fd >= 0) ::close(fd);
        FAIL("blocked on the FIFO " << fifo);
    }
    return fut.get();
}

const char * movies3 = "movieId,title,genres\n1,A (1990),Drama\n2,B (1991),Comedy\n3,C (1992),Drama\n";

std::string read_all(const std::string & p) {
    std::ifstream f(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

}  // namespace

TEST_CASE("load input: numbers out of range name file, line and field (every format, fast and slow path)",
          "[load][input]") {
    temp_dir t;
    t.file("movies.csv", movies3);
    const std::string r = t.str() + "/ratings.csv";
    auto with_line = [&](const std::string & line) {
        t.file("ratings.csv", "userId,movieId,rating,timestamp\n1,1,4,1\n" + line + "\n2,2,3,4\n");
        return load_error_of(t.str());
    };
    // 19 digits used to overflow int64 in the fast path (UB); now a message
    CHECK(with_line("1,1,4.0,9999999999999999999") ==
          r + ":3: field 'timestamp': \"9999999999999999999\" is out of range (at most 9223372036854775807)");
    CHECK(with_line("1,1,4.0,9223372036854775808") ==
          r + ":3: field 'timestamp': \"9223372036854775808\" is out of range (at most 9223372036854775807)");
    CHECK(with_line("1,1,4.0,-99999999999999999999") ==
          r + ":3: field 'timestamp': \"-99999999999999999999\" is out of range (at least -9223372036854775807)");
    CHECK(with_line("1,1,4.0,123456789012345678901234567890123456789012345") ==
          r + ":3: field 'timestamp': \"1234567890123456789012345678901234567890...\" is out of range (at most "
              "9223372036854775807)");
    CHECK(with_line("1,2147483648,4.0,1") ==
          r + ":3: field 'movieId': \"2147483648\" is too large (at most 2147483647)");
    CHECK(with_line("1,99999999999999999999999,4.0,1") ==
          r + ":3: field 'movieId': \"99999999999999999999999\" is too large (at most 2147483647)");
    CHECK(with_line("4294967297,1,4.0,1") ==
          r + ":3: field 'userId': \"4294967297\" is too large (at most 2147483647)");

    // the largest values are accepted, with the same result on the fast and the slow path
    t.file("ratings.csv",
           "userId,movieId,rating,timestamp\n"
           "2147483647,2147483647,4.0,9223372036854775807\n"  // 19 digits: slow path
           "2147483647,1,4.0,-9223372036854775807\n"
           "2147483646,2,4.0,999999999999999999\n"              // 18 digits: fast path
           "0000000000001,3,4.0,0000000000000000000000042\n");  // leading zeros: slow path
    mf::load_report rep;
    mf::dataset d = mf::movielens_load(t.str(), no_cache(), &rep);
    REQUIRE(d.size() == 4);
    CHECK(d.users.ids == std::vector<int32_t>{2147483647, 2147483646, 1});
    CHECK(d.time == std::vector<int64_t>{INT64_MAX, -INT64_MAX, 999999999999999999, 42});
    CHECK(d.items.movie_id[(size_t) d.item[0]] == 2147483647);
    CHECK(rep.unknown_movies == 1);

    // .dat and u.data lines take the same checks
    temp_dir dat;
    dat.file("movies.dat", "1::A (1990)::Drama\n");
    dat.file("ratings.dat", "1::1::5::1\n1::1::5::99999999999999999999\n");
    CHECK(load_error_of(dat.str()) == dat.str() +
                                          "/ratings.dat:2: field 'timestamp': \"99999999999999999999\" is out of range "
                                          "(at most 9223372036854775807)");
    temp_dir tab;
    tab.file("u.item", "1|A|||x|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|1\n");
    tab.file("u.data", "1\t1\t5\t1\n3000000000\t1\t5\t1\n");
    CHECK(load_error_of(tab.str()) ==
          tab.str() + "/u.data:2: field 'userId': \"3000000000\" is too large (at most 2147483647)");
}

TEST_CASE("load input: sparse ids allocate by the data, not by the largest id", "[load][input]") {
    temp_dir t;
    // two ratings by users near 2^26 (a dense id table: 256 MB), then near 2^31
    for (int32_t base : {(1 << 26) - 2, (1 << 25) + 5, 2147483600}) {
        std::string movies =
            "movieId,title,genres\n1,A (1990),Drama\n" + std::to_string((1 << 26) - 1) + ",Z (2000),Drama\n";
        t.file("movies.csv", movies);
        t.file("ratings.csv", "userId,movieId,rating,timestamp\n" + std::to_string(base) + ",1,4.0,5\n" +
                                  std::to_string(base + 1) + "," + std::to_string((1 << 26) - 1) + ",3.5,6\n" +
                                  std::to_string(base) + ",7,2.0,7\n");
        for (int threads : {1, 2}) {
            mf::load_report rep;
            mf::dataset d;
            size_t largest = 0, total = 0;
            {
                probe_scope probe;
                d = mf::movielens_load(t.str(), no_cache(threads), &rep);
                largest = probe_largest.load();
                total = probe_total.load();
            }
            INFO("base " << base << ", threads " << threads << ": largest allocation " << largest << ", total "
                         << total);
            CHECK(largest <= ((size_t) 8 << 20));  // 4 MB tables at most (was 256 MB)
            CHECK(total <= ((size_t) 32 << 20));
            REQUIRE(d.size() == 3);
            CHECK(d.users.ids == std::vector<int32_t>{base, base + 1});
            CHECK(d.user == std::vector<int32_t>{0, 1, 0});
            CHECK(d.items.movie_id[(size_t) d.item[0]] == 1);
            CHECK(d.items.movie_id[(size_t) d.item[1]] == (1 << 26) - 1);
            CHECK(d.items.movie_id[(size_t) d.item[2]] == 7);
            CHECK(rep.unknown_movies == 1);
        }
    }
    // the common case still takes the flat tables: dense ids of a bigger file, same answers
    std::string s = "userId,movieId,rating,timestamp\n";
    for (int k = 0; k < 3000; ++k) s += std::to_string(1 + k / 10) + "," + std::to_string(1 + k % 10) + ",3.0,1\n";
    t.file("movies.csv", movies3);
    t.file("ratings.csv", s);
    mf::dataset d = mf::movielens_load(t.str(), no_cache(2));
    CHECK(d.size() == 3000);
    CHECK(d.users.size() == 300);
    CHECK(d.items.size() == 10);
}

TEST_CASE("load input: a file of blank lines allocates by its records, not its lines", "[load][input]") {
    // 8 MB of '\n' then one rating: 8M lines, but records take >= 8 bytes, so at most 1M slots
    std::string s = "userId,movieId,rating,timestamp\n" + std::string((size_t) 8 << 20, '\n') + "1,1,4.0,1\n";
    mf::dataset d;
    d.items.genres_init_movielens();
    d.items.add(1, "A", 0);
    mf::line_errors e;
    mf::ratings_stats st;
    size_t total = 0;
    {
        probe_scope probe;
        mf::parse_ratings(s.data(), s.size(), mf::ratings_format::csv, "r", 2, 1 << 16, d, e, st);
        total = probe_total.load();
    }
    CHECK(total <= ((size_t) 48 << 20));  // 4 arrays x 1M slots (was 8M slots: 160 MB)
    CHECK(d.size() == 1);
    CHECK(st.lines == 1);
}

TEST_CASE("load input: FIFOs, devices and directories are refused by name, never read", "[load][input]") {
    temp_dir t;
    t.file("movies.csv", movies3);
    const std::string r = t.str() + "/ratings.csv";

    // a FIFO without a writer: opening it for reading would block forever
    REQUIRE(::mkfifo(r.c_str(), 0644) == 0);
    CHECK(without_hang(r, [&] { return load_error_of(t.str()); }) == r + ": not a regular file (a FIFO)");
    mf::load_options cached;  // the cache key hashes the sources: must not block either
    cached.threads = 1;
    CHECK(without_hang(r, [&] { return load_error_of(t.str(), cached); }) == r + ": not a regular file (a FIFO)");
    fs::remove(r);

    // /dev/zero never ends: it used to be read until memory ran out
    if (fs::exists("/dev/zero")) {
        fs::create_symlink("/dev/zero", r);
        CHECK(load_error_of(t.str()) == r + ": not a regular file (a character device)");
        fs::remove(r);
        mf::load_options o = no_cache();
        o.ratings_file = "/dev/zero";
        CHECK(load_error_of(t.str(), o) == "/dev/zero: not a regular file (a character device)");
        fs::remove(t.str() + "/movies.csv");
        fs::create_symlink("/dev/zero", t.str() + "/movies.csv");
        t.file("ratings.csv", "userId,movieId,rating,timestamp\n1,1,4,1\n");
        CHECK(load_error_of(t.str()) == t.str() + "/movies.csv: not a regular file (a character device)");
        CHECK_THROWS_WITH(mf::movielens_load_catalog(t.str() + "/movies.csv"),
                          t.str() + "/movies.csv: not a regular file (a character device)");
        fs::remove(t.str() + "/movies.csv");
        t.file("movies.csv", movies3);
    }

    // directories in place of the files
    fs::remove(r);
    fs::create_directory(r);
    CHECK(load_error_of(t.str()) == r + ": is a directory, expected a file");
    mf::load_options o = no_cache();
    o.ratings_file = t.str();
    CHECK(load_error_of(t.str(), o) == t.str() + ": is a directory, expected a file");
    fs::remove(r);
    t.file("ratings.csv", "userId,movieId,rating,timestamp\n1,1,4,1\n");
    fs::remove(t.str() + "/movies.csv");
    fs::create_directory(t.str() + "/movies.csv");
    CHECK(load_error_of(t.str()) == t.str() + "/movies.csv: is a directory, expected a file");
}

TEST_CASE("load input: a ratings file without ratings is an error naming it", "[load][input]") {
    temp_dir t;
    t.file("movies.csv", movies3);
    const std::string r = t.str() + "/ratings.csv";
    t.file("ratings.csv", "userId,movieId,rating,timestamp\n");
    CHECK(load_error_of(t.str()) == r + ": no ratings (no data lines after the header)");
    t.file("ratings.csv", "userId,movieId,rating,timestamp\r\n\r\n\n");
    CHECK(load_error_of(t.str(), no_cache(3)) == r + ": no ratings (no data lines after the header)");
    t.file("ratings.csv", "");
    CHECK(load_error_of(t.str()) == r + ": no ratings (the file is empty)");
    t.file("ratings.csv", "\xEF\xBB\xBF");
    CHECK(load_error_of(t.str()) == r + ": no ratings (the file is empty)");
    // every line skipped: nothing to train on
    t.file("ratings.csv", "userId,movieId,rating,timestamp\n1,1,x,1\n1,2,9,1\n\n1,3\n");
    mf::load_options skip = no_cache();
    skip.skip_bad_lines = true;
    CHECK(load_error_of(t.str(), skip) == r + ": no ratings (all 3 lines are bad)");
    // the cache is no way around it
    mf::load_options cached;
    cached.threads = 2;
    t.file("ratings.csv", "userId,movieId,rating,timestamp\n");
    CHECK(load_error_of(t.str(), cached) == r + ": no ratings (no data lines after the header)");
    CHECK_FALSE(fs::exists(r + ".mfcache"));

    temp_dir dat;
    dat.file("movies.dat", "1::A (1990)::Drama\n");
    dat.file("ratings.dat", "\n\r\n");
    CHECK(load_error_of(dat.str()) == dat.str() + "/ratings.dat: no ratings (no data lines)");
    temp_dir tab;
    tab.file("u.item", "1|A|||x|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|1\n");
    tab.file("u.data", "");
    CHECK(load_error_of(tab.str()) == tab.str() + "/u.data: no ratings (the file is empty)");
}

TEST_CASE("load input: a missing movies or ratings file is named", "[load][input]") {
    temp_dir t;
    t.file("ratings.csv", "userId,movieId,rating,timestamp\n1,1,4,1\n");
    CHECK(load_error_of(t.str()) ==
          t.str() + ": movies.csv not found (a MovieLens folder has ratings.csv and movies.csv)");
    temp_dir m;
    m.file("movies.dat", "1::A (1990)::Drama\n");
    CHECK(load_error_of(m.str()) ==
          m.str() + ": ratings.dat not found (a MovieLens folder has ratings.dat and movies.dat)");
    temp_dir h;
    h.file("u.data", "1\t1\t5\t1\n");
    h.file("u.genre", "unknown|0\n");
    CHECK(load_error_of(h.str()) == h.str() + ": u.item not found (a MovieLens folder has u.data and u.item)");
    // a complete layout wins over a stray file of another one
    temp_dir both;
    both.file("ratings.dat", "1::1::5::1\n");
    both.file("ratings.csv", "userId,movieId,rating,timestamp\n1,1,4,1\n");
    both.file("movies.csv", movies3);
    mf::load_report rep;
    mf::movielens_load(both.str(), no_cache(), &rep);
    CHECK(rep.layout == "csv");
}

namespace {

// The policy by definition: for each (user id, movie id) the last line; kept lines in file order.
struct ref_rating {
    int32_t user, movie;
    float rating;
    int64_t time;
};
std::vector<ref_rating> reference_dedupe(const std::vector<ref_rating> & lines, int64_t & dropped) {
    std::map<std::pair<int32_t, int32_t>, size_t> last;
    for (size_t k = 0; k < lines.size(); ++k) last[{lines[k].user, lines[k].movie}] = k;
    std::vector<ref_rating> out;
    for (size_t k = 0; k < lines.size(); ++k)
        if (last[{lines[k].user, lines[k].movie}] == k) out.push_back(lines[k]);
    dropped = (int64_t) (lines.size() - out.size());
    return out;
}

}  // namespace

TEST_CASE("load input: duplicates - the last rating of a (user, movie) in file order wins, counted", "[load][input]") {
    temp_dir t;
    t.file("movies.csv", movies3);
    // user 1 rates movie 1 three times, movie 2 twice; user 9 rates movie 1 once
    t.file("ratings.csv",
           "userId,movieId,rating,timestamp\n1,1,1.0,10\n1,2,2.0,11\n1,1,3.0,12\n9,1,4.0,13\n1,2,4.5,14\n1,1,5.0,15\n");
    mf::load_report rep;
    mf::dataset d = mf::movielens_load(t.str(), no_cache(), &rep);
    CHECK(rep.lines == 6);
    CHECK(rep.duplicates == 3);
    CHECK(d.users.ids == std::vector<int32_t>{1, 9});  // first appearance in the file
    CHECK(d.user == std::vector<int32_t>{1, 0, 0});
    CHECK(d.item == std::vector<int32_t>{0, 1, 0});
    CHECK(d.rating == std::vector<float>{4.0f, 4.5f, 5.0f});
    CHECK(d.time == std::vector<int64_t>{13, 14, 15});

    // unknown movies: their ratings are counted after the duplicates are gone
    t.file("ratings.csv", "userId,movieId,rating,timestamp\n1,77,1.0,10\n1,77,2.0,11\n1,1,3.0,12\n");
    d = mf::movielens_load(t.str(), no_cache(), &rep);
    CHECK(rep.duplicates == 1);
    CHECK(rep.unknown_movies == 1);
    CHECK(rep.unknown_movie_ratings == 1);
    CHECK(d.rating == std::vector<float>{2.0f, 3.0f});

    // random files, grouped by user (runs in any movie order) or not, every format and thread
    // count: the same as the definition, and as the browser's parser (core/ratings_csv)
    std::mt19937 rng(5);
    for (int round = 0; round < 12; ++round) {
        const bool grouped = round % 2 == 0;
        std::vector<ref_rating> lines;
        const int n = 20000 + (int) (rng() % 5000);
        int32_t user = 1;
        for (int k = 0; k < n; ++k) {
            if (grouped ? rng() % 40 == 0 : true) user = grouped ? user + 1 : 1 + (int32_t) (rng() % 300);
            lines.push_back(
                {user, 1 + (int32_t) (rng() % (round < 4 ? 3u : 60u)), (float) (1 + rng() % 10) * 0.5f, (int64_t) k});
        }
        if (round == 10) {  // no duplicates at all, movies increasing in each run
            lines.clear();
            for (int k = 0; k < n; ++k) lines.push_back({1 + k / 50, 1 + k % 50, 3.0f, (int64_t) k});
        }
        int64_t want_dropped = 0;
        std::vector<ref_rating> want = reference_dedupe(lines, want_dropped);
        std::string csv = "userId,movieId,rating,timestamp\n", dat;
        for (const ref_rating & x : lines) {
            char rs[16];
            std::snprintf(rs, sizeof rs, "%.1f", (double) x.rating);
            csv +=
                std::to_string(x.user) + "," + std::to_string(x.movie) + "," + rs + "," + std::to_string(x.time) + "\n";
        }
        mf::catalog cat;
        cat.genres_init_movielens();
        for (int m = 1; m <= 60; ++m) cat.add(m, "M", 0);
        for (int threads : {1, 2, 3}) {
            mf::dataset got;
            got.items = cat;
            mf::line_errors e;
            mf::ratings_stats st;
            mf::parse_ratings(csv.data(), csv.size(), mf::ratings_format::csv, "r", threads, 1, got, e, st);
            INFO("round " << round << ", threads " << threads);
            CHECK(st.duplicates == want_dropped);
            CHECK(st.lines == (int64_t) lines.size());
            require_records(got, want);
        }
        if (round != 10) CHECK(want_dropped > 0);
        int64_t core_dropped = -1;
        mf::result<mf::dataset> core =
            mf::ratings_csv_parse((const uint8_t *) csv.data(), csv.size(), cat, "r.csv", &core_dropped);
        REQUIRE(core.ok());
        CHECK(core_dropped == want_dropped);
        require_records(*core, want);
    }
}

TEST_CASE("cache: the duplicates count survives the cache; old caches are rebuilt", "[cache][input]") {
    temp_dir t;
    t.file("movies.csv", movies3);
    t.file("ratings.csv", "userId,movieId,rating,timestamp\n1,1,1.0,10\n1,2,2.0,11\n1,1,3.0,12\n2,3,4.0,13\n");
    mf::load_options o;
    o.threads = 2;
    mf::load_report r1, r2;
    mf::dataset d1 = mf::movielens_load(t.str(), o, &r1);
    mf::dataset d2 = mf::movielens_load(t.str(), o, &r2);
    CHECK_FALSE(r1.from_cache);
    REQUIRE(r2.from_cache);
    CHECK(r1.duplicates == 1);
    CHECK(r2.duplicates == 1);
    CHECK(d2.size() == 3);
    require_same_dataset(d1, d2);

    // a version 1 cache (written before duplicates were dropped) is stale, never used
    const std::string cache = t.str() + "/ratings.csv.mfcache";
    std::string bytes = read_all(cache);
    REQUIRE(bytes.size() > 16);
    uint32_t v1 = 1;
    std::memcpy(&bytes[8], &v1, 4);
    t.file("ratings.csv.mfcache", bytes);
    mf::load_report r3;
    mf::dataset d3 = mf::movielens_load(t.str(), o, &r3);
    CHECK_FALSE(r3.from_cache);
    CHECK(r3.cache_note == "stale: version 1, expected 2");
    CHECK(r3.duplicates == 1);
    require_same_dataset(d1, d3);
}

TEST_CASE("cache: a cache path that is a FIFO, a device or a directory is neither read nor replaced",
          "[cache][input]") {
    temp_dir t;
    t.file("movies.csv", movies3);
    t.file("ratings.csv", "userId,movieId,rating,timestamp\n1,1,1.0,10\n1,2,2.0,11\n");
    const std::string cache = t.str() + "/ratings.csv.mfcache";
    mf::load_options o;
    o.threads = 1;
    auto load_note = [&](mf::dataset & d) {
        mf::load_report rep;
        d = mf::movielens_load(t.str(), o, &rep);
        CHECK_FALSE(rep.from_cache);
        return rep.cache_note;
    };
    mf::dataset d;

    REQUIRE(::mkfifo(cache.c_str(), 0644) == 0);
    std::string note = without_hang(cache, [&] { return load_note(d); });
    CHECK(note == "not written: " + cache + " is not a regular file (a FIFO)");
    CHECK(d.size() == 2);
    CHECK(fs::is_fifo(cache));
    fs::remove(cache);

    if (fs::exists("/dev/zero")) {
        fs::create_symlink("/dev/zero", cache);
        CHECK(load_note(d) == "not written: " + cache + " is not a regular file (a character device)");
        CHECK(fs::is_symlink(cache));
        // what the read said, before the write was refused
        mf::dataset x;
        mf::cache_meta m;
        std::string why;
        CHECK_FALSE(mf::rating_cache_read(cache, "k", x, m, 1, &why));
        CHECK(why == cache + ": not a regular file (a character device)");
        fs::remove(cache);
    }

    fs::create_directory(cache);
    CHECK(load_note(d) == "not written: " + cache + " is not a regular file (a directory)");
    CHECK(fs::is_directory(cache));
    fs::remove(cache);

    // and with an ordinary path all is well again
    CHECK(load_note(d) == "no cache");  // nothing to read; written
    CHECK(fs::is_regular_file(cache));
}

TEST_CASE("cache: temporary files of a killed cache write are removed by the next write", "[cache][input]") {
    temp_dir t;
    t.file("movies.csv", movies3);
    t.file("ratings.csv", "userId,movieId,rating,timestamp\n1,1,1.0,10\n");
    // a pid that no longer exists: a child that has exited and been reaped
    pid_t dead = ::fork();
    if (dead == 0) ::_exit(0);
    REQUIRE(dead > 0);
    int status = 0;
    REQUIRE(::waitpid(dead, &status, 0) == dead);
    const std::string stale = "ratings.csv.mfcache.tmp." + std::to_string((long) dead) + ".0";
    const std::string alive = "ratings.csv.mfcache.tmp." + std::to_string((long) ::getppid()) + ".0";
    t.file(stale, std::string(1000, 'x'));
    t.file(alive, "in progress");
    mf::load_options o;
    o.threads = 1;
    mf::load_report rep;
    mf::movielens_load(t.str(), o, &rep);
    CHECK(rep.cache_note == "no cache");  // nothing to read; the write went well
    auto names = t.names();
    std::sort(names.begin(), names.end());
    CHECK(names == std::vector<std::string>{"movies.csv", "ratings.csv", "ratings.csv.mfcache", alive});
}
