// MovieLens loaders: layouts, CSV details, Latin-1, errors with file:line:field, skipping,
// thread-count independence, the real ml-latest-small.
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "movielens.h"
#include "movielens_parse.h"
#include "native/dataset_same.h"
#include "native/temp_dir.h"

namespace fs = std::filesystem;

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

uint32_t mask_of(const mf::catalog & c, std::initializer_list<const char *> names) {
    uint32_t m = 0;
    for (const char * n : names) {
        int bit = -1;
        for (size_t g = 0; g < c.genre_names.size(); ++g)
            if (c.genre_names[g] == n) bit = (int) g;
        REQUIRE(bit >= 0);
        m |= 1u << bit;
    }
    return m;
}

const char * movies_csv =
    "movieId,title,genres\n"
    "1,Toy Story (1995),Adventure|Animation|Children|Comedy|Fantasy\n"
    "11,\"American President, The (1995)\",Comedy|Drama|Romance\n"
    "29,\"City of Lost Children, The (Cité des enfants perdus, La) (1995)\",Adventure|Drama\n"
    "32,\"Twelve Monkeys (a.k.a. 12 Monkeys) \"\"quoted\"\" (1995)\",Mystery|Sci-Fi|Thriller\n"
    "114,Amélie (2001),(no genres listed)\n";

}  // namespace

TEST_CASE("csv layout: quoted titles, UTF-8, genres, ratings in file order", "[load]") {
    temp_dir t;
    t.file("movies.csv", movies_csv);
    t.file("ratings.csv",
           "userId,movieId,rating,timestamp\n"
           "7,11,4.0,964982703\n"
           "3,1,0.5,964981247\n"
           "7,114,5,1\n"
           "3,32,3.5,-5\n");
    mf::load_report rep;
    mf::dataset d = mf::movielens_load(t.str(), no_cache(), &rep);
    CHECK(rep.layout == "csv");
    CHECK(rep.lines == 4);
    CHECK(rep.skipped == 0);
    CHECK(rep.ratings_path == t.str() + "/ratings.csv");
    CHECK(rep.movies_path == t.str() + "/movies.csv");
    const mf::catalog & c = d.items;
    REQUIRE(c.size() == 5);
    CHECK(c.movie_id == std::vector<int32_t>{1, 11, 29, 32, 114});
    CHECK(c.title[1] == "American President, The (1995)");
    CHECK(c.title[2] == "City of Lost Children, The (Cité des enfants perdus, La) (1995)");
    CHECK(c.title[3] == "Twelve Monkeys (a.k.a. 12 Monkeys) \"quoted\" (1995)");
    CHECK(c.title[4] == "Amélie (2001)");
    CHECK(c.year[4] == 2001);
    CHECK(c.genres[0] == mask_of(c, {"Adventure", "Animation", "Children", "Comedy", "Fantasy"}));
    CHECK(c.genres[4] == mask_of(c, {"(no genres listed)"}));
    CHECK(c.genre_names[0] == "Action");  // genres_init_movielens order
    REQUIRE(d.size() == 4);
    CHECK(d.users.ids == std::vector<int32_t>{7, 3});
    CHECK(d.user == std::vector<int32_t>{0, 1, 0, 1});
    CHECK(d.item == std::vector<int32_t>{1, 0, 4, 3});
    CHECK(d.rating == std::vector<float>{4.0f, 0.5f, 5.0f, 3.5f});
    CHECK(d.time == std::vector<int64_t>{964982703, 964981247, 1, -5});
    CHECK(rep.unknown_movies == 0);
}

TEST_CASE("csv layout: CRLF, BOM, blank lines, no final newline", "[load]") {
    temp_dir t;
    t.file("movies.csv", "\xEF\xBB\xBFmovieId,title,genres\r\n1,\"A, B\",Drama\r\n2,C (1999),Comedy\r\n\r\n");
    t.file("ratings.csv", "\xEF\xBB\xBFuserId,movieId,rating,timestamp\r\n1,2,3.5,10\r\n\r\n2,1,4,20\r\n1,1,2.5,30");
    mf::load_report rep;
    mf::dataset d = mf::movielens_load(t.str(), no_cache(), &rep);
    REQUIRE(d.items.size() == 2);
    CHECK(d.items.title[0] == "A, B");
    CHECK(d.items.title[1] == "C (1999)");
    REQUIRE(d.size() == 3);
    CHECK(rep.lines == 3);
    CHECK(d.item == std::vector<int32_t>{1, 0, 0});
    CHECK(d.rating == std::vector<float>{3.5f, 4.0f, 2.5f});
    CHECK(d.time == std::vector<int64_t>{10, 20, 30});
}

