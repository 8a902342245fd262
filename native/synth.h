// synth.h - synthetic MovieLens-like ratings with a planted model, so the best achievable RMSE
// is known.
//
// `mfrec synth --like ml-32m|ml-latest-small --movies movies.csv --out DIR` writes
// DIR/ratings.csv (header `userId,movieId,rating,timestamp`, ratings printed "4.0"/"3.5"),
// DIR/movies.csv and DIR/synth.json (every generator parameter and the measured statistics).
//
// The planted model, per (user u, movie i):
//   s = mu + b_u + b_i + p_u . q_i                   the clean score
//       b_u = individual; b_i = mean of genre biases of i + individual (correlated with popularity);
//       both individual parts mirrored skew-normals (a long low tail: the left skew of ratings)
//       q_i = mean of genre vectors w_g of i + individual part     (k factors)
//       Var(p_uf) = c factor_decay^f (a decaying spectrum; c sets the std of p_u . q_i)
//   x = s + e,  e ~ N(0, noise^2)
//   rating = clamp(round x to the user's grid, lowest grid value, 5); each user rounds to half stars
//            (0.5..5, a half_star_users share of users) or whole stars (1..5).
// Rounding is unbiased, so E[rating | s] = s except near the clamps: the floor is reachable by a
// model of the form mu + b_u + b_i + p_u . q_i. The histogram's shape (4.0 the mode, mean ~3.5,
// a long low tail, half stars rarer than whole stars) comes from the distributions of the terms
// and the grids, not from a non-linear map.
// The best achievable predictor of a rating is E[rating | s] (the noise is independent of
// everything else), so the floor RMSE is sqrt(mean over the generated ratings of
// Var(rating | s)); with Gaussian noise both moments are closed forms (erfc at the grid's
// rounding cuts), computed exactly for every generated rating. Also reported: the realised RMSE
// of E[rating|s] against the written ratings (one draw of the noise), and the RMSE of the clean
// score s itself (above the floor only by the clamps' bias).
//
// Why these parameters: the rating std is ~1.0 (ML-32M 1.06), the floor ~0.73 sits below what
// real models reach on ML-32M (~0.78), and the interaction is dominated by one factor (decay 0.1):
// with ~143 training ratings per user, each well-determined user parameter costs about
// floor^2 / 143 in test MSE (0.35% RMSE), so a model reachable within ~1% can have only about
// two strong user parameters (bias and one taste axis).
//
// The oracle reference (synth_oracle.{h,cpp}; on by default, `--no-oracle` skips it): each rating
// goes to a test set with probability 0.1 (a hash of seed, user and position: the law of
// `mfrec train --split random:0.1`, not the same ratings). An estimator given mu, every movie's
// true b_i and q_i, the prior of the user parameters as drawn (b_u mean 0, variance
// user_bias^2; p_u mean 0, variances sigma_pf^2), the user's grid and the noise level estimates
// each user's theta_u = (b_u, p_u) from the training ratings as the Gaussian posterior mean
//     theta_u = (Sigma^-1 + Z'Z / v_u)^-1 Z'y / v_u,   rows z = (1, q_i), y = r - mu - b_i,
// v_u = the user's mean Var(r | s) over its training ratings, and predicts a test rating by
// E[r | s = mu + b_i + z . theta_u] (and by the clamped score). Its test RMSE, `oracle_rmse`,
// pays only the user side's estimation cost: a lower reference for any model that learns both
// sides. `oracle_rmse_known_users` swaps the roles (users known, movies estimated, prior of
// theta_i given genres and popularity). Both are compared with the floor on the same test
// ratings: sqrt(mean Var(r | s)) and the realised RMSE of E[r | s].
//
// Shapes (constants tuned by measuring the output, see synth_shape_like):
// - users: min_per_user + an excess c * max(0, a - floor), a lognormal (median and mean set by
//   the shape), soft-capped at a share of the movies (cap * (1 - exp(-excess / cap))), scaled
//   (bisection on c + largest remainders) so the total is exact;
// - movies: popularity weights exp(sigma z) with a flatter head above z = pop_head_z, z
//   correlated with low movie ids (MovieLens's early ids are the old popular films);
// - coverage: as MovieLens lists a movie once someone rated it, all but the least popular
//   (1 - cover_share) movies get one rating from a user drawn in proportion to activity;
// - each user's other movies: by popularity without replacement (alias table + rejection of
//   duplicates; Efraimidis-Spirakis exponential keys for heavy users, the same distribution);
// - timestamps strictly increasing per user within [1995-01-01, 2023-10-12]: one sitting,
//   weeks or years, n sorted uniforms on that span.
// Rows are written user by user (userId 1..U), each user's rows in time order (MovieLens itself
// orders by movieId within a user; loaders must not rely on either).
// --ratings N scales users (round(U * N / N_shape)) and movies (likewise, but at least 20x a
// user's mean activity, at most the catalog; a sample of the catalog, uniform by seed).
//
// Determinism: every user draws from its own stream mf::rng(rng_hash(seed, user)), movies and
// global parameters from their own hashed streams; sums are reduced in user order. The same
// options and catalog give byte-identical files for any thread count.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "catalog.h"

