// synth_oracle.cpp - the oracle reference of `mfrec synth` (see synth_oracle.h for the formulas).
#include "synth_oracle.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "parallel.h"
#include "rng.h"

namespace mf {

namespace {

constexpr uint64_t salt_oracle = 0x4f5241434c453031ull;
constexpr double fx_scale = 4294967296.0;  // 2^32
constexpr size_t movie_budget_bytes = (size_t) 64 << 20;
constexpr int64_t score_block = 1 << 16;  // test rows per block of the movie side's scoring

// (truncation: a bias below 2^-32 per term, and a plain conversion instruction)
inline int64_t fx(double x) {
    return (int64_t) (x * fx_scale);
}

// Solves A x = b for a symmetric positive definite d x d A (row-major, lower triangle read) by
// Cholesky, in place: A becomes L, b becomes x. False when A is not positive definite.
bool cholesky_solve(double * a, double * b, int d) {
    for (int j = 0; j < d; ++j) {
        double sum = a[j * d + j];
        for (int l = 0; l < j; ++l) sum -= a[j * d + l] * a[j * d + l];
        if (!(sum > 0)) return false;
        const double ljj = std::sqrt(sum);
        a[j * d + j] = ljj;
        for (int i = j + 1; i < d; ++i) {
            double t = a[i * d + j];
            for (int l = 0; l < j; ++l) t -= a[i * d + l] * a[j * d + l];
            a[i * d + j] = t / ljj;
        }
    }
    for (int i = 0; i < d; ++i) {  // L y = b
        double t = b[i];
        for (int l = 0; l < i; ++l) t -= a[i * d + l] * b[l];
        b[i] = t / a[i * d + i];
    }
    for (int i = d - 1; i >= 0; --i) {  // L' x = y
        double t = b[i];
        for (int l = i + 1; l < d; ++l) t -= a[l * d + i] * b[l];
        b[i] = t / a[i * d + i];
    }
    return true;
}

// The ridge posterior mean: a holds Z'Z and b holds Z'y (lower triangle of a is enough); on
// return b = (P + Z'Z / v)^-1 (P m + Z'y / v), P = diag(1 / prior_var); the prior mean when
// v or the system is degenerate.
void ridge(double * a, double * b, int d, double v, const double * prior_mean, const double * prior_var) {
    v = std::max(v, 1e-12);
    for (int i = 0; i < d; ++i) {
        const double prec = 1.0 / std::max(prior_var[i], 1e-12);
        for (int j = 0; j <= i; ++j) a[i * d + j] /= v;
        a[i * d + i] += prec;
        b[i] = b[i] / v + prec * prior_mean[i];
    }
    if (!cholesky_solve(a, b, d))
        for (int i = 0; i < d; ++i) b[i] = prior_mean[i];
}

// Squared errors of E[r | s^] and of clamp(s^) against r.
inline void score(double sh, double r, bool half, double noise, double & e_mean, double & e_clamp) {
    const synth_grid & g = half ? synth_half_grid : synth_whole_grid;
    double er, er2;
    synth_rating_moments(g, sh, noise, er, er2);
    const double c = std::min(std::max(sh, g.lo), 5.0);
    e_mean = (r - er) * (r - er);
    e_clamp = (r - c) * (r - c);
}

}  // namespace

synth_oracle::synth_oracle(const synth_oracle_model & m) : m_(m), d_(m.k + 1) {
    stride_ = d_ * (d_ + 1) / 2 + d_ + 2;
    movie_side_ = (size_t) m_.n_movies * (size_t) stride_ * sizeof(int64_t) <= movie_budget_bytes;
    if (movie_side_) {
        acc_.assign((size_t) m_.n_movies * stride_, 0);
        user_theta_.assign((size_t) m_.n_users * d_, 0.0);
    }
}

synth_oracle_scratch synth_oracle::make_scratch() const {
    synth_oracle_scratch w;
    if (movie_side_) w.movie_acc.assign(acc_.size(), 0);
    w.a.resize((size_t) d_ * d_);
    w.b.resize(d_);
    w.z.resize(d_);
    w.y.resize(d_);
    return w;
}

void synth_oracle::add_user(synth_oracle_scratch & w, int32_t u, bool half, double bu, const double * pu, int32_t n,
                            const int32_t * items, const double * r, const double * var, const double * er,
                            synth_oracle_sums & sums, std::vector<synth_oracle_test_row> & tests) {
    const int k = m_.k, d = d_;
    const uint64_t base = rng_hash(m_.seed ^ salt_oracle, (uint64_t) u);
    w.test.resize(n);
    for (int32_t j = 0; j < n; ++j) {
        const uint64_t h = rng_hash(base, (uint64_t) j);
        w.test[j] = (double) (h >> 11) * (1.0 / 9007199254740992.0) < m_.test_share;
    }

    // user side: the ridge posterior mean of (b_u, p_u) from the training ratings
    double * a = w.a.data();
    double * b = w.b.data();
    double * z = w.z.data();
    std::fill(w.a.begin(), w.a.end(), 0.0);
    std::fill(w.b.begin(), w.b.end(), 0.0);
    double sum_var = 0;
    int32_t n_train = 0;
    for (int32_t j = 0; j < n; ++j) {
        if (w.test[j]) continue;
        const int32_t i = items[j];
        const double * qi = m_.q + (size_t) i * k;
        z[0] = 1;
        for (int f = 0; f < k; ++f) z[f + 1] = qi[f];
        const double y = r[j] - m_.mu - m_.item_bias[i];
        for (int p = 0; p < d; ++p) {
            for (int q = 0; q <= p; ++q) a[p * d + q] += z[p] * z[q];
            b[p] += z[p] * y;
        }
        sum_var += var[j];
        ++n_train;
    }
    std::vector<double> & prior_mean = w.y;  // zeros
    std::fill(prior_mean.begin(), prior_mean.end(), 0.0);
    double prior_var[257];
    prior_var[0] = m_.user_bias_var;
    for (int f = 0; f < k; ++f) prior_var[f + 1] = m_.user_vector_var[f];
    ridge(a, b, d, n_train > 0 ? sum_var / n_train : 1.0, prior_mean.data(), prior_var);

    for (int32_t j = 0; j < n; ++j) {
        if (!w.test[j]) continue;
        const int32_t i = items[j];
        const double * qi = m_.q + (size_t) i * k;
        double sh = m_.mu + m_.item_bias[i] + b[0];
        for (int f = 0; f < k; ++f) sh += qi[f] * b[f + 1];
        double e_mean, e_clamp;
        score(sh, r[j], half, m_.noise, e_mean, e_clamp);
        ++sums.n_test;
        sums.floor_var += var[j];
        sums.floor_real += (r[j] - er[j]) * (r[j] - er[j]);
        sums.user_mean += e_mean;
        sums.user_clamp += e_clamp;
        if (movie_side_) tests.push_back({u, i, (float) r[j], (uint8_t) half});
    }

    // movie side: the user's training ratings into the movies' normal equations
    if (!movie_side_) return;
    double * theta = &user_theta_[(size_t) u * d];
    theta[0] = bu;
    for (int f = 0; f < k; ++f) theta[f + 1] = pu[f];
    for (int32_t j = 0; j < n; ++j) {
        if (w.test[j]) continue;
        int64_t * acc = &w.movie_acc[(size_t) items[j] * stride_];
        const double y = r[j] - m_.mu - bu;
        int t = 0;
        for (int p = 0; p < d; ++p) {
            const double zp = p ? theta[p] : 1.0;  // z = (1, p_u)
            for (int q = 0; q <= p; ++q) acc[t++] += fx(zp * (q ? theta[q] : 1.0));
        }
        for (int p = 0; p < d; ++p) acc[t++] += fx((p ? theta[p] : 1.0) * y);
        acc[t++] += 1;
        acc[t++] += fx(var[j]);
    }
}

void synth_oracle::merge(synth_oracle_scratch & w) {
    if (!movie_side_) return;
    for (size_t x = 0; x < acc_.size(); ++x) acc_[x] += w.movie_acc[x];
    std::fill(w.movie_acc.begin(), w.movie_acc.end(), 0);
}

void synth_oracle::finish(int threads, synth_oracle_sums & sums) {
    if (!movie_side_) {
        sums.movie_mean = sums.movie_clamp = std::numeric_limits<double>::quiet_NaN();
        return;
    }
    const int k = m_.k, d = d_;
    const int32_t M = m_.n_movies;
    std::vector<double> movie_theta((size_t) M * d);
    parallel_for(
        M, threads, 256, [&]() { return std::vector<double>((size_t) d * d + 3 * (size_t) d); },
        [&](std::vector<double> & buf, int64_t i) {
            double * a = buf.data();
            double * b = a + d * d;
            double * mean = b + d;
            double * pvar = mean + d;
            const int64_t * acc = &acc_[(size_t) i * stride_];
            int t = 0;
            for (int p = 0; p < d; ++p)
                for (int q = 0; q <= p; ++q) a[p * d + q] = (double) acc[t++] / fx_scale;
            for (int p = 0; p < d; ++p) b[p] = (double) acc[t++] / fx_scale;
            const int64_t n = acc[t++];
            const double sum_var = (double) acc[t++] / fx_scale;
            mean[0] = m_.item_bias_mean[i];
            pvar[0] = m_.item_bias_var;
            for (int f = 0; f < k; ++f) mean[f + 1] = m_.q_mean[(size_t) i * k + f], pvar[f + 1] = m_.item_vector_var;
            double * out = &movie_theta[(size_t) i * d];
            if (n == 0) {
                for (int p = 0; p < d; ++p) out[p] = mean[p];
                return;
            }
            ridge(a, b, d, sum_var / (double) n, mean, pvar);
            for (int p = 0; p < d; ++p) out[p] = b[p];
        });

    const int64_t n_rows = (int64_t) tests_.size();
    const int64_t n_blocks = (n_rows + score_block - 1) / score_block;
    std::vector<double> block_mean(n_blocks, 0.0), block_clamp(n_blocks, 0.0);
    parallel_for(
        n_blocks, threads, 1, []() { return 0; },
        [&](int &, int64_t blk) {
            double sm = 0, sc = 0;
            const int64_t end = std::min(n_rows, (blk + 1) * score_block);
            for (int64_t x = blk * score_block; x < end; ++x) {
                const synth_oracle_test_row & row = tests_[x];
                const double * tu = &user_theta_[(size_t) row.user * d];
                const double * ti = &movie_theta[(size_t) row.movie * d];
                double sh = m_.mu + tu[0] + ti[0];
                for (int f = 1; f < d; ++f) sh += tu[f] * ti[f];
                double e_mean, e_clamp;
                score(sh, row.rating, row.half, m_.noise, e_mean, e_clamp);
                sm += e_mean;
                sc += e_clamp;
            }
            block_mean[blk] = sm;
            block_clamp[blk] = sc;
        });
    for (int64_t blk = 0; blk < n_blocks; ++blk) {
        sums.movie_mean += block_mean[blk];
        sums.movie_clamp += block_clamp[blk];
    }
}

}  // namespace mf