TEST_CASE("ratings of movies missing from the catalog add them, in file order", "[load]") {
    temp_dir t;
    t.file("movies.csv", "movieId,title,genres\n1,A (2000),Drama\n");
    t.file("ratings.csv", "userId,movieId,rating,timestamp\n1,99,4,1\n1,1,4,2\n2,50,3,3\n3,99,1,4\n");
    mf::load_report rep;
    mf::dataset d = mf::movielens_load(t.str(), no_cache(), &rep);
    REQUIRE(d.items.size() == 3);
    CHECK(d.items.movie_id == std::vector<int32_t>{1, 99, 50});
    CHECK(d.items.title[1].empty());
    CHECK(d.items.genres[1] == 0u);
    CHECK(d.item == std::vector<int32_t>{1, 0, 2, 1});
    CHECK(rep.unknown_movies == 2);
    CHECK(rep.unknown_movie_ratings == 3);
}

TEST_CASE("dat layout (ML-1M Latin-1, ML-10M UTF-8)", "[load]") {
    temp_dir t;
    t.file("movies.dat",
           "1::Toy Story (1995)::Animation|Children's|Comedy\n"
           "2::Caf\xE9 au lait (1993)::Comedy\n"
           "3::Am\xC3\xA9lie (2001)::Comedy|Romance\n"
           "4::Odd: a title with : colons (1990)::Drama\n");
    t.file("ratings.dat", "1::1::5::978300760\n1::2::3::978302109\n2::3::4.5::978301968\n2::4::1::1\n");
    mf::load_report rep;
    mf::dataset d = mf::movielens_load(t.str(), no_cache(), &rep);
    CHECK(rep.layout == "dat");
    const mf::catalog & c = d.items;
    REQUIRE(c.size() == 4);
    CHECK(c.title[0] == "Toy Story (1995)");
    CHECK(c.title[1] == "Caf\xC3\xA9 au lait (1993)");  // Latin-1 0xE9 -> U+00E9 "é"
    CHECK(c.title[1] == "Café au lait (1993)");
    CHECK(c.title[2] == "Amélie (2001)");  // valid UTF-8 stays
    CHECK(c.title[3] == "Odd: a title with : colons (1990)");
    CHECK(c.genres[0] == mask_of(c, {"Animation", "Children", "Comedy"}));
    REQUIRE(d.size() == 4);
    CHECK(d.rating == std::vector<float>{5, 3, 4.5f, 1});
    CHECK(d.time[0] == 978300760);
    CHECK(d.users.ids == std::vector<int32_t>{1, 2});
}