namespace mf {

// The shape of a MovieLens release to imitate.
struct synth_shape {
    std::string name;
    int64_t ratings = 0;
    int32_t users = 0;
    int32_t movies = 0;  // movies in the release's movies.csv
    int32_t min_per_user = 20;
    double user_median = 0;        // target median ratings per user
    double user_cap_share = 0.25;  // no user rates more than this share of the movies
    double user_floor = 0.06;      // activity excess = c * max(0, a - user_floor), a lognormal, median 1
    double cover_share = 0.96;     // movies given one first rating (the rest only by popularity)
    double pop_sigma = 0;          // log popularity = pop_sigma * z for z below pop_head_z,
    double pop_head_z = 99;        //   rising by pop_head_sigma per unit of z above it (z ~ N(0,1))
    double pop_head_sigma = 0;
    double pop_id_corr = 0;         // correlation of log popularity with low movie ids
    std::array<double, 10> hist{};  // target shares of 0.5, 1.0, ..., 5.0 (sum 1)
};

// "ml-32m" or "ml-latest-small"; throws std::invalid_argument otherwise.
synth_shape synth_shape_like(const std::string & like);

struct synth_options {
    std::string like = "ml-32m";
    uint64_t seed = 1;
    int64_t ratings = 0;        // 0: the shape's count; otherwise users and movies scale with it
    int threads = 0;            // 0: all hardware threads (never changes the output)
    int factors = 4;            // k of the planted model
    double factor_decay = 0.1;  // variance of factor f+1 / factor f (a decaying spectrum)
    double noise = 0.75;        // std of the Gaussian noise added to the clean score
    double mu = 3.3;
    double user_bias = 0.50;           // std of b_u
    double item_bias = 0.45;           // std of the individual part of b_i
    double bias_skew = 20.0;           // skew-normal shape of both biases (mirrored: a long low tail)
    double genre_bias = 0.10;          // std of each genre's bias
    double item_bias_pop_corr = 0.35;  // correlation of b_i's individual part with popularity
    double interaction = 0.35;         // std of p_u . q_i over movies
    double genre_vector = 1.0;         // std of genre vector components
    double item_vector = 0.8;          // std of q_i's individual components
    double half_star_users = 0.62;     // share of users rounding to half stars (the rest: whole)
    bool oracle = true;                // measure the oracle reference (see the top comment)
    double oracle_test_share = 0.1;    // its test share (as --split random:0.1)
};

struct synth_stats {
    std::string like;
    int64_t ratings = 0;
    int32_t users = 0;
    int32_t movies = 0;  // movies the users could rate (the catalog, or a sample of it)
    int32_t catalog_movies = 0;
    int32_t movies_rated = 0;  // rated at least once
    int32_t user_min = 0, user_max = 0;
    double user_mean = 0, user_median = 0;
    int32_t user_cap = 0;
    int32_t movie_max = 0;
    double movie_median = 0;  // over movies rated at least once
    std::array<int64_t, 10> hist{};
    double mean_rating = 0;
    double rating_std = 0;  // = RMSE of the global mean
    double noise = 0;
    double floor_rmse = 0;            // sqrt(mean Var(rating | s)), exact expectation over noise
    double floor_rmse_realized = 0;   // RMSE of E[rating | s] against the written ratings
    double clean_score_rmse = 0;      // RMSE of s against the written ratings
    double interaction_scale = 0;     // std of p_u's first component (from options.interaction)
    int32_t half_star_users = 0;      // users rounding to half stars
    int32_t heavy_users = 0;          // users sampled with exponential keys (n > movies/16)
    std::vector<int32_t> movie_rows;  // catalog rows the users could rate, ascending
    // the oracle reference (synth_oracle.h), all over the same test ratings; zeros without it
    bool oracle = false;
    double oracle_test_share = 0;
    int64_t oracle_test_ratings = 0;
    double oracle_floor_rmse = 0;           // sqrt(mean Var(rating | s)) over the test ratings
    double oracle_floor_rmse_realized = 0;  // RMSE of E[rating | s] (true s) on them
    double oracle_rmse = 0;                 // movies known, users estimated: E[rating | s^]
    double oracle_rmse_clamp = 0;           //   the same predicting clamp(s^)
    double oracle_rmse_known_users = 0;     // users known, movies estimated (NaN: skipped)
    double oracle_rmse_known_users_clamp = 0;
    double seconds = 0;
};

struct synth_sizes {
    int64_t ratings = 0;
    int32_t users = 0, movies = 0, user_cap = 0;
};

// The sizes the options give with a catalog of that many movies; throws std::invalid_argument
// when they cannot be met (fewer ratings than one user's minimum, a catalog too small, ...).
synth_sizes synth_plan_sizes(const synth_options & opt, int32_t catalog_movies);

// Receives the ratings.csv text in order (the header first).
using synth_sink = std::function<void(const char * data, size_t size)>;
// Work done so far, of total (the ratings).
using synth_progress = std::function<void(int64_t done, int64_t total)>;

// Generates the ratings into sink. Throws std::invalid_argument when the options cannot be met
// (fewer ratings than one user's minimum, a catalog too small, ...).
synth_stats synth_generate(const synth_options & opt, const catalog & cat, const synth_sink & sink,
                           const synth_progress & progress = {});

// The same into a string (for tests and small sizes).
std::string synth_generate_string(const synth_options & opt, const catalog & cat, synth_stats * stats = nullptr);

// synth.json: options, derived parameters and statistics (no timings: the file is
// deterministic).
std::string synth_json(const synth_options & opt, const synth_stats & st);

// Writes DIR/ratings.csv, DIR/movies.csv (a byte copy of movies_path when every catalog movie
// is used, else its header and the lines of the sampled movies) and DIR/synth.json, each
// atomically (a .tmp file, then rename). Loads the catalog from movies_path. Throws cli_error
// for a missing movies file or an unwritable DIR.
synth_stats synth_write(const synth_options & opt, const std::string & movies_path, const std::string & out_dir,
                        const synth_progress & progress = {});

}  // namespace mf
