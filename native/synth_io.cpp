// synth_io.cpp - synth.json and writing a synthetic dataset directory atomically.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli.h"
#include "file_io.h"
#include "movielens.h"
#include "output.h"
#include "synth.h"

namespace mf {

namespace {

std::string sys_error() {
    return std::strerror(errno);
}

// A file written as path + ".tmp", renamed over path by commit(); removed when abandoned.
struct atomic_file {
    std::string path, tmp;
    std::FILE * f = nullptr;
    bool committed = false;

    explicit atomic_file(const std::string & p) : path(p), tmp(p + ".tmp") {
        f = std::fopen(tmp.c_str(), "wb");
        if (!f) throw cli_error("--out: cannot write " + tmp + ": " + sys_error());
    }
    ~atomic_file() {
        if (f) std::fclose(f);
        if (!committed) std::remove(tmp.c_str());
    }
    void write(const char * d, size_t n) {
        if (n && std::fwrite(d, 1, n, f) != n) throw cli_error("--out: cannot write " + tmp + ": " + sys_error());
    }
    void commit() {
        if (std::fflush(f) != 0 || fsync(fileno(f)) != 0)
            throw cli_error("--out: cannot write " + tmp + ": " + sys_error());
        std::FILE * g = f;
        f = nullptr;
        if (std::fclose(g) != 0) throw cli_error("--out: cannot write " + tmp + ": " + sys_error());
        if (std::rename(tmp.c_str(), path.c_str()) != 0)
            throw cli_error("--out: cannot rename " + tmp + " to " + path + ": " + sys_error());
        committed = true;
    }
};

std::string read_all(const std::string & path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw cli_error("--movies: cannot read " + path + ": " + sys_error());
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

std::string synth_json(const synth_options & opt, const synth_stats & st) {
    synth_shape sh = synth_shape_like(opt.like);
    json_object j;
    j.str("generator", "mfrec synth 1");
    j.str("like", opt.like);
    j.integer("seed", (long long) opt.seed);
    j.integer("ratings", st.ratings);
    j.integer("users", st.users);
    j.integer("movies", st.movies);
    j.integer("catalog_movies", st.catalog_movies);
    j.integer("movies_rated", st.movies_rated);
    j.integer("min_ratings_per_user", sh.min_per_user);
    j.integer("max_ratings_per_user_cap", st.user_cap);
    j.str("model",
          "s = mu + b_u + b_i + p_u.q_i; b_u, b_i individual parts: mirrored skew-normal (long low tail); "
          "b_i = mean genre bias + individual; q_i = mean genre vector + individual; "
          "Var(p_uf) = c * factor_decay^f; x = s + N(0, noise_std^2); "
          "rating = clamp(round x to the user's grid, lowest grid value, 5), grid: half stars (0.5..5) for a "
          "half_star_users share of users, else whole stars (1..5); E[rating | s] = s except near the clamps");
    j.integer("factors", opt.factors);
    j.num("factor_decay", opt.factor_decay, 4);
    j.num("mu", opt.mu, 4);
    j.num("user_bias_std", opt.user_bias, 4);
    j.num("item_bias_std", opt.item_bias, 4);
    j.num("bias_skew_shape", opt.bias_skew, 4);
    j.num("genre_bias_std", opt.genre_bias, 4);
    j.num("item_bias_popularity_corr", opt.item_bias_pop_corr, 4);
    j.num("interaction_std", opt.interaction, 4);
    j.num("genre_vector_std", opt.genre_vector, 4);
    j.num("item_vector_std", opt.item_vector, 4);
    j.num("user_vector_std", st.interaction_scale, 6);
    j.num("noise_std", st.noise, 4);
    j.num("half_star_users_share", opt.half_star_users, 4);
    j.integer("half_star_users", st.half_star_users);
    j.num("popularity_log_std", sh.pop_sigma, 4);
    j.num("popularity_head_z", sh.pop_head_z, 4);
    j.num("popularity_head_log_std", sh.pop_head_sigma, 4);
    j.num("popularity_id_corr", sh.pop_id_corr, 4);
    j.num("cover_share", sh.cover_share, 4);
    j.num("user_median_target", sh.user_median, 2);
    j.num("user_floor", sh.user_floor, 4);
    j.num("user_cap_share", sh.user_cap_share, 4);
    j.str("activity",
          "n_u = min + floor/round of cap*(1-exp(-c*max(0, a-user_floor)/cap)), a = exp(sigma*z), "
          "sigma = sqrt(2 ln(excess mean / excess median target)), c by bisection so the total is exact");
    j.str("timestamps",
          "per user: one sitting (40%, 10-60 s per rating), weeks (35%, lognormal median 20 days, log-std 1.5) "
          "or years (25%, median 3 years, log-std 0.7); start uniform; n sorted uniforms, strictly increasing");
    j.raw("target_histogram", json_array(std::vector<double>(sh.hist.begin(), sh.hist.end()), 4));
    std::vector<double> counts(st.hist.begin(), st.hist.end()), shares;
    for (double c : counts) shares.push_back(c / (double) st.ratings);
    j.raw("histogram", json_array(counts, 0));
    j.raw("histogram_shares", json_array(shares, 4));
    j.num("mean_rating", st.mean_rating, 6);
    j.num("rating_std", st.rating_std, 6);
    j.num("best_achievable_rmse", st.floor_rmse, 6);
    j.str("best_achievable_rmse_method",
          "sqrt(mean over the generated ratings of Var(rating | s)), the MSE of the best predictor E[rating | s]; "
          "exact: closed form over the Gaussian noise (erfc at the grid's rounding cuts) for every rating");
    j.num("best_predictor_rmse_realized", st.floor_rmse_realized, 6);
    j.num("clean_score_rmse", st.clean_score_rmse, 6);
    if (st.oracle) {
        // the oracle reference (synth_oracle.h): all figures over the same test ratings
        auto pct = [](double x, double ref) { return 100.0 * (x / ref - 1.0); };
        auto num_or_null = [&](const char * key, double v, int digits) {
            if (std::isfinite(v))
                j.num(key, v, digits);
            else
                j.raw(key, "null");
        };
        j.num("oracle_test_share", st.oracle_test_share, 4);
        j.integer("oracle_test_ratings", st.oracle_test_ratings);
        j.str("oracle_split",
              "a rating is a test rating when uniform(hash(seed, user, position in the user's rows)) < "
              "oracle_test_share: the law of --split random:0.1, not the same ratings");
        j.num("oracle_floor_rmse", st.oracle_floor_rmse, 6);
        j.num("oracle_floor_rmse_realized", st.oracle_floor_rmse_realized, 6);
        j.num("oracle_rmse", st.oracle_rmse, 6);
        j.num("oracle_rmse_pct_above_best_achievable", pct(st.oracle_rmse, st.floor_rmse), 3);
        j.num("oracle_rmse_pct_above_realized_floor", pct(st.oracle_rmse, st.oracle_floor_rmse_realized), 3);
        j.num("oracle_rmse_clamp", st.oracle_rmse_clamp, 6);
        num_or_null("oracle_rmse_known_users", st.oracle_rmse_known_users, 6);
        num_or_null("oracle_rmse_known_users_pct_above_realized_floor",
                    pct(st.oracle_rmse_known_users, st.oracle_floor_rmse_realized), 3);
        num_or_null("oracle_rmse_known_users_clamp", st.oracle_rmse_known_users_clamp, 6);
        j.str("oracle_method",
              "oracle_rmse: movies' true b_i, q_i, mu, the noise level and the users' prior given; each user's "
              "theta_u = (b_u, p_u) estimated from its training ratings as the Gaussian posterior mean "
              "(Sigma^-1 + Z'Z/v_u)^-1 Z'y/v_u, rows z = (1, q_i), y = r - mu - b_i, Sigma = diag(user_bias_std^2, "
              "Var p_uf), v_u = mean Var(r|s) over the user's training ratings; a test rating predicted by "
              "E[r | s = mu + b_i + z.theta_u] on the user's grid (oracle_rmse_clamp: by clamp(s^)). A lower "
              "reference for any model that learns both sides: it pays only the user side's estimation cost. "
              "oracle_rmse_known_users: the roles swapped (users' true b_u, p_u given; each movie's (b_i, q_i) "
              "estimated with its prior given genres and popularity; null when skipped for memory). "
              "oracle_floor_rmse: sqrt(mean Var(r|s)) over the test ratings; oracle_floor_rmse_realized: the RMSE "
              "of E[r|s] with the true s on them; pct_above_best_achievable compares with best_achievable_rmse "
              "(all ratings), pct_above_realized_floor with the realized floor on the same test ratings");
    }
    j.integer("user_ratings_min", st.user_min);
    j.num("user_ratings_mean", st.user_mean, 3);
    j.num("user_ratings_median", st.user_median, 1);
    j.integer("user_ratings_max", st.user_max);
    j.integer("movie_ratings_max", st.movie_max);
    j.num("movie_ratings_median", st.movie_median, 1);
    j.integer("heavy_users_exponential_keys", st.heavy_users);
    j.raw("timestamp_range", "[788918400, 1697155199]");
    j.str("row_order", "by userId, each user's ratings in increasing timestamp");
    return j.render();
}

synth_stats synth_write(const synth_options & opt, const std::string & movies_path, const std::string & out_dir,
                        const synth_progress & progress) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!fs::is_regular_file(movies_path, ec)) throw cli_error("--movies: no such file: " + movies_path);
    try {
        synth_shape_like(opt.like);  // an unknown --like fails before any work
    } catch (const std::invalid_argument & e) {
        throw cli_error(e.what());
    }
    catalog cat = movielens_load_catalog(movies_path);
    if (cat.size() == 0) throw cli_error("--movies: no movies in " + movies_path);
    try {
        synth_plan_sizes(opt, cat.size());  // fails before the output directory is created
    } catch (const std::invalid_argument & e) {
        throw cli_error(e.what());
    }