TEST_CASE("100k layout: u.data + u.item (Latin-1, genre flags), u.genre, --ratings u1.base", "[load]") {
    temp_dir t;
    std::string flags_toy = "0|0|0|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0";  // Animation, Children's, Comedy
    std::string flags_unknown = "1|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0";
    t.file("u.item", "1|Toy Story (1995)|01-Jan-1995||http://us.imdb.com/M/title-exact?Toy%20Story%20(1995)|" +
                         flags_toy + "\n2|Cit\xE9 des enfants perdus, La (1995)|01-Jan-1995||http://x|" + flags_toy +
                         "\n267|unknown||||" + flags_unknown + "\n");
    t.file("u.data", "196\t1\t3\t881250949\n186\t267\t3\t891717742\n196\t2\t1\t878887116\n");
    t.file("u1.base", "22\t2\t1\t1\n");

    SECTION("fixed genre list") {
        mf::load_report rep;
        mf::dataset d = mf::movielens_load(t.str(), no_cache(), &rep);
        CHECK(rep.layout == "100k");
        const mf::catalog & c = d.items;
        REQUIRE(c.size() == 3);
        CHECK(c.title[1] == "Cité des enfants perdus, La (1995)");
        CHECK(c.title[2] == "unknown");
        CHECK(c.genres[0] == mask_of(c, {"Animation", "Children", "Comedy"}));
        CHECK(c.genres[2] == mask_of(c, {"(no genres listed)"}));
        CHECK(c.genre_names.size() == 20);  // no new names: all map onto the MovieLens list
        REQUIRE(d.size() == 3);
        CHECK(d.users.ids == std::vector<int32_t>{196, 186});
        CHECK(d.item == std::vector<int32_t>{0, 2, 1});
        CHECK(d.time[2] == 878887116);
    }
    SECTION("u.genre gives the names") {
        std::string g;
        const auto & names = mf::ml100k_genres();
        for (size_t k = 0; k < names.size(); ++k) g += names[k] + "|" + std::to_string(k) + "\n";
        t.file("u.genre", g + "\n");
        mf::dataset d = mf::movielens_load(t.str(), no_cache());
        CHECK(d.items.genres[0] == mask_of(d.items, {"Animation", "Children", "Comedy"}));
        t.file("u.genre", "unknown|0\nAction|1\n");
        CHECK_THAT(load_error_of(t.str()), Catch::Contains("u.item:1: expected 7 fields, found 24"));
    }
    SECTION("--ratings replaces u.data") {
        mf::load_options o = no_cache();
        o.ratings_file = t.str() + "/u1.base";
        mf::load_report rep;
        mf::dataset d = mf::movielens_load(t.str(), o, &rep);
        CHECK(rep.ratings_path == o.ratings_file);
        REQUIRE(d.size() == 1);
        CHECK(d.users.ids == std::vector<int32_t>{22});
        CHECK(d.item[0] == 1);
    }
    SECTION("movielens_load_catalog by name") {
        mf::catalog c = mf::movielens_load_catalog(t.str() + "/u.item");
        CHECK(c.size() == 3);
        CHECK(c.title[1] == "Cité des enfants perdus, La (1995)");
    }
}

TEST_CASE("movielens_load_catalog recognises movies.csv and movies.dat", "[load]") {
    temp_dir t;
    std::string p = t.file("movies.csv", movies_csv);
    mf::catalog c = mf::movielens_load_catalog(p);
    CHECK(c.size() == 5);
    CHECK(c.find(114) == 4);
    std::string q = t.file("movies.dat", "5::Five (2005)::Drama\n");
    CHECK(mf::movielens_load_catalog(q).title[0] == "Five (2005)");
    CHECK_THROWS_AS(mf::movielens_load_catalog(t.file("movies.txt", "x")), mf::load_error);
    CHECK_THROWS_WITH(mf::movielens_load_catalog(t.str() + "/nothere.csv"), Catch::Contains("nothere.csv"));
}

