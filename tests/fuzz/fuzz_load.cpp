// fuzz_load - libFuzzer target for the MovieLens parsers and the rating cache decoder.
//
// The first input byte picks what is fuzzed, the rest is the file:
//   mode % 5 == 0  ratings (csv/dat/tab by (mode / 5) % 3): 1 thread and 3 threads (1-byte
//                  ranges) must agree; a strict parse either throws load_error or equals a
//                  skipping parse that skipped nothing; ratings are within [0.5, 5]
//   mode % 5 == 1  movies (csv/dat/u.item): titles and genre names valid UTF-8, rows consistent
//   mode % 5 == 2  u.genre
//   mode % 5 == 3  rating cache decode of the raw bytes: refused, never trusted
//   mode % 5 == 4  the bytes are edits (offset, xor) applied to a valid cache image: decode
//                  either refuses or returns exactly the original dataset
// Build: cmake -DMFREC_FUZZ=ON (needs clang++ with libFuzzer); run: build/tests/fuzz/fuzz_load -max_total_time=60
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>

#include "movielens_parse.h"
#include "rating_cache.h"

namespace {

void check(bool ok, const char * what) {
    if (!ok) {
        std::fprintf(stderr, "fuzz_load: check failed: %s\n", what);
        std::abort();
    }
}

bool same(const mf::dataset & a, const mf::dataset & b) {
    return a.users.ids == b.users.ids && a.user == b.user && a.item == b.item && a.rating == b.rating &&
           a.time == b.time && a.items.movie_id == b.items.movie_id && a.items.title == b.items.title &&
           a.items.genres == b.items.genres && a.items.genre_names == b.items.genre_names &&
           a.items.year == b.items.year;
}

void check_dataset(const mf::dataset & d) {
    size_t n = d.rating.size();
    check(d.user.size() == n && d.item.size() == n && d.time.size() == n, "array sizes");
    for (size_t k = 0; k < n; ++k) {
        check(d.user[k] >= 0 && d.user[k] < d.users.size(), "user index");
        check(d.item[k] >= 0 && d.item[k] < d.items.size(), "item index");
        check(d.rating[k] >= 0.5f && d.rating[k] <= 5.0f, "rating range");
    }
    check((size_t) d.users.size() == d.users.index.size(), "user map");
    check((size_t) d.items.size() == d.items.index.size(), "catalog map");
}

void fuzz_ratings(const char * p, size_t n, mf::ratings_format f) {
    mf::dataset a, b, s;
    mf::line_errors ea, eb, es;
    ea.skip = eb.skip = true;
    mf::ratings_stats sa, sb, ss;
    bool ta = false, tb = false, ts = false;
    try {
        mf::parse_ratings(p, n, f, "r", 1, 1, a, ea, sa);
    } catch (const mf::load_error &) {
        ta = true;
    }
    try {
        // 3 threads, windows of 13 bytes: lines cut by windows, longer than them
        mf::ratings_source src;
        src.data = p;
        src.size = n;
        src.window = 13;
        mf::parse_ratings(src, f, "r", 3, 1, b, eb, sb, true);
    } catch (const mf::load_error &) {
        tb = true;
    }
    check(ta == tb, "threads and windows agree on failure");
    if (ta) return;
    check(same(a, b), "threads and windows agree on the dataset");
    check(ea.skipped == eb.skipped && ea.examples == eb.examples, "threads agree on skipped lines");
    check(sa.lines == sb.lines && sa.unknown_movies == sb.unknown_movies, "threads agree on stats");
    check_dataset(a);
    try {
        mf::parse_ratings(p, n, f, "r", 2, 1, s, es, ss);
    } catch (const mf::load_error & e) {
        ts = true;
        check(ea.skipped > 0 && ea.examples[0] == e.what(), "strict error = first skipped line");
    }
    if (!ts) check(ea.skipped == 0 && same(a, s), "strict = skipping when nothing is bad");
}

void fuzz_movies(const char * p, size_t n, mf::movies_format f) {
    mf::catalog c;
    c.genres_init_movielens();
    mf::line_errors e;
    e.skip = true;
    try {
        mf::parse_movies(p, n, f, "m", mf::ml100k_genres(), c, e);
    } catch (const mf::load_error &) {
        return;
    }
    check(c.title.size() == c.movie_id.size() && c.genres.size() == c.movie_id.size(), "catalog sizes");
    for (const std::string & t : c.title) check(mf::utf8_valid(t.data(), t.size()), "title UTF-8");
    for (const std::string & g : c.genre_names) check(mf::utf8_valid(g.data(), g.size()), "genre UTF-8");
    for (int32_t id : c.movie_id) check(id > 0, "movie id positive");
}

struct cache_image {
    std::string bytes, key;
    mf::dataset d;
};

const cache_image & image() {
    static cache_image img = [] {
        cache_image im;
        const char * text = "userId,movieId,rating,timestamp\n1,1,4.5,10\n1,2,3,11\n2,1,1,12\n3,7,5,13\n2,2,0.5,14\n";
        mf::line_errors e;
        mf::ratings_stats st;
        im.d.items.genres_init_movielens();
        im.d.items.add(1, "One, The (1999)", 3);
        im.d.items.add(2, "Zwei (2001)", 0);
        mf::parse_ratings(text, std::strlen(text), mf::ratings_format::csv, "r", 1, 1, im.d, e, st);
        im.key = "fuzz key\n";
        std::string path = "/tmp/fuzz_load_image_" + std::to_string((long) ::getpid()) + ".mfcache";
        mf::cache_meta m;
        m.layout = "csv";
        check(mf::rating_cache_write(path, im.key, im.d, m, nullptr), "write the cache image");
        std::ifstream f(path, std::ios::binary);
        im.bytes.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
        ::unlink(path.c_str());
        return im;
    }();
    return img;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t * data, size_t size) {
    if (size < 1) return 0;
    unsigned mode = data[0];
    const char * p = (const char *) data + 1;
    size_t n = size - 1;
    switch (mode % 5) {
        case 0: {
            static const mf::ratings_format fs[] = {mf::ratings_format::csv, mf::ratings_format::dat,
                                                    mf::ratings_format::tab};
            fuzz_ratings(p, n, fs[(mode / 5) % 3]);
            break;
        }
        case 1: {
            static const mf::movies_format fs[] = {mf::movies_format::csv, mf::movies_format::dat,
                                                   mf::movies_format::item};
            fuzz_movies(p, n, fs[(mode / 5) % 3]);
            break;
        }
        case 2:
            try {
                std::vector<std::string> g = mf::parse_u_genre(p, n, "g");
                check(!g.empty(), "genres");
            } catch (const mf::load_error &) {
            }
            break;
        case 3: {
            mf::dataset d;
            mf::cache_meta m;
            std::string why;
            check(!mf::rating_cache_decode(p, n, "k", d, m, 2, &why), "random bytes are never a valid cache");
            break;
        }
        default: {
            const cache_image & im = image();
            std::string b = im.bytes;
            for (size_t k = 0; k + 3 <= n; k += 3) {
                size_t at = ((size_t) (unsigned char) p[k] << 8 | (unsigned char) p[k + 1]) % b.size();
                b[at] = (char) (b[at] ^ p[k + 2]);
            }
            if (n % 3 == 1) b.resize((unsigned char) p[n - 1] % b.size());
            mf::dataset d;
            mf::cache_meta m;
            std::string why;
            if (mf::rating_cache_decode(b.data(), b.size(), im.key, d, m, 2, &why)) {
                check(same(d, im.d), "an accepted cache is the original");
                check_dataset(d);
            }
            break;
        }
    }
    return 0;
}
