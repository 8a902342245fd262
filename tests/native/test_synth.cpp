// mfrec synth: exact counts, per-user minimum, histogram shape, timestamps, determinism by seed
// and thread count, the floor RMSE, scaling, the written directory and its errors.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli.h"
#include "movielens.h"
#include "native/temp_dir.h"
#include "synth.h"

namespace fs = std::filesystem;

namespace {

const std::string small_movies = MFREC_SOURCE_DIR "/data/ml-latest-small/movies.csv";

const mf::catalog & small_catalog() {
    static const mf::catalog cat = mf::movielens_load_catalog(small_movies);
    return cat;
}

struct row {
    int32_t user, movie;
    int half_stars;  // rating * 2
    int64_t ts;
};

// Parses the generated text strictly: the header, then `u,m,r.d,t` lines (r.d a half star).
std::vector<row> parse(const std::string & text) {
    const std::string header = "userId,movieId,rating,timestamp\n";
    REQUIRE(text.compare(0, header.size(), header) == 0);
    std::vector<row> rows;
    std::string bad;
    size_t pos = header.size();
    while (pos < text.size() && bad.empty()) {
        size_t end = text.find('\n', pos);
        if (end == std::string::npos) end = text.size();
        std::string line = text.substr(pos, end - pos);
        pos = end + 1;
        char rating[8] = {0}, rest[2] = {0};
        long long u, m, t;
        if (std::sscanf(line.c_str(), "%lld,%lld,%7[0-9.],%lld%1s", &u, &m, rating, &t, rest) != 4 ||
            std::strlen(rating) != 3 || rating[1] != '.' || (rating[2] != '0' && rating[2] != '5')) {
            bad = line;
            break;
        }
        rows.push_back({(int32_t) u, (int32_t) m, (rating[0] - '0') * 2 + (rating[2] == '5'), t});
    }
    INFO("bad line: " << bad);
    REQUIRE(bad.empty());
    REQUIRE(text.back() == '\n');
    return rows;
}

mf::synth_options small_options(int64_t ratings, uint64_t seed = 7, int threads = 2) {
    mf::synth_options o;
    o.like = "ml-32m";
    o.ratings = ratings;
    o.seed = seed;
    o.threads = threads;
    return o;
}

std::string slurp(const fs::path & p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Checks every structural promise on generated rows; returns the per-user counts.
std::map<int32_t, int64_t> check_rows(const std::vector<row> & rows, const mf::synth_stats & st,
                                      const mf::catalog & cat) {
    std::map<int32_t, int64_t> per_user;
    std::set<std::pair<int32_t, int32_t>> seen;
    std::set<int32_t> sampled;
    for (int32_t r : st.movie_rows) sampled.insert(cat.movie_id[r]);
    int32_t prev_user = 0;
    int64_t prev_ts = 0;
    bool ok_order = true, ok_time = true, ok_movies = true, ok_range = true, ok_unique = true;
    for (const row & r : rows) {
        if (r.user != prev_user) {
            ok_order &= r.user == prev_user + 1;  // users 1..U, contiguous, in order
            prev_user = r.user;
            prev_ts = 0;
        }
        ok_time &= r.ts > prev_ts;  // strictly increasing within a user
        ok_range &= r.ts >= 788918400 && r.ts <= 1697155199 && r.half_stars >= 1 && r.half_stars <= 10;
        prev_ts = r.ts;
        ok_movies &= sampled.count(r.movie) == 1;
        ok_unique &= seen.insert({r.user, r.movie}).second;
        ++per_user[r.user];
    }
    CHECK(ok_order);
    CHECK(ok_time);
    CHECK(ok_range);
    CHECK(ok_movies);
    CHECK(ok_unique);
    return per_user;
}

}  // namespace

TEST_CASE("synth: like ml-32m at 50000 ratings: exact counts, >= 20 per user, histogram, timestamps", "[synth]") {
    const mf::catalog & cat = small_catalog();
    mf::synth_stats st;
    std::string text = mf::synth_generate_string(small_options(50000), cat, &st);
    std::vector<row> rows = parse(text);

    REQUIRE((int64_t) rows.size() == 50000);
    CHECK(st.ratings == 50000);
    const int32_t users = (int32_t) std::llround(200948.0 * 50000 / 32000204);
    CHECK(st.users == users);
    std::map<int32_t, int64_t> per_user = check_rows(rows, st, cat);
    CHECK((int32_t) per_user.size() == users);
    int64_t min_u = 1 << 30, max_u = 0;
    for (auto & kv : per_user) min_u = std::min(min_u, kv.second), max_u = std::max(max_u, kv.second);
    CHECK(min_u >= 20);
    CHECK(min_u == st.user_min);
    CHECK(max_u == st.user_max);
    CHECK(max_u <= st.user_cap);
    CHECK(max_u > 3 * 50000 / users);  // long-tailed activity

    // movies: sampled from the catalog (20x a user's mean activity here), long-tailed popularity
    CHECK(st.movies == (int32_t) std::ceil(20.0 * 50000 / users));
    CHECK((int32_t) st.movie_rows.size() == st.movies);
    std::map<int32_t, int64_t> per_movie;
    for (const row & r : rows) ++per_movie[r.movie];
    CHECK((int32_t) per_movie.size() == st.movies_rated);
    int64_t top = 0;
    for (auto & kv : per_movie) top = std::max(top, kv.second);
    CHECK(top == st.movie_max);
    CHECK((double) top > 10 * st.movie_median);

    // histogram: close to ML-32M's, 4.0 the most common, mean ~3.5, half stars rarer than whole
    std::array<int64_t, 10> hist{};
    double sum = 0;
    for (const row & r : rows) ++hist[r.half_stars - 1], sum += r.half_stars * 0.5;
    for (int j = 0; j < 10; ++j) CHECK(hist[j] == st.hist[j]);
    CHECK(std::max_element(hist.begin(), hist.end()) - hist.begin() == 7);
    const double mean = sum / (double) rows.size();
    CHECK(mean > 3.4);
    CHECK(mean < 3.7);
    CHECK(mean == Approx(st.mean_rating).epsilon(1e-12));
    CHECK(st.rating_std > 0.9);
    CHECK(st.rating_std < 1.15);
    int64_t half = 0;
    for (int j = 0; j < 10; j += 2) half += hist[j];  // 0.5, 1.5, ..., 4.5
    CHECK((double) half / 50000.0 > 0.15);
    CHECK((double) half / 50000.0 < 0.40);
    for (int j = 1; j < 9; j += 2) CHECK(hist[j] > hist[j - 1]);  // 1.0 > 0.5, 2.0 > 1.5, ..., 4.0 > 3.5
    CHECK(hist[9] > hist[8]);
    mf::synth_shape shape = mf::synth_shape_like("ml-32m");
    for (int j = 0; j < 10; ++j) CHECK((double) hist[j] / 50000.0 == Approx(shape.hist[j]).margin(0.03));
}

TEST_CASE("synth: like ml-latest-small has that release's shape", "[synth]") {
    mf::synth_options o;
    o.like = "ml-latest-small";
    o.threads = 2;
    mf::synth_stats st;
    std::vector<row> rows = parse(mf::synth_generate_string(o, small_catalog(), &st));
    REQUIRE(rows.size() == 100836);
    CHECK(st.users == 610);
    CHECK(st.movies == 9742);  // the whole catalog
    check_rows(rows, st, small_catalog());
    CHECK(st.user_min >= 20);
    CHECK(st.user_median > 50);
    CHECK(st.user_median < 100);
    CHECK(st.user_max > 1000);
    CHECK(st.movies_rated > 9500);  // nearly every movie, as in the release
    CHECK(st.movie_median <= 6);
    CHECK(st.movie_max > 150);
    CHECK(st.mean_rating == Approx(3.55).margin(0.06));
}

TEST_CASE("synth: the floor RMSE is exact, below the spread, and the ratings follow the planted model", "[synth]") {
    mf::synth_options o = small_options(100000, 3);
    mf::synth_stats st;
    std::vector<row> rows = parse(mf::synth_generate_string(o, small_catalog(), &st));
    CHECK(st.users == 628);  // round(200948 * 100000 / 32000204)
    CHECK(st.noise == 0.75);
    // the noise alone (before rounding) costs about its std; the floor is near it and well below
    // the std of the ratings (the RMSE of the global mean)
    CHECK(st.floor_rmse > 0.65);
    CHECK(st.floor_rmse < 0.8);
    CHECK(st.floor_rmse < st.rating_std - 0.15);
    // the realised error of the best predictor is one draw of the noise: within ~4 std errors
    CHECK(st.floor_rmse_realized == Approx(st.floor_rmse).margin(0.01));
    // the map is linear in s but for the clamps: s itself is nearly the best predictor
    CHECK(st.clean_score_rmse > st.floor_rmse - 0.01);
    CHECK(st.clean_score_rmse < st.floor_rmse * 1.01);
    CHECK(st.half_star_users > 0.5 * st.users);
    CHECK(st.half_star_users < 0.75 * st.users);

    // a user's taste is real: the means of the odd and even ratings of a user correlate
    std::map<int32_t, std::array<double, 4>> halves;  // sum odd, n odd, sum even, n even
    std::map<int32_t, int> k;
    for (const row & r : rows) {
        int h = (k[r.user]++ % 2) * 2;
        halves[r.user][h] += r.half_stars * 0.5;
        halves[r.user][h + 1] += 1;
    }
    std::vector<double> a, b;
    for (auto & kv : halves) a.push_back(kv.second[0] / kv.second[1]), b.push_back(kv.second[2] / kv.second[3]);
    double ma = 0, mb = 0;
    for (size_t i = 0; i < a.size(); ++i) ma += a[i], mb += b[i];
    ma /= a.size(), mb /= b.size();
    double sab = 0, saa = 0, sbb = 0;
    for (size_t i = 0; i < a.size(); ++i)
        sab += (a[i] - ma) * (b[i] - mb), saa += (a[i] - ma) * (a[i] - ma), sbb += (b[i] - mb) * (b[i] - mb);
    CHECK(sab / std::sqrt(saa * sbb) > 0.5);
}

TEST_CASE("synth: the floor is the mean of Var(rating | s), checked by Monte Carlo", "[synth]") {
    // E over the noise of (r - E[r|s])^2 is Var(r|s): wrong cuts, steps or clamps in the closed
    // form break the equality. Whole-star-only and half-star-only runs test each grid.
    for (double share : {0.0, 1.0}) {
        mf::synth_options o = small_options(4000, 21, 1);
        o.half_star_users = share;
        mf::synth_stats st0;
        parse(mf::synth_generate_string(o, small_catalog(), &st0));
        CHECK(st0.half_star_users == (share > 0 ? st0.users : 0));
        // over many seeds, the realised mean of (r - E[r|s])^2 estimates E[Var(r|s)]
        double sum_sq_dev = 0, sum_floor2 = 0;
        int64_t n = 0;
        std::array<int64_t, 10> hist{};
        for (uint64_t seed = 100; seed < 140; ++seed) {
            o.seed = seed;
            mf::synth_stats st;
            std::vector<row> rows = parse(mf::synth_generate_string(o, small_catalog(), &st));
            sum_floor2 += st.floor_rmse * st.floor_rmse * (double) rows.size();
            sum_sq_dev += st.floor_rmse_realized * st.floor_rmse_realized * (double) rows.size();
            n += (int64_t) rows.size();
            for (const row & r : rows) ++hist[r.half_stars - 1];
        }
        // E[(r - E[r|s])^2] = E[Var(r|s)]: the realised mean square over 160000 ratings agrees
        // with the closed form to ~0.5% (a wrong cut or clamp shifts it by several percent)
        CHECK(sum_sq_dev / (double) n == Approx(sum_floor2 / (double) n).epsilon(0.01));
        if (share == 0) {
            for (int j = 0; j < 10; j += 2) CHECK(hist[j] == 0);  // whole stars only
        } else {
            for (int j = 0; j < 10; ++j) CHECK(hist[j] > 0);
        }
    }
}

TEST_CASE("synth: with almost no noise the floor vanishes and s misses by the rounding", "[synth]") {
    // the rating is then a deterministic function of s (floor ~0), and s misses it by the error of
    // rounding to whole stars, uniform on a cell of width 1 (1/12) but for the few clamped scores
    mf::synth_options o = small_options(20000, 4, 2);
    o.noise = 1e-3;
    o.half_star_users = 0;
    mf::synth_stats st;
    mf::synth_generate_string(o, small_catalog(), &st);
    // with noise -> 0 the rating is deterministic given s: the floor vanishes
    CHECK(st.floor_rmse < 0.05);  // only scores within ~1e-3 of a cut are uncertain
    // and s misses the rounded rating by the rounding error, uniform on a width-1 cell: 1/12
    CHECK(st.clean_score_rmse * st.clean_score_rmse == Approx(1.0 / 12).epsilon(0.1));
}

TEST_CASE("synth: deterministic by seed, independent of the thread count", "[synth]") {
    const mf::catalog & cat = small_catalog();
    std::string a = mf::synth_generate_string(small_options(30000, 11, 1), cat);
    std::string b = mf::synth_generate_string(small_options(30000, 11, 2), cat);
    std::string c = mf::synth_generate_string(small_options(30000, 11, 3), cat);
    std::string d = mf::synth_generate_string(small_options(30000, 12, 2), cat);
    CHECK(a == b);
    CHECK(a == c);
    CHECK(a != d);
    // heavy users (exponential keys) and the rejection path both occur at this size
    mf::synth_stats st;
    mf::synth_generate_string(small_options(30000, 11, 2), cat, &st);
    CHECK(st.heavy_users > 0);
    CHECK(st.heavy_users < st.users);
}

TEST_CASE("synth: sizes of the full shapes and of scaled ones", "[synth]") {
    mf::synth_options o;
    o.like = "ml-32m";
    mf::synth_sizes z = mf::synth_plan_sizes(o, 87585);
    CHECK(z.ratings == 32000204);
    CHECK(z.users == 200948);
    CHECK(z.movies == 87585);
    o.ratings = 100000;
    z = mf::synth_plan_sizes(o, 87585);
    CHECK(z.users == 628);
    CHECK(z.movies == 3185);  // 20x the mean activity (proportional would be 274)
    o.ratings = 16000102;     // half: proportional
    z = mf::synth_plan_sizes(o, 87585);
    CHECK(z.users == 100474);
    CHECK(z.movies == 43793);
    o.like = "ml-latest-small";
    o.ratings = 0;
    z = mf::synth_plan_sizes(o, 87585);
    CHECK(z.ratings == 100836);
    CHECK(z.users == 610);
    CHECK(z.movies == 9742);
}

TEST_CASE("synth: options that cannot be met are refused", "[synth]") {
    const mf::catalog & cat = small_catalog();
    CHECK_THROWS_AS(mf::synth_generate_string(small_options(10), cat), std::invalid_argument);
    mf::synth_options o = small_options(1000);
    o.like = "ml-100k";
    CHECK_THROWS_AS(mf::synth_generate_string(o, cat), std::invalid_argument);
    mf::catalog tiny;
    tiny.genres_init_movielens();
    for (int i = 1; i <= 10; ++i) tiny.add(i, "M (1999)", 1u);
    CHECK_THROWS_AS(mf::synth_generate_string(small_options(1000), tiny), std::invalid_argument);
    // the smallest size: one user with 20 ratings
    mf::synth_stats st;
    std::vector<row> rows = parse(mf::synth_generate_string(small_options(20), cat, &st));
    CHECK(rows.size() == 20);
    CHECK(st.users == 1);
}

TEST_CASE("synth: writes ratings.csv, movies.csv and synth.json atomically", "[synth]") {
    temp_dir dir;
    const std::string out = (dir.path / "out" / "nested").string();  // created on demand
    mf::synth_options o = small_options(20000, 5);
    mf::synth_stats st = mf::synth_write(o, small_movies, out);
    std::string ratings = slurp(fs::path(out) / "ratings.csv");
    CHECK(ratings == mf::synth_generate_string(o, small_catalog()));
    for (auto & e : fs::directory_iterator(out)) CHECK(e.path().filename().string().find(".tmp") == std::string::npos);

    // movies.csv: the header and exactly the sampled movies, loadable as a catalog
    mf::catalog sub = mf::movielens_load_catalog((fs::path(out) / "movies.csv").string());
    CHECK(sub.size() == st.movies);
    bool all_found = true;
    for (int32_t r : st.movie_rows) all_found &= sub.find(small_catalog().movie_id[r]) >= 0;
    CHECK(all_found);
    // and the whole directory loads as a MovieLens release
    mf::load_options lo;
    lo.use_cache = false;
    mf::dataset d = mf::movielens_load(out, lo);
    (void) d;

    std::string json = slurp(fs::path(out) / "synth.json");
    CHECK(json.find("\"best_achievable_rmse\": ") != std::string::npos);
    CHECK(json.find("\"noise_std\": 0.7500") != std::string::npos);
    CHECK(json.find("\"half_star_users\": ") != std::string::npos);
    CHECK(json.find("\"ratings\": 20000") != std::string::npos);
    CHECK(json.find("\"oracle_rmse\": 0.7") != std::string::npos);
    CHECK(json.find("\"oracle_floor_rmse_realized\": ") != std::string::npos);
    CHECK(json.find("\"oracle_rmse_known_users\": 0.7") != std::string::npos);

    // writing again gives the same bytes
    mf::synth_write(o, small_movies, out);
    CHECK(slurp(fs::path(out) / "ratings.csv") == ratings);
    CHECK(slurp(fs::path(out) / "synth.json") == json);

    // the whole catalog: movies.csv is a byte copy
    mf::synth_options all;
    all.like = "ml-latest-small";
    all.threads = 2;
    mf::synth_write(all, small_movies, out);
    CHECK(slurp(fs::path(out) / "movies.csv") == slurp(small_movies));
}

TEST_CASE("synth: a missing movies file or an unwritable --out is a clear error", "[synth]") {
    temp_dir dir;
    mf::synth_options o = small_options(2000);
    try {
        mf::synth_write(o, (dir.path / "nope.csv").string(), (dir.path / "out").string());
        FAIL("no error");
    } catch (const mf::cli_error & e) {
        CHECK(std::string(e.what()).find("--movies") != std::string::npos);
        CHECK(std::string(e.what()).find("nope.csv") != std::string::npos);
    }
    std::ofstream(dir.path / "file") << "x";
    try {
        mf::synth_write(o, small_movies, (dir.path / "file" / "out").string());
        FAIL("no error");
    } catch (const mf::cli_error & e) {
        CHECK(std::string(e.what()).find("--out") != std::string::npos);
    }
    // impossible options fail before the directory is made
    CHECK_THROWS_AS(mf::synth_write(small_options(5), small_movies, (dir.path / "out").string()), mf::cli_error);
    CHECK(!fs::exists(dir.path / "out"));
}

TEST_CASE("synth: the command prints the summary on stdout", "[synth][cli]") {
    temp_dir dir;
    const std::string out = (dir.path / "cli").string(), log = (dir.path / "log.txt").string();
    std::string cmd = std::string(MFREC_BINARY) + " synth --like ml-latest-small --movies " + small_movies + " --out " +
                      out + " --ratings 5000 --seed 3 --threads 2 --quiet > " + log + " 2>&1";
    REQUIRE(std::system(cmd.c_str()) == 0);
    std::string text = slurp(log);
    CHECK(text.find("ratings     5000") != std::string::npos);
    CHECK(text.find("floor RMSE") != std::string::npos);
    CHECK(text.find("oracle      0.") != std::string::npos);
    CHECK(text.find("noise       0.7500") != std::string::npos);
    CHECK(fs::exists(fs::path(out) / "ratings.csv"));

    std::string bad = std::string(MFREC_BINARY) + " synth --like ml-32m --movies " + (dir.path / "none.csv").string() +
                      " --out " + out + " > " + log + " 2>&1";
    CHECK(std::system(bad.c_str()) != 0);
    CHECK(slurp(log).find("mfrec: error: --movies") != std::string::npos);
}

TEST_CASE("synth: the oracle reference pays the estimation of one side, above the floor on the same ratings",
          "[synth][oracle]") {
    mf::synth_options o = small_options(100000, 3);
    mf::synth_stats st;
    const std::string text = mf::synth_generate_string(o, small_catalog(), &st);
    REQUIRE(st.oracle);
    INFO("floor " << st.floor_rmse << " test floor " << st.oracle_floor_rmse << " realised "
                  << st.oracle_floor_rmse_realized << " oracle " << st.oracle_rmse << " clamp " << st.oracle_rmse_clamp
                  << " known users " << st.oracle_rmse_known_users << " clamp " << st.oracle_rmse_known_users_clamp
                  << " test " << st.oracle_test_ratings);
    // about 10% of the ratings are test ratings (binomial sd ~95)
    CHECK(st.oracle_test_ratings > 9500);
    CHECK(st.oracle_test_ratings < 10500);
    // the floor over the test ratings is the floor over all of them, up to sampling
    CHECK(st.oracle_floor_rmse == Approx(st.floor_rmse).margin(0.01));
    CHECK(st.oracle_floor_rmse_realized == Approx(st.oracle_floor_rmse).margin(0.02));
    // estimating ~3 effective parameters per user from ~140 ratings costs ~1% RMSE: above the
    // floor on the same ratings, well below the spread of the ratings
    CHECK(st.oracle_rmse > st.oracle_floor_rmse_realized * 1.002);
    CHECK(st.oracle_rmse < st.oracle_floor_rmse_realized * 1.04);
    CHECK(st.oracle_rmse_clamp > st.oracle_floor_rmse_realized);
    CHECK(st.oracle_rmse_clamp < st.oracle_floor_rmse_realized * 1.05);
    CHECK(st.oracle_rmse_known_users > st.oracle_floor_rmse_realized * 1.002);
    CHECK(st.oracle_rmse_known_users < st.oracle_floor_rmse_realized * 1.10);
    CHECK(st.oracle_rmse_known_users_clamp < st.oracle_floor_rmse_realized * 1.10);

    // deterministic by thread count; the ratings do not depend on it; off leaves zeros
    mf::synth_stats st1, st3, off;
    o.threads = 1;
    mf::synth_generate_string(o, small_catalog(), &st1);
    o.threads = 3;
    mf::synth_generate_string(o, small_catalog(), &st3);
    for (const mf::synth_stats * x : {&st1, &st3}) {
        CHECK(x->oracle_test_ratings == st.oracle_test_ratings);
        CHECK(x->oracle_rmse == st.oracle_rmse);
        CHECK(x->oracle_rmse_clamp == st.oracle_rmse_clamp);
        CHECK(x->oracle_rmse_known_users == st.oracle_rmse_known_users);
        CHECK(x->oracle_floor_rmse_realized == st.oracle_floor_rmse_realized);
    }
    o.oracle = false;
    CHECK(mf::synth_generate_string(o, small_catalog(), &off) == text);
    CHECK(!off.oracle);
    CHECK(off.oracle_rmse == 0);
    CHECK(off.floor_rmse == st.floor_rmse);
}

TEST_CASE("synth: the oracle's excess shrinks with more training ratings per user", "[synth][oracle]") {
    // the same data; a user trains on 90% or 20% of its ratings: the excess MSE over the floor
    // (~ v * parameters / ratings per user) grows ~4.5x with 4.5x fewer training ratings
    mf::synth_options o = small_options(200000, 9);
    mf::synth_stats many, few;
    mf::synth_generate_string(o, small_catalog(), &many);
    o.oracle_test_share = 0.8;
    mf::synth_generate_string(o, small_catalog(), &few);
    auto excess = [](const mf::synth_stats & x) {
        return x.oracle_rmse * x.oracle_rmse - x.oracle_floor_rmse_realized * x.oracle_floor_rmse_realized;
    };
    INFO("excess MSE at 90% training " << excess(many) << ", at 20% " << excess(few));
    CHECK(excess(many) > 0);
    CHECK(excess(few) > 3 * excess(many));
    CHECK(few.oracle_test_ratings > 7 * many.oracle_test_ratings);
}

TEST_CASE("synth: with less noise the oracle comes closer to the floor", "[synth][oracle]") {
    // the estimation cost ~ (regression noise) * parameters / ratings: less noise, a smaller
    // excess MSE over the floor. (Not down to zero noise: below ~0.2 the rounding error, std
    // step / sqrt(12), dominates the regression noise while the floor keeps falling, and the
    // plug-in E[r | s^], a step function at small noise, misses whole steps near the cuts.)
    mf::synth_options o = small_options(100000, 4);
    double excess[2], floor[2], rmse[2];
    const double noises[2] = {0.75, 0.3};
    for (int x = 0; x < 2; ++x) {
        o.noise = noises[x];
        mf::synth_stats st;
        mf::synth_generate_string(o, small_catalog(), &st);
        floor[x] = st.oracle_floor_rmse_realized;
        rmse[x] = st.oracle_rmse;
        excess[x] = rmse[x] * rmse[x] - floor[x] * floor[x];
    }
    INFO("noise 0.75: floor " << floor[0] << " oracle " << rmse[0] << "; noise 0.3: floor " << floor[1] << " oracle "
                              << rmse[1]);
    CHECK(floor[1] < 0.45);
    CHECK(excess[0] > 0.005);
    CHECK(excess[1] > 0);
    CHECK(excess[1] < 0.6 * excess[0]);  // measured: 0.0038 vs 0.0108
    CHECK(rmse[1] - floor[1] < rmse[0] - floor[0]);
}