TEST_CASE("bad input names file, line and field", "[load]") {
    temp_dir t;
    t.file("movies.csv", "movieId,title,genres\n1,A,Drama\n2,B,Comedy\n");
    std::string r = t.str() + "/ratings.csv";
    auto with_line = [&](const std::string & line) {
        t.file("ratings.csv", "userId,movieId,rating,timestamp\n1,1,4,1\n\n" + line + "\n2,2,3,4\n");
        return load_error_of(t.str());
    };
    CHECK(with_line("1,2,abc,5") == r + ":4: field 'rating': \"abc\" is not a number");
    CHECK(with_line("1,2,5.5,5") == r + ":4: field 'rating': 5.5 is outside 0.5\u20135");
    CHECK(with_line("1,2,0,5") == r + ":4: field 'rating': 0 is outside 0.5\u20135");
    CHECK(with_line("1,2,NaN,5") == r + ":4: field 'rating': \"NaN\" is not a number");
    CHECK(with_line("1,2,,5") == r + ":4: field 'rating': \"\" is not a number");
    CHECK(with_line("1,2,3") == r + ":4: expected 4 fields, found 3");
    CHECK(with_line("1,2,3,4,5") == r + ":4: expected 4 fields, found 5");
    CHECK(with_line("x,2,3,4") == r + ":4: field 'userId': \"x\" is not a positive integer");
    CHECK(with_line("0,2,3,4") == r + ":4: field 'userId': 0 is not a positive integer");
    CHECK(with_line("-3,2,3,4") == r + ":4: field 'userId': \"-3\" is not a positive integer");
    CHECK(with_line("2147483648,2,3,4") == r + ":4: field 'userId': \"2147483648\" is too large (at most 2147483647)");
    CHECK(with_line("1,1.5,3,4") == r + ":4: field 'movieId': \"1.5\" is not a positive integer");
    CHECK(with_line("1,2,3,later") == r + ":4: field 'timestamp': \"later\" is not an integer timestamp");
    CHECK(with_line("1,2,3,\"4") == r + ":4: field 'timestamp': unterminated quoted field");
    CHECK(with_line("1,2,\"4\"x,5") == r + ":4: field 'rating': unexpected text after a closing quote");
    CHECK(with_line("1,2,3,4\x01") == r + ":4: field 'timestamp': \"4\\x01\" is not an integer timestamp");
    // a quoted number is still a number
    CHECK(with_line("1,\"2\",3,4") == "(no error)");

    t.file("ratings.csv", "user,movie,rating,time\n1,1,4,1\n");
    CHECK(load_error_of(t.str()) ==
          r + ":1: expected the header \"userId,movieId,rating,timestamp\", found \"user,movie,rating,time\"");
    t.file("ratings.csv", "");
    CHECK(load_error_of(t.str()) == r + ": no ratings (the file is empty)");

    t.file("ratings.csv", "userId,movieId,rating,timestamp\n1,1,4,1\n");
    t.file("movies.csv", "movieId,title,genres\n1,\"A,Drama\n");
    CHECK(load_error_of(t.str()) == t.str() + "/movies.csv:2: field 'title': unterminated quoted field");
    t.file("movies.csv", "movieId,title,genres\n1,A,Drama\n1,B,Drama\n");
    CHECK(load_error_of(t.str()) == t.str() + "/movies.csv:3: movie 1 is listed twice");
    t.file("movies.csv", "movieId,title,genres\n1,A\n");
    CHECK(load_error_of(t.str()) == t.str() + "/movies.csv:2: expected 3 fields, found 2");
    t.file("movies.csv", "id,title,genres\n");
    CHECK_THAT(load_error_of(t.str()), Catch::Contains("movies.csv:1: expected the header \"movieId,title,genres\""));
    // both files bad: the movies file's error is the one reported, although the catalog is read
    // on a thread of its own beside the ratings (which fail first)
    t.file("movies.csv", "movieId,title,genres\n1,A\n");
    for (const char * ratings : {"", "userId,movieId,rating,timestamp\n1,1,x,1\n", "u,m,r,t\n"}) {
        t.file("ratings.csv", ratings);
        CHECK(load_error_of(t.str()) == t.str() + "/movies.csv:2: expected 3 fields, found 2");
    }
}

TEST_CASE("bad .dat and u.data lines, missing directories and files", "[load]") {
    temp_dir t;
    t.file("movies.dat", "1::A (1990)::Drama\n2::B\n");
    t.file("ratings.dat", "1::1::5::1\n");
    CHECK(load_error_of(t.str()) == t.str() + "/movies.dat:2: expected 3 fields, found 2");
    t.file("movies.dat", "1::A (1990)::Drama\n");
    t.file("ratings.dat", "1::1::5::1\n1::1::5:1\n");
    CHECK(load_error_of(t.str()) == t.str() + "/ratings.dat:2: expected 4 fields, found 3");

    temp_dir h;
    h.file("u.item", "1|A|||x|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|2\n");
    h.file("u.data", "1\t1\t5\t1\n");
    CHECK(load_error_of(h.str()) == h.str() + "/u.item:1: field 'Western': \"2\" is not 0 or 1");
    h.file("u.item", "1|A|||x|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|1\n");
    h.file("u.data", "1\t1\t5\t1\n1 1 5 1\n");
    CHECK(load_error_of(h.str()) == h.str() + "/u.data:2: expected 4 fields, found 1");

    CHECK(load_error_of(t.str() + "/nope") == t.str() + "/nope: no such directory");
    temp_dir e;
    e.file("README.txt", "hi");
    CHECK(load_error_of(e.str()) == e.str() +
                                        ": no MovieLens files found (expected ratings.csv+movies.csv, "
                                        "ratings.dat+movies.dat or u.data+u.item)");
    mf::load_options o = no_cache();
    o.ratings_file = t.str() + "/missing.csv";
    CHECK(load_error_of(t.str(), o) == t.str() + "/missing.csv: no such file");
}

