// synth.cpp - the synthetic ratings generator (see synth.h for the model).
#include "synth.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <mutex>
#include <stdexcept>

#include "parallel.h"
#include "rng.h"
#include "synth_oracle.h"

namespace mf {

namespace {

constexpr int64_t time_begin = 788918400;  // 1995-01-01 00:00:00 UTC
constexpr int64_t time_end = 1697155199;   // 2023-10-12 23:59:59 UTC (ML-32M's last day)

// salts of the hashed streams (users use rng_hash(seed, user) itself)
constexpr uint64_t salt_select = 0x53454c4543543031ull;
constexpr uint64_t salt_movie = 0x4d4f564945533031ull;
constexpr uint64_t salt_genre = 0x47454e5245533031ull;
constexpr uint64_t salt_cover = 0x434f564552533031ull;

constexpr int32_t chunk_users = 64;    // users per text buffer
constexpr int32_t batch_chunks = 256;  // buffers generated in parallel, then written in order

// Inverse of the standard normal CDF (Acklam's rational approximation, relative error < 1.2e-9).
double inv_normal_cdf(double p) {
    static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,  -2.759285104469687e+02,
                               1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
    static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                               6.680131188771972e+01, -1.328068155288572e+01};
    static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                               -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
    static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                               3.754408661907416e+00};
    const double plow = 0.02425;
    if (p <= 0) return -40;
    if (p >= 1) return 40;
    if (p < plow) {
        double q = std::sqrt(-2 * std::log(p));
        return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
               ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    }
    if (p > 1 - plow) {
        double q = std::sqrt(-2 * std::log(1 - p));
        return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
               ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    }
    double q = p - 0.5, r = q * q;
    return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
           (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

// Walker/Vose alias table: one 64-bit draw per sample (index from the high half of a
// multiply-shift, the coin from the low half, which is uniform and independent of the index).
struct alias_table {
    std::vector<double> prob;
    std::vector<int32_t> alias;

    void build(const std::vector<double> & w) {
        size_t n = w.size();
        prob.assign(n, 1.0);
        alias.resize(n);
        double total = 0;
        for (double v : w) total += v;
        std::vector<double> scaled(n);
        std::vector<int32_t> small, large;
        for (size_t i = 0; i < n; ++i) {
            scaled[i] = w[i] * (double) n / total;
            alias[i] = (int32_t) i;
            (scaled[i] < 1.0 ? small : large).push_back((int32_t) i);
        }
        while (!small.empty() && !large.empty()) {
            int32_t s = small.back(), l = large.back();
            small.pop_back();
            prob[s] = scaled[s];
            alias[s] = l;
            scaled[l] = (scaled[l] + scaled[s]) - 1.0;
            if (scaled[l] < 1.0) {
                large.pop_back();
                small.push_back(l);
            }
        }
        for (int32_t i : large) prob[i] = 1.0;
        for (int32_t i : small) prob[i] = 1.0;  // rounding leftovers
    }
    int32_t sample(rng & r) const {
        unsigned __int128 m = (unsigned __int128) r.next_u64() * prob.size();
        int32_t i = (int32_t) (uint64_t) (m >> 64);
        double coin = (double) ((uint64_t) m >> 11) * (1.0 / 9007199254740992.0);
        return coin < prob[i] ? i : alias[i];
    }
};

char * put_uint(char * p, uint64_t v) {
    char tmp[20];
    int len = 0;
    do {
        tmp[len++] = (char) ('0' + v % 10);
        v /= 10;
    } while (v);
    while (len) *p++ = tmp[--len];
    return p;
}

struct short_text {
    char c[31];
    uint8_t len;
};

// Everything fixed before the users are generated.
struct plan {
    synth_options opt;
    synth_shape shape;
    int64_t n_ratings = 0;
    int32_t n_users = 0, n_movies = 0, k = 0, cap = 0;
    std::vector<int32_t> rows;        // catalog rows of the movies users can rate
    std::vector<short_text> id_text;  // their MovieLens ids as text
    std::vector<double> weight;       // popularity
    alias_table alias;
    std::vector<double> item_bias;       // b_i
    std::vector<double> q;               // n_movies x k
    std::vector<double> item_bias_mean;  // E[b_i | genres, popularity] (the oracle's prior)
    std::vector<double> q_mean;          // E[q_i | genres]: the mean genre vector (n_movies x k)
    std::vector<double> sigma_p;         // std of p_u's components, decaying (k)
    std::vector<double> sigma_p2;        // their variances (the oracle's prior)
    std::vector<int32_t> count;          // ratings per user
    std::vector<int64_t> forced_start;   // per user: its coverage movies forced[start[u], start[u+1])
    std::vector<int32_t> forced;
};

struct worker {
    std::vector<uint32_t> stamp;
    uint32_t epoch = 0;
    std::vector<int32_t> movie_count;
    int32_t heavy = 0;
    std::vector<int32_t> items;
    std::vector<double> s, x, gap, pu;
    double bu = 0;
    std::vector<double> r, var, er;  // per row: rating, Var(r | s), E[r | s] (for the oracle)
    synth_oracle_scratch oracle;
    std::vector<int64_t> ts;
    std::vector<std::pair<double, int32_t>> keys;
    bool half = false;  // this user rounds to half stars (else whole stars)
    int32_t half_users = 0;

    worker(const plan & p, const synth_oracle * oracle) : stamp(p.n_movies, 0), movie_count(p.n_movies, 0), pu(p.k) {
        if (oracle) this->oracle = oracle->make_scratch();
    }
};

// The first draw of a user's stream: its activity (used before the users are generated).
double user_activity_z(uint64_t seed, int32_t u) {
    rng r(rng_hash(seed, (uint64_t) u));
    return r.normal();
}

// A skew-normal with shape alpha, mirrored and standardised (mean 0, std 1, a long low tail):
// X = d|z0| + sqrt(1 - d^2) z1, d = alpha / sqrt(1 + alpha^2), E X = d sqrt(2/pi),
// Var X = 1 - 2 d^2 / pi. Ratings are left-skewed (few films or users are panned, most liked).
double low_skewed(rng & r, double alpha) {
    const double d = alpha / std::sqrt(1 + alpha * alpha), m = d * std::sqrt(2 / M_PI);
    const double x = d * std::fabs(r.normal()) + std::sqrt(1 - d * d) * r.normal();
    return -(x - m) / std::sqrt(1 - m * m);
}

// Generates user u's movies (in time order), clean scores s, noisy scores x and timestamps.
void generate_user(const plan & p, int32_t u, worker & w) {
    const synth_options & o = p.opt;
    rng r(rng_hash(o.seed, (uint64_t) u));
    r.normal();  // activity, drawn in the pre-pass
    const double bu = o.user_bias * low_skewed(r, o.bias_skew);
    w.bu = bu;
    for (int f = 0; f < p.k; ++f) w.pu[f] = p.sigma_p[f] * r.normal();
    w.half = r.uniform() < o.half_star_users;
    const int32_t n = p.count[u];

    // when: one sitting (40%), weeks to months (35%) or years (25%)
    double mode = r.uniform(), dur;
    if (mode < 0.40) {
        dur = (double) n * (10.0 + 50.0 * r.uniform());
    } else if (mode < 0.75) {
        dur = std::exp(std::log(20.0 * 86400) + 1.5 * r.normal());
    } else {
        dur = std::exp(std::log(3.0 * 365 * 86400) + 0.7 * r.normal());
    }
    const double span = (double) (time_end - time_begin);
    dur = std::max(dur, 2.0 * n + 10.0);
    dur = std::min(dur, span - n - 1.0);
    const int64_t t0 = time_begin + (int64_t) (r.uniform() * (span - dur - n - 1.0));

    // which: the movies this user is the first rater of (coverage), then more by popularity
    // without replacement; the coverage movies are inserted at random places in time
    const int32_t * forced = p.forced.data() + p.forced_start[u];
    const int32_t n_forced = (int32_t) (p.forced_start[u + 1] - p.forced_start[u]);
    const int32_t n_draw = n - n_forced;
    auto new_epoch = [&]() {
        if (++w.epoch == 0) {
            std::fill(w.stamp.begin(), w.stamp.end(), 0u);
            w.epoch = 1;
        }
        for (int32_t j = 0; j < n_forced; ++j) w.stamp[forced[j]] = w.epoch;
    };
    new_epoch();
    w.items.clear();
    bool heavy = (int64_t) n * 16 > (int64_t) p.n_movies;
    if (!heavy) {
        int64_t attempts = 0, limit = 8 * (int64_t) n + 1000;
        while ((int32_t) w.items.size() < n_draw && attempts < limit) {
            int32_t i = p.alias.sample(r);
            ++attempts;
            if (w.stamp[i] != w.epoch) {
                w.stamp[i] = w.epoch;
                w.items.push_back(i);
            }
        }
        if ((int32_t) w.items.size() < n_draw) {  // too many rejections: exact keys instead
            heavy = true;
            new_epoch();
        }
    }
    if (heavy) {
        // Efraimidis-Spirakis: the n smallest Exp(1)/w_i, in key order, are distributed as
        // sequential sampling without replacement
        ++w.heavy;
        w.items.clear();
        w.keys.clear();
        for (int32_t i = 0; i < p.n_movies; ++i) {
            double key = -std::log(1.0 - r.uniform()) / p.weight[i];
            if (w.stamp[i] != w.epoch) w.keys.push_back({key, i});
        }
        if (n_draw > 0) {
            std::nth_element(w.keys.begin(), w.keys.begin() + (n_draw - 1), w.keys.end());
            std::sort(w.keys.begin(), w.keys.begin() + n_draw);
        }
        for (int32_t j = 0; j < n_draw; ++j) w.items.push_back(w.keys[j].second);
    }
    for (int32_t j = 0; j < n_forced; ++j) {
        size_t at = (size_t) r.below(w.items.size() + 1);
        w.items.insert(w.items.begin() + (std::ptrdiff_t) at, forced[j]);
    }

    // how: planted score plus noise
    w.s.resize(n);
    w.x.resize(n);
    for (int32_t j = 0; j < n; ++j) {
        int32_t i = w.items[j];
        const double * qi = &p.q[(size_t) i * p.k];
        double dot = 0;
        for (int f = 0; f < p.k; ++f) dot += w.pu[f] * qi[f];
        double s = o.mu + bu + p.item_bias[i] + dot;
        w.s[j] = s;
        w.x[j] = s + o.noise * r.normal();
    }

    // timestamps: n sorted uniforms on [t0, t0 + dur] from exponential spacings, then strictly
    // increasing by at least one second
    w.gap.resize((size_t) n + 1);
    double total = 0;
    for (int32_t j = 0; j <= n; ++j) {
        w.gap[j] = -std::log(1.0 - r.uniform());
        total += w.gap[j];
    }
    w.ts.resize(n);
    double cum = 0;
    int64_t prev = t0 - 1;
    for (int32_t j = 0; j < n; ++j) {
        cum += w.gap[j];
        int64_t t = t0 + (int64_t) (cum / total * dur);
        if (t <= prev) t = prev + 1;
        w.ts[j] = t;
        prev = t;
    }
}

// The user's grid (synth_oracle.h): half stars 0.5..5 (step 0.5) or whole stars 1..5 (step 1).
using grid = synth_grid;
constexpr const grid & half_grid = synth_half_grid;
constexpr const grid & whole_grid = synth_whole_grid;

// rating = clamp(round to the grid(x), lo, 5): unbiased rounding, so E[rating | s] = s up to
// terms of order exp(-2 pi^2 noise^2 / step^2) (< 1e-4 here) away from the clamps
int rating_half_stars(const grid & g, double x) {
    double j = std::floor((x - g.lo) / g.step + 0.5);
    j = std::min(std::max(j, 0.0), (double) (g.n - 1));
    return (int) std::lround(2 * (g.lo + j * g.step));  // 1..10
}

// E[r | s] and E[r^2 | s] for x = s + N(0, noise^2): r >= v_j (j >= 1) exactly when
// x > v_j - step/2, so E r = lo + step sum_j P(x > c_j), E r^2 = lo^2 + sum_j (v_j^2 - v_{j-1}^2) P(x > c_j)
}  // namespace

void synth_rating_moments(const grid & g, double s, double noise, double & er, double & er2) {
    const double inv = 1.0 / (noise * std::sqrt(2.0));
    er = g.lo;
    er2 = g.lo * g.lo;
    for (int j = 1; j < g.n; ++j) {
        const double v = g.lo + j * g.step, pgt = 0.5 * std::erfc((v - 0.5 * g.step - s) * inv);
        er += g.step * pgt;
        er2 += (v * v - (v - g.step) * (v - g.step)) * pgt;
    }
}

namespace {

struct accum {
    std::array<int64_t, 10> hist{};
    double sum_r = 0, sum_r2 = 0, sum_var = 0, sum_real = 0, sum_clean = 0;
    synth_oracle_sums oracle;
    void add(const accum & a) {
        oracle.add(a.oracle);
        for (int j = 0; j < 10; ++j) hist[j] += a.hist[j];
        sum_r += a.sum_r;
        sum_r2 += a.sum_r2;
        sum_var += a.sum_var;
        sum_real += a.sum_real;
        sum_clean += a.sum_clean;
    }
};

// Builds everything but the thresholds.
plan make_plan(const synth_options & opt, const catalog & cat) {
    plan p;
    p.opt = opt;
    p.shape = synth_shape_like(opt.like);
    const synth_shape & sh = p.shape;
    synth_sizes z = synth_plan_sizes(opt, cat.size());
    p.k = opt.factors;
    const int32_t n_cat = cat.size();
    const int32_t min_u = sh.min_per_user;
    p.n_ratings = z.ratings;
    p.n_users = z.users;
    p.n_movies = z.movies;
    p.cap = z.user_cap;
    const double mean_u = (double) p.n_ratings / (double) p.n_users;

    // which movies: all, or a uniform sample (partial Fisher-Yates), in catalog order
    p.rows.resize(n_cat);
    for (int32_t i = 0; i < n_cat; ++i) p.rows[i] = i;
    if (p.n_movies < n_cat) {
        rng r(rng_hash(opt.seed ^ salt_select, 0));
        for (int32_t i = 0; i < p.n_movies; ++i) {
            int32_t j = i + (int32_t) r.below((uint64_t) (n_cat - i));
            std::swap(p.rows[i], p.rows[j]);
        }
        p.rows.resize(p.n_movies);
        std::sort(p.rows.begin(), p.rows.end());
    }
    const int32_t M = p.n_movies, k = p.k;
    p.id_text.resize(M);
    for (int32_t i = 0; i < M; ++i) {
        int32_t id = cat.movie_id[p.rows[i]];
        char buf[32];
        char * e = buf;
        if (id < 0) {
            *e++ = '-';
            e = put_uint(e, (uint64_t) (-(int64_t) id));
        } else {
            e = put_uint(e, (uint64_t) id);
        }
        std::memcpy(p.id_text[i].c, buf, (size_t) (e - buf));
        p.id_text[i].len = (uint8_t) (e - buf);
    }

    // genres: a bias and a k-vector each
    const int n_genres = genre_max;
    std::vector<double> g_bias(n_genres), g_vec((size_t) n_genres * k);
    for (int g = 0; g < n_genres; ++g) {
        rng r(rng_hash(opt.seed ^ salt_genre, (uint64_t) g));
        g_bias[g] = opt.genre_bias * r.normal();
        for (int f = 0; f < k; ++f) g_vec[(size_t) g * k + f] = opt.genre_vector * r.normal();
    }

    // popularity: lognormal, correlated with the rank of the movie id (low ids: popular)
    std::vector<int32_t> by_id(M);
    for (int32_t i = 0; i < M; ++i) by_id[i] = i;
    std::sort(by_id.begin(), by_id.end(),
              [&](int32_t a, int32_t b) { return cat.movie_id[p.rows[a]] < cat.movie_id[p.rows[b]]; });
    std::vector<double> z_id(M);
    for (int32_t r = 0; r < M; ++r) z_id[by_id[r]] = inv_normal_cdf(1.0 - (r + 0.5) / M);

    p.weight.resize(M);
    p.item_bias.resize(M);
    p.q.assign((size_t) M * k, 0.0);
    p.item_bias_mean.resize(M);
    p.q_mean.resize((size_t) M * k);
    const double rho = sh.pop_id_corr, rho_b = opt.item_bias_pop_corr;
    std::vector<double> sum_q2(k, 0.0);
    for (int32_t i = 0; i < M; ++i) {
        rng r(rng_hash(opt.seed ^ salt_movie, (uint64_t) (uint32_t) cat.movie_id[p.rows[i]]));
        double z_pop = rho * z_id[i] + std::sqrt(1 - rho * rho) * r.normal();
        p.weight[i] = std::exp(sh.pop_sigma * std::min(z_pop, sh.pop_head_z) +
                               sh.pop_head_sigma * std::max(0.0, z_pop - sh.pop_head_z));
        uint32_t mask = cat.genres[p.rows[i]];
        int ng = genre_count(mask);
        double gb = 0;
        double * qi = &p.q[(size_t) i * k];
        for (int g = 0; g < n_genres; ++g) {
            if (!(mask >> g & 1u)) continue;
            gb += g_bias[g] / ng;
            for (int f = 0; f < k; ++f) qi[f] += g_vec[(size_t) g * k + f] / ng;
        }
        p.item_bias[i] =
            gb + opt.item_bias * (rho_b * z_pop + std::sqrt(1 - rho_b * rho_b) * low_skewed(r, opt.bias_skew));
        p.item_bias_mean[i] = gb + opt.item_bias * rho_b * z_pop;
        for (int f = 0; f < k; ++f) p.q_mean[(size_t) i * k + f] = qi[f];
        for (int f = 0; f < k; ++f) {
            qi[f] += opt.item_vector * r.normal();
            sum_q2[f] += qi[f] * qi[f];
        }
    }
    p.alias.build(p.weight);
    // p_u components: variances decaying by factor_decay, scaled so p_u . q_i has std
    // `interaction` over users and movies: Var = sum_f sigma_f^2 E[q_f^2], sigma_f^2 = c decay^f
    double v_sum = 0;
    for (int f = 0; f < k; ++f) v_sum += std::pow(opt.factor_decay, f) * sum_q2[f] / M;
    p.sigma_p.resize(k);
    for (int f = 0; f < k; ++f) p.sigma_p[f] = opt.interaction * std::sqrt(std::pow(opt.factor_decay, f) / v_sum);

    // activity: min + a lognormal excess (median fixed by the shape), water-filled under the cap,
    // scaled so the total is exact (largest remainders get the leftover units)
    const int32_t U = p.n_users;
    const double excess_mean = mean_u - min_u, excess_median = sh.user_median - min_u;
    const double sigma_a =
        excess_median > 0 && excess_mean > excess_median ? std::sqrt(2 * std::log(excess_mean / excess_median)) : 0.0;
    std::vector<double> a(U);
    for (int32_t u = 0; u < U; ++u)
        a[u] = std::max(0.0, std::exp(sigma_a * user_activity_z(opt.seed, u)) - sh.user_floor);
    const int64_t excess_total = p.n_ratings - (int64_t) U * min_u;
    const double cap_ex = (double) (p.cap - min_u);
    // soft cap: excess = cap * (1 - exp(-c a / cap)), c by bisection so the sum is just below the
    // total (the floors then leave fewer units than users for the largest remainders)
    auto excess = [&](double c, double au) { return cap_ex * -std::expm1(-c * au / cap_ex); };
    auto excess_sum = [&](double c) {
        double sum = 0;
        for (int32_t u = 0; u < U; ++u) sum += excess(c, a[u]);
        return sum;
    };
    double c_lo = 0, c_hi = 1;
    while (excess_sum(c_hi) < (double) excess_total && c_hi < 1e30) c_hi *= 2;
    for (int iter = 0; iter < 64; ++iter) {
        double mid = 0.5 * (c_lo + c_hi);
        (excess_sum(mid) <= (double) excess_total ? c_lo : c_hi) = mid;
    }
    p.count.resize(U);
    std::vector<std::pair<double, int32_t>> frac;
    frac.reserve(U);
    int64_t assigned = 0;
    for (int32_t u = 0; u < U; ++u) {
        double e = std::min(excess(c_lo, a[u]), cap_ex);
        double fl = std::floor(e);
        p.count[u] = min_u + (int32_t) fl;
        assigned += (int64_t) fl;
        if (fl + 1 <= cap_ex) frac.push_back({e - fl, u});
    }
    int64_t left = excess_total - assigned;
    std::sort(frac.begin(), frac.end(), [](const std::pair<double, int32_t> & x, const std::pair<double, int32_t> & y) {
        return x.first != y.first ? x.first > y.first : x.second < y.second;
    });
    for (size_t j = 0; j < frac.size() && left > 0; ++j, --left) ++p.count[frac[j].second];
    for (int32_t u = 0; u < U && left > 0; ++u) {  // only when (nearly) every user is full
        int32_t room = p.cap - p.count[u];
        int32_t add = (int32_t) std::min<int64_t>(room, left);
        p.count[u] += add;
        left -= add;
    }
    if (left != 0) throw std::invalid_argument("cannot distribute the ratings over the users");

    // coverage (MovieLens lists a movie once someone rated it): every movie but the least
    // popular (1 - cover_share) gets one rating from a user drawn in proportion to its count
    // (at most half of a user's ratings are such first ratings)
    std::vector<int32_t> order(M);
    for (int32_t i = 0; i < M; ++i) order[i] = i;
    std::sort(order.begin(), order.end(),
              [&](int32_t x, int32_t y) { return p.weight[x] != p.weight[y] ? p.weight[x] > p.weight[y] : x < y; });
    const int32_t n_cover = (int32_t) std::llround(sh.cover_share * M);
    std::vector<char> covered(M, 0);
    for (int32_t j = 0; j < n_cover; ++j) covered[order[j]] = 1;
    std::vector<int64_t> cum(U);
    int64_t run = 0;
    for (int32_t u = 0; u < U; ++u) cum[u] = run += p.count[u];
    std::vector<int32_t> used(U, 0), owner(M, -1);
    int64_t room_left = 0;
    for (int32_t u = 0; u < U; ++u) room_left += p.count[u] / 2;
    for (int32_t i = 0; i < M && room_left > 0; ++i) {
        if (!covered[i]) continue;
        rng r(rng_hash(opt.seed ^ salt_cover, (uint64_t) (uint32_t) cat.movie_id[p.rows[i]]));
        int32_t u = -1;
        for (int t = 0; t < 64 && u < 0; ++t) {
            int64_t x = (int64_t) r.below((uint64_t) run);
            int32_t v = (int32_t) (std::upper_bound(cum.begin(), cum.end(), x) - cum.begin());
            if (used[v] < p.count[v] / 2) u = v;
        }
        for (int32_t v = 0; v < U && u < 0; ++v)
            if (used[v] < p.count[v] / 2) u = v;
        owner[i] = u;
        ++used[u];
        --room_left;
    }
    p.forced_start.assign((size_t) U + 1, 0);
    for (int32_t u = 0; u < U; ++u) p.forced_start[u + 1] = p.forced_start[u] + used[u];
    p.forced.resize((size_t) p.forced_start[U]);
    std::vector<int64_t> fill(p.forced_start.begin(), p.forced_start.end() - 1);
    for (int32_t i = 0; i < M; ++i)
        if (owner[i] >= 0) p.forced[(size_t) fill[owner[i]]++] = i;
    return p;
}

const char rating_text[10][4] = {"0.5", "1.0", "1.5", "2.0", "2.5", "3.0", "3.5", "4.0", "4.5", "5.0"};

// Formats user u's rows into buf and adds its moments to acc (and the oracle's sums, if any).
void emit_user(const plan & p, int32_t u, worker & w, std::string & buf, accum & acc, synth_oracle * oracle,
               std::vector<synth_oracle_test_row> & tests) {
    const int32_t n = p.count[u];
    char uid[24];
    size_t uid_len = (size_t) (put_uint(uid, (uint64_t) u + 1) - uid);
    uid[uid_len++] = ',';
    size_t old = buf.size();
    buf.resize(old + (size_t) n * (uid_len + 40));
    char * o = &buf[old];
    const grid & g = w.half ? half_grid : whole_grid;
    w.half_users += w.half;
    double sr = 0, sr2 = 0, svar = 0, sreal = 0, sclean = 0;
    if (oracle) {
        w.r.resize(n);
        w.var.resize(n);
        w.er.resize(n);
    }
    for (int32_t j = 0; j < n; ++j) {
        const int32_t i = w.items[j];
        const int ri = rating_half_stars(g, w.x[j]) - 1;
        const double r = 0.5 * (ri + 1);
        ++acc.hist[ri];
        ++w.movie_count[i];
        const double s = w.s[j];
        double er, er2;
        synth_rating_moments(g, s, p.opt.noise, er, er2);
        const double var = er2 - er * er;
        sr += r;
        sr2 += r * r;
        svar += var > 0 ? var : 0;
        sreal += (r - er) * (r - er);
        sclean += (r - s) * (r - s);
        if (oracle) {
            w.r[j] = r;
            w.var[j] = var > 0 ? var : 0;
            w.er[j] = er;
        }

        std::memcpy(o, uid, uid_len);
        o += uid_len;
        std::memcpy(o, p.id_text[i].c, p.id_text[i].len);
        o += p.id_text[i].len;
        *o++ = ',';
        std::memcpy(o, rating_text[ri], 3);
        o += 3;
        *o++ = ',';
        o = put_uint(o, (uint64_t) w.ts[j]);
        *o++ = '\n';
    }
    buf.resize((size_t) (o - buf.data()));
    if (oracle)
        oracle->add_user(w.oracle, u, w.half, w.bu, w.pu.data(), n, w.items.data(), w.r.data(), w.var.data(),
                         w.er.data(), acc.oracle, tests);
    acc.sum_r += sr;
    acc.sum_r2 += sr2;
    acc.sum_var += svar;
    acc.sum_real += sreal;
    acc.sum_clean += sclean;
}

double median_of(std::vector<int32_t> v) {
    if (v.empty()) return 0;
    size_t m = v.size() / 2;
    std::nth_element(v.begin(), v.begin() + m, v.end());
    double hi = v[m];
    if (v.size() % 2) return hi;
    double lo = *std::max_element(v.begin(), v.begin() + m);
    return 0.5 * (lo + hi);
}

}  // namespace

synth_sizes synth_plan_sizes(const synth_options & opt, int32_t catalog_movies) {
    const synth_shape sh = synth_shape_like(opt.like);
    if (opt.factors < 1 || opt.factors > 256) throw std::invalid_argument("factors must be in 1..256");
    if (!(opt.noise > 0) || !std::isfinite(opt.noise)) throw std::invalid_argument("noise must be positive");
    if (!(opt.factor_decay > 0 && opt.factor_decay <= 1)) throw std::invalid_argument("factor_decay must be in (0, 1]");
    if (!(opt.half_star_users >= 0 && opt.half_star_users <= 1))
        throw std::invalid_argument("half_star_users must be in [0, 1]");
    if (opt.oracle && !(opt.oracle_test_share > 0 && opt.oracle_test_share < 1))
        throw std::invalid_argument("oracle_test_share must be in (0, 1)");
    const int32_t min_u = sh.min_per_user;
    synth_sizes z;
    const bool scaled = opt.ratings > 0 && opt.ratings != sh.ratings;
    z.ratings = opt.ratings > 0 ? opt.ratings : sh.ratings;
    if (z.ratings < min_u)
        throw std::invalid_argument("--ratings " + std::to_string(z.ratings) + " is below one user's minimum of " +
                                    std::to_string(min_u) + " ratings");
    const double scale = (double) z.ratings / (double) sh.ratings;
    int64_t users = scaled ? std::llround(sh.users * scale) : sh.users;
    users = std::max<int64_t>(users, 1);
    users = std::min<int64_t>(users, z.ratings / min_u);
    if (users > 100000000) throw std::invalid_argument("--ratings " + std::to_string(z.ratings) + ": too many users");
    z.users = (int32_t) users;
    const double mean_u = (double) z.ratings / (double) z.users;

    // movies: the release's count scaled with the ratings, but at least 20x a user's mean
    // activity (so users keep their long tail), at most the catalog
    int64_t movies = scaled ? std::llround(sh.movies * scale) : sh.movies;
    movies = std::max<int64_t>(movies, (int64_t) std::ceil(20 * mean_u));
    movies = std::min<int64_t>(movies, catalog_movies);
    if (movies < min_u)
        throw std::invalid_argument("the catalog has " + std::to_string(catalog_movies) + " movies, fewer than the " +
                                    std::to_string(min_u) + " each user must rate");
    z.movies = (int32_t) movies;
    int64_t cap = (int64_t) (sh.user_cap_share * (double) movies);
    if (cap < 2 * mean_u) cap = std::min<int64_t>(movies, (int64_t) std::ceil(2 * mean_u));
    if ((double) cap < mean_u || cap < min_u)
        throw std::invalid_argument(std::to_string(z.ratings) + " ratings from " + std::to_string(z.users) +
                                    " users do not fit " + std::to_string(movies) + " movies");
    z.user_cap = (int32_t) cap;
    return z;
}

synth_shape synth_shape_like(const std::string & like) {
    synth_shape s;
    s.name = like;
    if (like == "ml-32m") {
        s.ratings = 32000204;
        s.users = 200948;
        s.movies = 87585;
        s.min_per_user = 20;
        s.user_median = 73;
        s.user_cap_share = 0.25;
        s.user_floor = 0.06;
        s.pop_sigma = 3.05;  // tuned: most rated ~100k, median rated movie ~11, ~84k rated
        s.pop_head_z = 2.3;
        s.pop_head_sigma = 1.7;
        s.pop_id_corr = 0.6;
        s.cover_share = 0.96;
        s.hist = {0.016, 0.030, 0.016, 0.066, 0.050, 0.196, 0.126, 0.266, 0.086, 0.146};
    } else if (like == "ml-latest-small") {
        s.ratings = 100836;
        s.users = 610;
        s.movies = 9742;
        s.min_per_user = 20;
        s.user_median = 62;  // measured ~71 as in the release
        s.user_cap_share = 0.3;
        s.user_floor = 0.06;
        s.pop_sigma = 1.9;  // tuned: most rated ~300, median 3, 99.8% rated
        s.pop_head_z = 2.3;
        s.pop_head_sigma = 1.2;
        s.pop_id_corr = 0.6;
        s.cover_share = 0.998;
        // the shares of data/ml-latest-small/ratings.csv
        s.hist = {0.0136, 0.0279, 0.0178, 0.0749, 0.0550, 0.1988, 0.1303, 0.2660, 0.0848, 0.1310};
    } else {
        throw std::invalid_argument("unknown --like \"" + like + "\" (expected ml-32m or ml-latest-small)");
    }
    double total = 0;
    for (double v : s.hist) total += v;
    for (double & v : s.hist) v /= total;
    return s;
}

synth_stats synth_generate(const synth_options & opt, const catalog & cat, const synth_sink & sink,
                           const synth_progress & progress) {
    plan p = make_plan(opt, cat);
    const int32_t U = p.n_users, M = p.n_movies;

    static const char header[] = "userId,movieId,rating,timestamp\n";
    sink(header, sizeof header - 1);

    std::unique_ptr<synth_oracle> oracle;
    if (opt.oracle) {
        synth_oracle_model m;
        m.k = p.k;
        m.n_users = U;
        m.n_movies = M;
        m.seed = opt.seed;
        m.test_share = opt.oracle_test_share;
        m.mu = opt.mu;
        m.noise = opt.noise;
        m.item_bias = p.item_bias.data();
        m.q = p.q.data();
        m.item_bias_mean = p.item_bias_mean.data();
        m.q_mean = p.q_mean.data();
        m.item_bias_var = opt.item_bias * opt.item_bias * (1 - opt.item_bias_pop_corr * opt.item_bias_pop_corr);
        m.item_vector_var = opt.item_vector * opt.item_vector;
        m.user_bias_var = opt.user_bias * opt.user_bias;  // b_u: a standardised skew-normal times user_bias
        p.sigma_p2.resize(p.k);
        for (int f = 0; f < p.k; ++f) p.sigma_p2[f] = p.sigma_p[f] * p.sigma_p[f];
        m.user_vector_var = p.sigma_p2.data();
        oracle = std::make_unique<synth_oracle>(m);
    }

    const int64_t n_chunks = (U + chunk_users - 1) / chunk_users;
    std::vector<std::string> bufs(batch_chunks);
    std::vector<accum> accs(batch_chunks);
    std::vector<std::vector<synth_oracle_test_row>> tests(batch_chunks);
    accum total;
    std::vector<int64_t> movie_count(M, 0);
    int32_t heavy = 0, half_users = 0;
    int64_t done = 0;
    std::mutex mu;
    for (int64_t b0 = 0; b0 < n_chunks; b0 += batch_chunks) {
        const int64_t nb = std::min<int64_t>(batch_chunks, n_chunks - b0);
        std::vector<std::shared_ptr<worker>> workers;
        parallel_for(
            nb, opt.threads, 1,
            [&]() {
                auto w = std::make_shared<worker>(p, oracle.get());
                std::lock_guard<std::mutex> lock(mu);
                workers.push_back(w);
                return w;
            },
            [&](std::shared_ptr<worker> & w, int64_t c) {
                std::string & buf = bufs[c];
                buf.clear();
                accs[c] = accum{};
                tests[c].clear();
                const int32_t u0 = (int32_t) ((b0 + c) * chunk_users);
                const int32_t u1 = std::min<int32_t>(U, u0 + chunk_users);
                for (int32_t u = u0; u < u1; ++u) {
                    generate_user(p, u, *w);
                    emit_user(p, u, *w, buf, accs[c], oracle.get(), tests[c]);
                }
            });
        for (int64_t c = 0; c < nb; ++c) {
            sink(bufs[c].data(), bufs[c].size());
            total.add(accs[c]);
            for (int j = 0; j < 10; ++j) done += accs[c].hist[j];
            if (oracle) oracle->append_tests(tests[c]);
        }
        for (auto & w : workers) {
            for (int32_t i = 0; i < M; ++i) movie_count[i] += w->movie_count[i];
            heavy += w->heavy;
            half_users += w->half_users;
            if (oracle) oracle->merge(w->oracle);
        }
        if (progress) progress(done, p.n_ratings);
    }

    if (oracle) oracle->finish(opt.threads, total.oracle);

    synth_stats st;
    st.like = p.shape.name;
    st.ratings = done;
    st.users = U;
    st.movies = M;
    st.catalog_movies = cat.size();
    st.user_cap = p.cap;
    st.user_min = *std::min_element(p.count.begin(), p.count.end());
    st.user_max = *std::max_element(p.count.begin(), p.count.end());
    st.user_mean = (double) done / U;
    st.user_median = median_of(p.count);
    std::vector<int32_t> rated;
    for (int32_t i = 0; i < M; ++i)
        if (movie_count[i] > 0) rated.push_back((int32_t) movie_count[i]);
    st.movies_rated = (int32_t) rated.size();
    st.movie_max = rated.empty() ? 0 : *std::max_element(rated.begin(), rated.end());
    st.movie_median = median_of(rated);
    st.hist = total.hist;
    const double n = (double) done;
    st.mean_rating = total.sum_r / n;
    st.rating_std = std::sqrt(std::max(0.0, total.sum_r2 / n - st.mean_rating * st.mean_rating));
    st.noise = opt.noise;
    st.floor_rmse = std::sqrt(total.sum_var / n);
    st.floor_rmse_realized = std::sqrt(total.sum_real / n);
    st.clean_score_rmse = std::sqrt(total.sum_clean / n);
    st.interaction_scale = p.k > 0 ? p.sigma_p[0] : 0.0;
    st.half_star_users = half_users;
    st.heavy_users = heavy;
    st.movie_rows = p.rows;
    if (oracle) {
        const synth_oracle_sums & o = total.oracle;
        const double nt = (double) std::max<int64_t>(o.n_test, 1);
        st.oracle = true;
        st.oracle_test_share = opt.oracle_test_share;
        st.oracle_test_ratings = o.n_test;
        st.oracle_floor_rmse = std::sqrt(o.floor_var / nt);
        st.oracle_floor_rmse_realized = std::sqrt(o.floor_real / nt);
        st.oracle_rmse = std::sqrt(o.user_mean / nt);
        st.oracle_rmse_clamp = std::sqrt(o.user_clamp / nt);
        st.oracle_rmse_known_users = std::sqrt(o.movie_mean / nt);  // NaN when skipped
        st.oracle_rmse_known_users_clamp = std::sqrt(o.movie_clamp / nt);
    }
    return st;
}

std::string synth_generate_string(const synth_options & opt, const catalog & cat, synth_stats * stats) {
    std::string out;
    synth_stats st = synth_generate(opt, cat, [&](const char * d, size_t n) { out.append(d, n); });
    if (stats) *stats = std::move(st);
    return out;
}

}  // namespace mf
