// synth_oracle.h - the oracle reference of `mfrec synth` (internal to the generator), and the
// rating grids and their moments that it shares with synth.cpp.
//
// What it measures: the test RMSE of an estimator that knows everything about one side of the
// planted model and must estimate only the other side from training ratings. It is a lower
// reference for any method that learns both sides (ALS, SVD++, ...): such a method pays at
// least the estimation cost of the user side (and of the movie side as well).
//
// Split: rating j of user u (j its position in the user's written, time-ordered rows) is a test
// rating when uniform(rng_hash(rng_hash(seed ^ salt, u), j)) < test_share (0.1): the same law as
// `mfrec train --split random:0.1`, with its own stream (not the same ratings as mfrec's split).
//
// User side (`oracle_rmse`): given mu, every movie's true b_i and q_i, the prior of the user
// parameters as the generator draws them, theta_u = (b_u, p_u) ~ mean 0, covariance
// Sigma = diag(user_bias^2, sigma_p1^2, ..., sigma_pk^2) (b_u is a standardised skew-normal times
// user_bias: mean 0, variance user_bias^2), the user's grid (half or whole stars) and the noise
// level. With z_j = (1, q_i(j)), y_j = r_j - mu - b_i(j) over the user's training ratings T_u and
// v_u = mean over T_u of Var(r | s) (the exact per-rating variance, averaged: the noise level
// this user's ratings have), the posterior mean of theta_u under a Gaussian approximation of the
// likelihood (y_j ~ N(z_j . theta_u, v_u)) is the ridge solution
//     theta_u = (Sigma^-1 + Z'Z / v_u)^-1 (Sigma^-1 m + Z'y / v_u),   m = 0 (the prior mean).
// A test rating is predicted with s^ = mu + b_i + z . theta_u by E[r | s = s^] under the user's
// grid (the generator's closed form; `oracle_rmse`), and by clamp(s^, lowest grid value, 5)
// (`oracle_rmse_clamp`).
//
// Movie side (`oracle_rmse_known_users`): the same code with the roles swapped: every user's
// true b_u and p_u known, each movie's theta_i = (b_i, q_i) estimated from its training ratings,
// z = (1, p_u), y = r - mu - b_u, the prior of theta_i given its genres and popularity as drawn:
// mean (genre bias + item_bias * rho * z_pop, mean genre vector), covariance
// diag(item_bias^2 (1 - rho^2), item_vector^2, ...), v_i = mean Var(r | s) over the movie's
// training ratings (a movie without any: the prior mean). The movies' normal equations are
// summed across threads in 2^-32 fixed point (integer sums: the same for any thread count);
// skipped (NaN) when they would take more than 64 MB (many factors).
//
// Floor on the same ratings: `oracle_floor_rmse` = sqrt(mean Var(r | s)) over the test ratings
// and its realisation, the RMSE of E[r | s] with the true s against the test ratings.
// Everything is reduced in user order: the figures are deterministic by seed and thread count.
#pragma once

#include <cstdint>
#include <vector>

namespace mf {

// A user's grid: half stars 0.5..5 (step 0.5) or whole stars 1..5 (step 1).
struct synth_grid {
    double lo, step;
    int n;  // values lo, lo + step, ..., 5
};
constexpr synth_grid synth_half_grid{0.5, 0.5, 10}, synth_whole_grid{1.0, 1.0, 5};

// E[r | s] and E[r^2 | s] for x = s + N(0, noise^2), r = clamp(round x to the grid) (synth.cpp).
void synth_rating_moments(const synth_grid & g, double s, double noise, double & er, double & er2);

// The truth the oracle is given, borrowed from the generator's plan.
struct synth_oracle_model {
    int k = 0;
    int32_t n_users = 0, n_movies = 0;
    uint64_t seed = 0;
    double test_share = 0.1, mu = 0, noise = 0;
    const double * item_bias = nullptr;       // b_i (n_movies)
    const double * q = nullptr;               // q_i (n_movies x k)
    const double * item_bias_mean = nullptr;  // prior mean of b_i given genres and popularity
    const double * q_mean = nullptr;          // prior mean of q_i given genres (n_movies x k)
    double item_bias_var = 0, item_vector_var = 0;
    double user_bias_var = 0;
    const double * user_vector_var = nullptr;  // k
};

// Sums over test ratings, per chunk of users, added in user order.
struct synth_oracle_sums {
    int64_t n_test = 0;
    double floor_var = 0;   // sum Var(r | s)
    double floor_real = 0;  // sum (r - E[r | s])^2
    double user_mean = 0;   // sum (r - E[r | s^])^2, users estimated
    double user_clamp = 0;  // sum (r - clamp(s^))^2
    double movie_mean = 0;  // the same, movies estimated
    double movie_clamp = 0;
    void add(const synth_oracle_sums & o) {
        n_test += o.n_test;
        floor_var += o.floor_var;
        floor_real += o.floor_real;
        user_mean += o.user_mean;
        user_clamp += o.user_clamp;
        movie_mean += o.movie_mean;
        movie_clamp += o.movie_clamp;
    }
};

struct synth_oracle_test_row {
    int32_t user, movie;
    float rating;
    uint8_t half;  // the user's grid
};

// One thread's state: its share of the movies' normal equations, solver buffers.
struct synth_oracle_scratch {
    std::vector<int64_t> movie_acc;
    std::vector<double> a, b, z, y;
    std::vector<char> test;
};

class synth_oracle {
public:
    explicit synth_oracle(const synth_oracle_model & m);
    bool movie_side() const { return movie_side_; }
    synth_oracle_scratch make_scratch() const;
    // User u's rows in written order: movies, ratings r, Var(r | s) and E[r | s].
    // Estimates theta_u, scores its test ratings into sums, appends them to tests and adds its
    // training ratings to w's movie sums. Thread-safe for distinct users.
    void add_user(synth_oracle_scratch & w, int32_t u, bool half, double bu, const double * pu, int32_t n,
                  const int32_t * items, const double * r, const double * var, const double * er,
                  synth_oracle_sums & sums, std::vector<synth_oracle_test_row> & tests);
    // Adds w's movie sums into the total and clears them (integers: any order gives the same).
    void merge(synth_oracle_scratch & w);
    // Appends a chunk's test rows (call in user order).
    void append_tests(const std::vector<synth_oracle_test_row> & t) { tests_.insert(tests_.end(), t.begin(), t.end()); }
    // After every user: estimates the movies and scores the test rows into sums.movie_*.
    void finish(int threads, synth_oracle_sums & sums);

private:
    synth_oracle_model m_;
    int d_ = 0;       // k + 1 parameters per side
    int stride_ = 0;  // int64 per movie: packed Z'Z, Z'y, count, sum of Var
    bool movie_side_ = false;
    std::vector<int64_t> acc_;
    std::vector<double> user_theta_;  // true (b_u, p_u) per user
    std::vector<synth_oracle_test_row> tests_;
};

}  // namespace mf