TEST_CASE("skip_bad_lines skips, counts and keeps the first five messages", "[load]") {
    temp_dir t;
    t.file("movies.csv", "movieId,title,genres\n1,A,Drama\n2,\"B\n3,C,Comedy\n");
    std::string r = "userId,movieId,rating,timestamp\n";
    for (int k = 0; k < 10; ++k) r += "1,1,4,1\n1,3,abc,2\n";
    t.file("ratings.csv", r);
    mf::load_options o = no_cache();
    o.skip_bad_lines = true;
    mf::load_report rep;
    mf::dataset d = mf::movielens_load(t.str(), o, &rep);
    CHECK(d.size() == 1);  // ten lines rate (1, 1): the last one stays
    CHECK(rep.duplicates == 9);
    CHECK(d.items.size() == 2);
    CHECK(rep.skipped == 11);
    CHECK(rep.lines == 20);
    REQUIRE(rep.skipped_examples.size() == 5);
    CHECK(rep.skipped_examples[0] == t.str() + "/movies.csv:3: field 'title': unterminated quoted field");
    CHECK(rep.skipped_examples[1] == t.str() + "/ratings.csv:3: field 'rating': \"abc\" is not a number");
    CHECK(rep.skipped_examples[4] == t.str() + "/ratings.csv:9: field 'rating': \"abc\" is not a number");
}

namespace {

// A few thousand lines with several users per range, unknown movies, odd ratings.
std::string synthetic_ratings(int lines, uint32_t seed, bool with_bad) {
    std::mt19937 rng(seed);
    std::string s = "userId,movieId,rating,timestamp\n";
    int user = 1;
    for (int k = 0; k < lines; ++k) {
        if (rng() % 7 == 0) user = 1 + (int) (rng() % 500);
        int movie = 1 + (int) (rng() % 120);
        int half = 1 + (int) (rng() % 10);
        s += std::to_string(user) + "," + std::to_string(movie) + ",";
        s += (half % 2 ? std::to_string(half / 2) + ".5" : std::to_string(half / 2) + ".0");
        s += "," + std::to_string(900000000 + (int) (rng() % 100000000)) + (rng() % 5 == 0 ? "\r\n" : "\n");
        if (with_bad && rng() % 97 == 0) s += "1,2,x,3\n";
        if (rng() % 211 == 0) s += "\n";
    }
    return s;
}

}  // namespace

TEST_CASE("the dataset is the same for any thread count", "[load]") {
    temp_dir t;
    std::string movies = "movieId,title,genres\n";
    for (int m = 1; m <= 100; ++m) movies += std::to_string(m) + ",M" + std::to_string(m) + " (2000),Drama\n";
    t.file("movies.csv", movies);
    for (bool bad : {false, true}) {
        t.file("ratings.csv", synthetic_ratings(6000, bad ? 7 : 3, bad));
        mf::load_options o = no_cache(1);
        o.skip_bad_lines = bad;
        mf::load_report r1;
        mf::dataset d1 = mf::movielens_load(t.str(), o, &r1);
        CHECK(r1.duplicates > 100);  // random movies of 120: users rate some twice
        CHECK(d1.size() + r1.duplicates == 6000);
        CHECK(r1.unknown_movies == 20);
        for (int threads : {2, 3, 4}) {
            o.threads = threads;
            mf::load_report rn;
            mf::dataset dn = mf::movielens_load(t.str(), o, &rn);
            require_same_dataset(d1, dn);
            CHECK(rn.skipped == r1.skipped);
            CHECK(rn.skipped_examples == r1.skipped_examples);
            CHECK(rn.lines == r1.lines);
            CHECK(rn.duplicates == r1.duplicates);
            CHECK(rn.unknown_movie_ratings == r1.unknown_movie_ratings);
        }
        if (bad) {
            CHECK(r1.skipped > 10);
            // strict: the first bad line is reported whichever thread finds it first
            mf::load_options strict = no_cache(1);
            std::string e1 = load_error_of(t.str(), strict);
            strict.threads = 4;
            CHECK(load_error_of(t.str(), strict) == e1);
            CHECK(e1 == r1.skipped_examples[0]);
        }
    }
}