    fs::create_directories(out_dir, ec);
    if (ec || !fs::is_directory(out_dir))
        throw cli_error("--out: cannot create directory " + out_dir + ": " + (ec ? ec.message() : "not a directory"));
    const std::string dir = out_dir;
    auto in_dir = [&](const char * name) { return (fs::path(dir) / name).string(); };

    synth_stats st;
    {
        atomic_file f(in_dir("ratings.csv"));
        try {
            st = synth_generate(
                opt, cat, [&](const char * d, size_t n) { f.write(d, n); }, progress);
        } catch (const std::invalid_argument & e) {
            throw cli_error(e.what());
        }
        f.commit();
    }
    // movies.csv: a byte copy, or the header and the lines whose leading movieId was sampled
    std::string text = read_all(movies_path), movies;
    if (st.movies == st.catalog_movies) {
        movies = std::move(text);
    } else {
        std::vector<int32_t> ids;
        for (int32_t r : st.movie_rows) ids.push_back(cat.movie_id[r]);
        std::sort(ids.begin(), ids.end());
        size_t pos = 0;
        bool header = true;
        while (pos < text.size()) {
            size_t end = text.find('\n', pos);
            end = end == std::string::npos ? text.size() : end + 1;
            const char * line = text.data() + pos;
            const size_t len = end - pos;
            pos = end;
            if (line[0] == '\n' || line[0] == '\r') continue;  // blank
            bool keep = header;
            header = false;
            if (!keep) {
                size_t k = 0;
                bool neg = k < len && line[k] == '-';
                if (neg) ++k;
                int64_t id = 0;
                size_t digits = 0;
                while (k < len && line[k] >= '0' && line[k] <= '9' && digits < 12)
                    id = id * 10 + (line[k++] - '0'), ++digits;
                keep = digits > 0 && k < len && line[k] == ',' &&
                       std::binary_search(ids.begin(), ids.end(), (int32_t) (neg ? -id : id));
            }
            if (keep) {
                movies.append(line, len);
                if (line[len - 1] != '\n') movies += '\n';
            }
        }
    }
    std::string json = synth_json(opt, st);
    try {
        file_write_atomic(in_dir("movies.csv"), movies.data(), movies.size());
        file_write_atomic(in_dir("synth.json"), json.data(), json.size());
    } catch (const std::runtime_error & e) {
        throw cli_error(std::string("--out: ") + e.what());
    }
    return st;
}

}  // namespace mf