TEST_CASE("parse_ratings: line numbers and results hold at every range cut (tiny ranges)", "[load]") {
    std::string s = synthetic_ratings(300, 11, true);
    for (ptrdiff_t cut = 0; cut < 4; ++cut) {
        std::string text = s.substr(0, s.size() - (size_t) cut);
        mf::dataset a, b;
        mf::line_errors ea, eb;
        ea.skip = eb.skip = true;
        mf::ratings_stats sa, sb;
        mf::parse_ratings(text.data(), text.size(), mf::ratings_format::csv, "r.csv", 1, 1, a, ea, sa);
        mf::parse_ratings(text.data(), text.size(), mf::ratings_format::csv, "r.csv", 7, 1, b, eb, sb);
        require_same_dataset(a, b);
        CHECK(ea.examples == eb.examples);
        CHECK(sa.lines == sb.lines);
    }
}

TEST_CASE("random damage never crashes and never depends on threads", "[load]") {
    std::string base = synthetic_ratings(200, 5, false);
    std::mt19937 rng(42);
    const char alphabet[] = "0123456789,.:\t\r\n\"-e x\xE9";
    for (int round = 0; round < 300; ++round) {
        std::string s = base;
        int edits = 1 + (int) (rng() % 8);
        for (int k = 0; k < edits; ++k) {
            size_t at = rng() % s.size();
            switch (rng() % 3) {
                case 0:
                    s[at] = alphabet[rng() % (sizeof alphabet - 1)];
                    break;
                case 1:
                    s.erase(at, 1 + rng() % 5);
                    break;
                default:
                    s.insert(at, 1, alphabet[rng() % (sizeof alphabet - 1)]);
                    break;
            }
            if (s.empty()) s = "x";
        }
        for (auto f : {mf::ratings_format::csv, mf::ratings_format::dat, mf::ratings_format::tab}) {
            mf::dataset a, b;
            mf::line_errors ea, eb;
            ea.skip = eb.skip = true;
            mf::ratings_stats sa, sb;
            bool threw_a = false, threw_b = false;
            try {
                mf::parse_ratings(s.data(), s.size(), f, "r", 1, 1, a, ea, sa);
            } catch (const mf::load_error &) {
                threw_a = true;  // header damage
            }
            try {
                mf::parse_ratings(s.data(), s.size(), f, "r", 5, 1, b, eb, sb);
            } catch (const mf::load_error &) {
                threw_b = true;
            }
            REQUIRE(threw_a == threw_b);
            if (threw_a) continue;
            require_same_dataset(a, b);
            REQUIRE(ea.skipped == eb.skipped);
            for (float r : a.rating) REQUIRE((r >= 0.5f && r <= 5.0f));
        }
        for (auto f : {mf::movies_format::csv, mf::movies_format::dat, mf::movies_format::item}) {
            mf::catalog c;
            c.genres_init_movielens();
            mf::line_errors e;
            e.skip = true;
            try {
                mf::parse_movies(s.data(), s.size(), f, "m", mf::ml100k_genres(), c, e);
            } catch (const mf::load_error &) {
            }
            for (const std::string & title : c.title) REQUIRE(mf::utf8_valid(title.data(), title.size()));
        }
    }
}

TEST_CASE("the real ml-latest-small", "[load]") {
    std::string dir = std::string(MFREC_SOURCE_DIR) + "/data/ml-latest-small";
    if (!fs::exists(dir + "/ratings.csv")) {
        WARN("data/ml-latest-small not present: skipped");
        return;
    }
    mf::load_report rep;
    mf::dataset d = mf::movielens_load(dir, no_cache(2), &rep);
    CHECK(rep.layout == "csv");
    CHECK(d.size() == 100836);
    CHECK(d.users.size() == 610);
    CHECK(d.items.size() == 9742);
    CHECK(rep.unknown_movies == 0);
    CHECK(rep.skipped == 0);
    CHECK(d.users.ids[0] == 1);
    CHECK(d.items.movie_id[(size_t) d.item[0]] == 1);
    CHECK(d.rating[0] == 4.0f);
    CHECK(d.time[0] == 964982703);
    int32_t row = d.items.find(1);
    REQUIRE(row == 0);
    CHECK(d.items.title[0] == "Toy Story (1995)");
    for (const std::string & title : d.items.title) REQUIRE(mf::utf8_valid(title.data(), title.size()));
}

// ---- benchmark (hidden): MFREC_BENCH_DIR=/tmp/mlbig mfrec_native_tests "[.bench]"
// Generates an ML-32M-sized ratings.csv (32,000,204 lines, or MFREC_BENCH_LINES) + movies.csv in
// that directory when absent (never inside the repository), then times the loads.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace {

double cpu_seconds() {
    rusage r;
    getrusage(RUSAGE_SELF, &r);
    return (double) r.ru_utime.tv_sec + (double) r.ru_stime.tv_sec +
           1e-6 * (double) (r.ru_utime.tv_usec + r.ru_stime.tv_usec);
}

void bench_generate(const fs::path & dir, long lines) {
    std::mt19937_64 rng(1);
    std::vector<int> ids;
    {
        std::ofstream m(dir / "movies.csv", std::ios::binary);
        m << "movieId,title,genres\n";
        int id = 0;
        for (int k = 0; k < 87585; ++k) {
            id += 1 + (int) (rng() % 6);
            ids.push_back(id);
            if (k % 10 == 0)
                m << id << ",\"Movie, The " << k << " (" << 1900 + k % 120 << ")\",Drama|Comedy\n";
            else
                m << id << ",Movie " << k << " (" << 1900 + k % 120 << "),Action|Thriller\n";
        }
    }
    std::FILE * f = std::fopen((dir / "ratings.csv").c_str(), "wb");
    REQUIRE(f);
    std::fputs("userId,movieId,rating,timestamp\n", f);
    std::string buf;
    int user = 1;
    for (long left = lines; left > 0; ++user) {
        long cnt = std::min<long>(left, 20 + (long) (rng() % 300));
        for (long j = 0; j < cnt; ++j) {
            size_t ix = rng() % 3 == 0 ? (size_t) (rng() % ids.size()) : (size_t) (rng() % 2000);
            int half = 1 + (int) (rng() % 10);
            buf += std::to_string(user) + "," + std::to_string(ids[ix]) + "," + std::to_string(half / 2) + "." +
                   (half % 2 ? "5" : "0") + "," + std::to_string(800000000 + (long) (rng() % 900000000)) + "\n";
            if (buf.size() > (1u << 20)) {
                std::fwrite(buf.data(), 1, buf.size(), f);
                buf.clear();
            }
        }
        left -= cnt;
    }
    std::fwrite(buf.data(), 1, buf.size(), f);
    std::fclose(f);
}

}  // namespace

TEST_CASE("bench: parse and cache an ML-32M-sized ratings.csv", "[.bench]") {
    const char * env = std::getenv("MFREC_BENCH_DIR");
    if (!env) {
        WARN("set MFREC_BENCH_DIR to a scratch directory outside the repository");
        return;
    }
    fs::path dir = env;
    fs::create_directories(dir);
    if (!fs::exists(dir / "ratings.csv")) {
        long lines = std::getenv("MFREC_BENCH_LINES") ? std::atol(std::getenv("MFREC_BENCH_LINES")) : 32000204L;
        bench_generate(dir, lines);
    }
    double mb = (double) fs::file_size(dir / "ratings.csv") / 1e6;
    fs::remove(dir / "ratings.csv.mfcache");
    auto run = [&](const char * what, int threads, bool cache) {
        mf::load_options o;
        o.threads = threads;
        o.use_cache = cache;
        mf::load_report rep;
        double c0 = cpu_seconds();
        auto t0 = std::chrono::steady_clock::now();
        mf::dataset d = mf::movielens_load(dir.string(), o, &rep);
        double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        std::printf("%-34s %9lld ratings  %6.3f s  %7.0f MB/s  (process cpu %.3f s)%s\n", what, (long long) d.size(), s,
                    mb / s, cpu_seconds() - c0, rep.from_cache ? "  [from cache]" : "");
    };
    std::printf("ratings.csv: %.0f MB\n", mb);
    for (int k = 0; k < 2; ++k) run("parse, 1 thread", 1, false);
    for (int k = 0; k < 2; ++k) run("parse, 2 threads", 2, false);
    run("parse + write cache, 2 threads", 2, true);
    for (int k = 0; k < 2; ++k) run("read cache, 2 threads", 2, true);
}
