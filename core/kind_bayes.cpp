// kind_bayes.cpp - the Gibbs sampler of `--model bayes` (kind_bayes.h has the model).
#include "kind_bayes.h"

#include <Eigen/Cholesky>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "bayes_draw.h"
#include "gram.h"
#include "parallel.h"
#include "params.h"

namespace mf {

// A pass with less work (ml-latest-small at k = 10: ~10⁷ flops, a few ms) loses more to a parallel
// region on a busy machine than it gains (measured: the default run took 67 s on 2 threads
// against 28 s on 1 at load average 6).
int64_t bayes_parallel_min_work = (int64_t) 1 << 24;

// Passes with at least this much work (ratings × (k+1)², about 10⁹: the 32M data at any k; not
// ml-latest-small, nor 1M ratings at k <= 32) sum their products in single precision with the
// vector kernels (gram.h), 3-4× faster per sweep; below it they stay in double, where a sweep takes
// milliseconds anyway. Measured on ml-latest-small with single precision everywhere: test RMSE
// 0.8126 (double 0.8113), ±2 sd coverage 0.9438 (double 0.945, band 0.944-0.964).
int64_t bayes_float_min_work = (int64_t) 1 << 30;

namespace {

using matrix_d = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// generator streams of a sweep
enum stream : uint64_t {
    s_noise = 1,
    s_user_hyper,
    s_item_hyper,
    s_user_rows,
    s_item_rows,
    s_user_side,
    s_item_side,
    s_user_demo
};

constexpr int cg_max_steps = 8;  // per side per sweep, warm-started from the last β
constexpr double cg_tol = 1e-8;  // on ‖r‖² / ‖b‖² per column
// rows per parallel chunk of the light passes: a parallel region costs more than a few thousand
// short rows on a busy machine (measured: 2 threads 8× slower than 1 at 64-row chunks)
constexpr int64_t light_chunk = 4096;

// The side-information block of one side: features F (n × d, CSR) and Fᵀ, the link β (d × D),
// its precision scale λ_β and the prior offsets F β (n × D).
struct side_block {
    sparse_rows f, ft;
    int32_t d = 0;
    matrix_d beta, offset;
    double lambda = 1.0;
    bool on() const { return d > 0; }
};

// CSR of (row, col, val) triplets given row by row: rows[r] = list of (col, val).
void side_build(const std::vector<std::vector<std::pair<int32_t, float>>> & rows, int32_t d, int dim, side_block & s) {
    const int32_t n = (int32_t) rows.size();
    s.d = d;
    s.f.ptr.assign((size_t) n + 1, 0);
    std::vector<uint64_t> col_count((size_t) d + 1, 0);
    for (int32_t r = 0; r < n; ++r) {
        s.f.ptr[r + 1] = s.f.ptr[r] + rows[r].size();
        for (const auto & e : rows[r]) ++col_count[(size_t) e.first + 1];
    }
    s.f.idx.resize(s.f.ptr[n]);
    s.f.val.resize(s.f.ptr[n]);
    s.ft.ptr.assign((size_t) d + 1, 0);
    for (int32_t c = 0; c < d; ++c) s.ft.ptr[c + 1] = s.ft.ptr[c] + col_count[(size_t) c + 1];
    s.ft.idx.resize(s.f.ptr[n]);
    s.ft.val.resize(s.f.ptr[n]);
    std::vector<uint64_t> at(s.ft.ptr.begin(), s.ft.ptr.end() - 1);
    for (int32_t r = 0; r < n; ++r) {
        uint64_t e = s.f.ptr[r];
        for (const auto & x : rows[r]) {
            s.f.idx[e] = x.first;
            s.f.val[e] = x.second;
            ++e;
            s.ft.idx[at[(size_t) x.first]] = r;
            s.ft.val[at[(size_t) x.first]++] = x.second;
        }
    }
    s.beta = matrix_d::Zero(d, dim);
    s.offset = matrix_d::Zero(n, dim);
}

// Dense rows in single precision for the sparse products: rows dp = padded(D) floats apart
// (64-byte aligned, zero padding). The side blocks' products gather a random row per nonzero;
// floats halve that traffic and the vector kernels (gram.h) take 8-16 of them per instruction.
struct rows_f {
    aligned_floats a;
    int64_t n = 0;
    int dp = 0;
    void shape(int64_t rows, int width) {
        n = rows;
        dp = width;
        a.reserve_at_least((size_t) std::max<int64_t>(1, rows * width));
    }
    float * row(int64_t r) { return a.data() + r * dp; }
    const float * row(int64_t r) const { return a.data() + r * dp; }
};

void to_float(const matrix_d & v, int dp, rows_f & out) {
    out.shape(v.rows(), dp);
    const int64_t w = v.cols();
    for (int64_t r = 0; r < v.rows(); ++r) {
        float * o = out.row(r);
        const double * x = v.data() + r * w;
        for (int64_t c = 0; c < w; ++c) o[c] = (float) x[c];
        for (int64_t c = w; c < dp; ++c) o[c] = 0.0f;
    }
}

// out = M v (M CSR, v rows_f), rows in parallel
void csr_times(const sparse_rows & mtx, const rows_f & v, rows_f & out, const kern::kernel_set & ks, int threads) {
    out.shape(mtx.rows(), v.dp);
    if (mtx.nnz() * v.dp < bayes_parallel_min_work) threads = 1;
    parallel_for(
        mtx.rows(), threads, 256, [] { return 0; },
        [&](int, int64_t r) {
            const uint64_t b = mtx.ptr[r];
            ks.spmm_row(mtx.idx.data() + b, mtx.val.data() + b, (int64_t) (mtx.ptr[r + 1] - b), v.a.data(), v.dp,
                        out.row(r));
        });
}

// out = M v in double (M CSR, v dense rows), rows in parallel
void csr_times_exact(const sparse_rows & mtx, const matrix_d & v, matrix_d & out, int threads) {
    out.resize(mtx.rows(), v.cols());
    if (mtx.nnz() * v.cols() < bayes_parallel_min_work) threads = 1;
    parallel_for(
        mtx.rows(), threads, light_chunk, [] { return 0; },
        [&](int, int64_t r) {
            // plain loops over contiguous rows: Eigen's dynamic-size row expressions were slower here
            const int64_t w = v.cols();
            double * o = out.data() + r * w;
            for (int64_t c = 0; c < w; ++c) o[c] = 0.0;
            for (uint64_t e = mtx.ptr[r]; e < mtx.ptr[r + 1]; ++e) {
                const double a = (double) mtx.val[e];
                const double * x = v.data() + (int64_t) mtx.idx[e] * w;
                for (int64_t c = 0; c < w; ++c) o[c] += a * x[c];
            }
        });
}

// out (double, D columns) = M v
void csr_times(const sparse_rows & mtx, const rows_f & v, matrix_d & out, rows_f & tmp, const kern::kernel_set & ks,
               int threads) {
    csr_times(mtx, v, tmp, ks, threads);
    const int64_t w = out.cols();
    out.resize(mtx.rows(), w);
    for (int64_t r = 0; r < out.rows(); ++r) {
        const float * x = tmp.row(r);
        double * o = out.data() + r * w;
        for (int64_t c = 0; c < w; ++c) o[c] = (double) x[c];
    }
}

// A draw of β given the rows X: (FᵀF + λ I) β = Fᵀ(X - μ + E₁) + sqrt(λ) E₂, by CG per column
// (warm-started from the last β), then λ_β | β ~ Gamma(1 + dD/2, 1 + tr(β Λ βᵀ)/2) and F β.
// The products with F and Fᵀ run in single precision (rows_f); CG's vectors and scalars stay
// double. (A Jacobi preconditioner was tried: it lowered the residual and ml-latest-small's test
// RMSE by ~0.001 but also the ±2 sd coverage to 0.941, under its band: not taken.)
void side_sample(side_block & s, const matrix_d & x, const Eigen::VectorXd & mu, const Eigen::MatrixXd & lambda,
                 uint64_t seed, uint64_t sweep, uint64_t strm, int threads) {
    const int dim = (int) x.cols();
    const int32_t n = (int32_t) x.rows();
    // E rows ~ N(0, Λ⁻¹): L⁻ᵀ z with Λ = L Lᵀ
    const Eigen::LLT<Eigen::MatrixXd> llt(lambda);
    matrix_d t(n, dim);
    if ((int64_t) n * dim * dim < bayes_parallel_min_work) threads = 1;
    parallel_for(
        n, threads, light_chunk, [] { return Eigen::VectorXd(); },
        [&](Eigen::VectorXd & z, int64_t r) {
            rng g = bayes_rng(seed, sweep, strm, (uint64_t) r);
            z.resize(dim);
            for (int j = 0; j < dim; ++j) z(j) = g.normal();
            llt.matrixU().solveInPlace(z);
            t.row(r) = x.row(r) - mu.transpose() + z.transpose();
        });
    const kern::kernel_set & ks = kern::kernels_for(dim);
    const int dp = ks.padded(dim);
    rows_f in_f, mid_f, out_f;
    matrix_d fv;
    // out = M in: in double below bayes_float_min_work, else through float rows and spmm_row
    const bool exact = s.f.nnz() * (int64_t) dim * dim < bayes_float_min_work;
    auto times = [&](const sparse_rows & mtx, const matrix_d & in, matrix_d & out) {
        if (exact) return csr_times_exact(mtx, in, out, threads);
        to_float(in, dp, in_f);
        out.resize(mtx.rows(), dim);
        csr_times(mtx, in_f, out, out_f, ks, threads);
    };
    matrix_d b(s.d, dim);
    times(s.ft, t, b);
    const double sl = std::sqrt(s.lambda);
    for (int32_t c = 0; c < s.d; ++c) {
        rng g = bayes_rng(seed, sweep, strm, (uint64_t) n + (uint64_t) c);
        Eigen::VectorXd z(dim);
        for (int j = 0; j < dim; ++j) z(j) = g.normal();
        llt.matrixU().solveInPlace(z);
        b.row(c) += sl * z.transpose();
    }
    // CG on every column at once (columns are independent systems; scalars per column)
    matrix_d & v = s.beta;
    matrix_d av(s.d, dim);
    auto apply = [&](const matrix_d & in, matrix_d & out) {
        if (exact) {
            csr_times_exact(s.f, in, fv, threads);
            csr_times_exact(s.ft, fv, out, threads);
        } else {
            to_float(in, dp, in_f);
            csr_times(s.f, in_f, mid_f, ks, threads);
            csr_times(s.ft, mid_f, out, out_f, ks, threads);
        }
        out += s.lambda * in;
    };
    apply(v, av);
    matrix_d r = b - av, p = r;
    Eigen::RowVectorXd rs = r.colwise().squaredNorm();
    const Eigen::RowVectorXd bs = b.colwise().squaredNorm();
    for (int it = 0; it < cg_max_steps; ++it) {
        bool done = true;
        for (int j = 0; j < dim; ++j) done = done && rs(j) <= cg_tol * std::max(bs(j), 1e-300);
        if (done) break;
        apply(p, av);
        // the per-column scalars, then whole-matrix updates (row-major storage: no strided columns)
        const Eigen::RowVectorXd pap = p.cwiseProduct(av).colwise().sum();
        Eigen::VectorXd a(dim);
        for (int j = 0; j < dim; ++j) a(j) = pap(j) > 0.0 && rs(j) > 0.0 ? rs(j) / pap(j) : 0.0;
        v.noalias() += p * a.asDiagonal();
        r.noalias() -= av * a.asDiagonal();
        const Eigen::RowVectorXd rn = r.colwise().squaredNorm();
        Eigen::VectorXd beta(dim);
        for (int j = 0; j < dim; ++j) beta(j) = rs(j) > 0.0 ? rn(j) / rs(j) : 0.0;
        p = r + p * beta.asDiagonal();
        rs = rn;
    }
    rng g = bayes_rng(seed, sweep, strm, (uint64_t) n + (uint64_t) s.d);
    const double q = (v * lambda).cwiseProduct(v).sum();
    s.lambda = draw_gamma(g, 1.0 + 0.5 * (double) s.d * dim) / (1.0 + 0.5 * q);
    times(s.f, v, s.offset);
}

// Normal–Wishart draw of (μ, Λ) given the rows minus their side offsets (μ₀ = 0, β₀ = 2,
// W₀ = I, ν₀ = D): with x̄, S = the mean and scatter of the N rows,
//   W*⁻¹ = I + N S + β₀N/(β₀+N) x̄x̄ᵀ,  Λ ~ W(W*, D + N),  μ ~ N(N x̄/(β₀+N), ((β₀+N) Λ)⁻¹)
void hyper_sample(const matrix_d & x, const matrix_d * offset, rng & g, Eigen::VectorXd & mu, Eigen::MatrixXd & lam) {
    const Eigen::Index dim = x.cols(), n = x.rows();
    const double b0 = 2.0;
    Eigen::VectorXd sum = Eigen::VectorXd::Zero(dim);
    Eigen::MatrixXd sq = Eigen::MatrixXd::Zero(dim, dim);
    constexpr Eigen::Index block = 2048;
    for (Eigen::Index r0 = 0; r0 < n; r0 += block) {
        const Eigen::Index nr = std::min(block, n - r0);
        Eigen::MatrixXd c = x.middleRows(r0, nr);
        if (offset) c -= offset->middleRows(r0, nr);
        sum += c.colwise().sum().transpose();
        sq.noalias() += c.transpose() * c;
    }
    const double nn = (double) n;
    const Eigen::VectorXd mean = n > 0 ? Eigen::VectorXd(sum / nn) : Eigen::VectorXd::Zero(dim);
    const Eigen::MatrixXd scatter = sq - nn * mean * mean.transpose();  // N S
    Eigen::MatrixXd winv =
        Eigen::MatrixXd::Identity(dim, dim) + scatter + (b0 * nn / (b0 + nn)) * mean * mean.transpose();
    winv = 0.5 * (winv + winv.transpose());
    const Eigen::MatrixXd w = winv.llt().solve(Eigen::MatrixXd::Identity(dim, dim));
    lam = draw_wishart(g, 0.5 * (w + w.transpose()), (double) dim + nn);
    const Eigen::LLT<Eigen::MatrixXd> llt((b0 + nn) * lam);
    Eigen::VectorXd m0 = (nn / (b0 + nn)) * mean;
    Eigen::VectorXd z(dim);
    for (Eigen::Index j = 0; j < dim; ++j) z(j) = g.normal();
    llt.matrixU().solveInPlace(z);
    mu = m0 + z;
}

struct row_scratch {
    aligned_floats z, a;    // a chunk of design rows (dp floats each), their Gram (dp × dp, column-major)
    Eigen::MatrixXd p, zd;  // zd: the design rows in double (below bayes_float_min_work)
    Eigen::VectorXd b, bz, x, t;
};

// Draws every row of `self` given the other side: precision Λ + α ZᵀZ, z = [1, v_o] and target
// r - μ - b_o, mean P⁻¹(Λ (μ_h + offset) + α Zᵀt). Above bayes_float_min_work ZᵀZ is summed in
// single precision by the Gram kernel of the ALS solves (gram.h), from a float copy of the other
// side's rows [1, v_o, b_o, 0…] (the bias in the padding), Zᵀt in double; below it all in double.
void rows_sample(const sparse_rows & rows, const matrix_d & other, matrix_d & self, float mu_r, double alpha,
                 const Eigen::VectorXd & mu, const Eigen::MatrixXd & lam, const matrix_d * offset, uint64_t seed,
                 uint64_t sweep, uint64_t strm, int threads) {
    const int dim = (int) self.cols();
    const Eigen::VectorXd lmu = lam * mu;
    const bool exact = rows.nnz() * (int64_t) dim * dim < bayes_float_min_work;
    const kern::kernel_set & ks = kern::kernels_for(dim + 1);
    const int dp = ks.padded(dim + 1);
    rows_f of;
    if (!exact) {
        of.shape(other.rows(), dp);
        for (int64_t r = 0; r < other.rows(); ++r) {
            float * o = of.row(r);
            o[0] = 1.0f;
            for (int c = 1; c < dim; ++c) o[c] = (float) other(r, c);
            o[dim] = (float) other(r, 0);
            for (int c = dim + 1; c < dp; ++c) o[c] = 0.0f;
        }
    }
    constexpr int64_t chunk = 256;
    if (rows.nnz() * dim * dim < bayes_parallel_min_work) threads = 1;
    parallel_for(
        rows.rows(), threads, 8, [] { return row_scratch(); },
        [&](row_scratch & s, int64_t r) {
            const uint64_t b0 = rows.ptr[r];
            const int64_t n = rows.row_size((int32_t) r);
            s.p = lam;
            s.b = lmu;
            if (offset) s.b.noalias() += lam * offset->row(r).transpose();
            if (exact) {
                s.zd.resize(n, dim);
                s.t.resize(n);
                for (int64_t e = 0; e < n; ++e) {
                    const auto o = other.row(rows.idx[b0 + e]);
                    s.zd(e, 0) = 1.0;
                    s.zd.row(e).tail(dim - 1) = o.tail(dim - 1);
                    s.t(e) = (double) rows.val[b0 + e] - (double) mu_r - o(0);
                }
                if (n > 0) {
                    s.p.selfadjointView<Eigen::Lower>().rankUpdate(s.zd.transpose(), alpha);
                    s.b.noalias() += alpha * (s.zd.transpose() * s.t);
                }
            } else if (n > 0) {
                s.z.reserve_at_least((size_t) (chunk * dp));
                s.a.reserve_at_least((size_t) dp * dp);
                s.bz.setZero(dim);
                for (int64_t c0 = 0; c0 < n; c0 += chunk) {
                    const int64_t nc = std::min(chunk, n - c0);
                    float * z = s.z.data();
                    for (int64_t e = 0; e < nc; ++e) {
                        const float * o = of.row(rows.idx[b0 + c0 + e]);
                        std::copy(o, o + dp, z + e * dp);
                        const double t = (double) rows.val[b0 + c0 + e] - (double) mu_r - (double) o[dim];
                        for (int c = 0; c < dim; ++c) s.bz(c) += t * (double) o[c];
                    }
                    ks.gram_accum(z, nc, dim, dp, s.a.data(), c0 == 0, nullptr, nullptr);
                }
                const float * a = s.a.data();
                for (int j = 0; j < dim; ++j)
                    for (int i = j; i < dim; ++i) s.p(i, j) += alpha * (double) a[(int64_t) j * dp + i];
                s.b.noalias() += alpha * s.bz;
            }
            const Eigen::LLT<Eigen::MatrixXd> llt(s.p);
            rng g = bayes_rng(seed, sweep, strm, (uint64_t) r);
            draw_gaussian_precision(g, llt, s.b, s.x);
            self.row(r) = s.x.transpose();
        });
}

// Σ (r - μ - b_u - b_i - p_uᵀq_i)² per user row, summed in row order.
double sse_all(const sparse_rows & by_user, const matrix_d & users, const matrix_d & items, float mu, int threads) {
    std::vector<double> part((size_t) by_user.rows(), 0.0);
    const int dim = (int) users.cols();
    parallel_for(
        by_user.rows(), threads, light_chunk, [] { return 0; },
        [&](int, int64_t u) {
            double e2 = 0.0;
            for (uint64_t e = by_user.ptr[u]; e < by_user.ptr[u + 1]; ++e) {
                const int32_t i = by_user.idx[e];
                const double pred = (double) mu + users(u, 0) + items(i, 0) +
                                    users.row(u).tail(dim - 1).dot(items.row(i).tail(dim - 1));
                const double d = (double) by_user.val[e] - pred;
                e2 += d * d;
            }
            part[(size_t) u] = e2;
        });
    double s = 0.0;
    for (double v : part) s += v;
    return s;
}

// The side features of the users: the movies they rated, 1/sqrt(n_u) each.
void implicit_user_features(const rating_matrix & train, bool implicit, int dim, side_block & s) {
    if (!implicit) return;
    std::vector<std::vector<std::pair<int32_t, float>>> rows((size_t) train.n_users);
    for (int32_t u = 0; u < train.n_users; ++u) {
        const int64_t n = train.by_user.row_size(u);
        const float c = n > 0 ? 1.0f / std::sqrt((float) n) : 0.0f;
        for (uint64_t e = train.by_user.ptr[u]; e < train.by_user.ptr[u + 1]; ++e)
            rows[u].push_back({train.by_user.idx[e], c});
    }
    side_build(rows, train.n_items, dim, s);
}

// The demographic features of the users (one-hot, 1 each); a user without a row has none.
void demographic_features(const user_features & uf, int32_t n_users, int dim, side_block & s) {
    std::vector<std::vector<std::pair<int32_t, float>>> rows((size_t) n_users);
    for (int32_t u = 0; u < n_users && u < (int32_t) uf.cols.size(); ++u)
        for (int32_t c : uf.cols[(size_t) u]) rows[u].push_back({c, 1.0f});
    side_build(rows, uf.size(), dim, s);
}

// The side features of the movies: genres and release decade (1900s..2020s, earlier in the
// first), then the users who rated them, 1/sqrt(n_i) each.
void item_features(const rating_matrix & train, const catalog & info, bool genres, bool implicit, int dim,
                   side_block & s) {
    if (!genres && !implicit) return;
    const int32_t n_genres = genres ? (int32_t) info.genre_names.size() : 0;
    const int32_t n_decades = genres ? 13 : 0;
    std::vector<std::vector<std::pair<int32_t, float>>> rows((size_t) train.n_items);
    for (int32_t i = 0; i < train.n_items; ++i) {
        if (genres && i < (int32_t) info.genres.size()) {
            for (int32_t g = 0; g < n_genres && g < 32; ++g)
                if (info.genres[i] & (1u << g)) rows[i].push_back({g, 1.0f});
            const int y = i < (int32_t) info.year.size() ? info.year[i] : 0;
            if (y > 0) rows[i].push_back({n_genres + std::clamp((y - 1900) / 10, 0, n_decades - 1), 1.0f});
        }
        if (implicit) {
            const int64_t n = train.by_item.row_size(i);
            const float c = n > 0 ? 1.0f / std::sqrt((float) n) : 0.0f;
            for (uint64_t e = train.by_item.ptr[i]; e < train.by_item.ptr[i + 1]; ++e)
                rows[i].push_back({n_genres + n_decades + train.by_item.idx[e], c});
        }
    }
    side_build(rows, n_genres + n_decades + (implicit ? train.n_users : 0), dim, s);
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

const model_array * extra_find(const model & m, const char * name, Eigen::Index rows, Eigen::Index cols) {
    for (const model_array & a : m.extra)
        if (a.name == name && a.data.rows() == rows && a.data.cols() == cols) return &a;
    return nullptr;
}

model_array extra_make(const char * name, matrix_f data, bool per_item) {
    model_array a;
    a.name = name;
    a.data = std::move(data);
    a.per_item = per_item;
    a.web = !per_item;  // the prior and the noise (small): the page folds visitors in with them
    return a;
}

status bayes_check(const train_params & p) {
    if (p.samples < 1) return status::fail("samples: bayes needs at least 1 kept sample");
    if (p.burn_in < 0) return status::fail("burn_in: must be 0 or more");
    return {};
}

result<model> bayes_fit(const fit_input & in, const train_params & p, const epoch_callback & on_epoch) {
    using R = result<model>;
    status st = bayes_check(p);
    if (!st) return R::fail(st.error);
    const rating_matrix & train = in.train;
    const int dim = p.factors + 1;
    model m;
    m.params = p;
    m.k = p.factors;
    m.mu = (float) train.mean;
    m.scale = rating_scale_of(train.by_user.val.data(), train.by_user.val.size());
    m.genres = matrix_f::Zero(0, dim);
    m.user_ids = in.user_ids;
    m.items_info = in.items;
    if (!in.no_seen) {
        m.seen = train.by_user;
        decltype(m.seen.recency)().swap(m.seen.recency);  // training only
    }
    m.user_counts.resize((size_t) train.n_users);
    m.item_counts.resize((size_t) train.n_items);
    for (int32_t u = 0; u < train.n_users; ++u) m.user_counts[u] = (int32_t) train.by_user.row_size(u);
    for (int32_t i = 0; i < train.n_items; ++i) m.item_counts[i] = (int32_t) train.by_item.row_size(i);

    // rows start small and random (the burn-in forgets them)
    matrix_d xu(train.n_users, dim), yi(train.n_items, dim);
    {
        rng g(p.seed);
        for (Eigen::Index e = 0; e < xu.size(); ++e) xu.data()[e] = 0.1 * g.normal();
        for (Eigen::Index e = 0; e < yi.size(); ++e) yi.data()[e] = 0.1 * g.normal();
    }
    side_block su, si, sd;  // users' implicit block, the movies' block, users' demographics
    implicit_user_features(train, p.implicit_features, dim, su);
    if (p.demographic_features && in.demographics && !in.demographics->empty())
        demographic_features(*in.demographics, train.n_users, dim, sd);
    // the users' prior offset: the sum of their blocks' (each block drawn given the other's)
    matrix_d off_both;
    auto user_offset = [&]() -> const matrix_d * {
        if (!sd.on()) return su.on() ? &su.offset : nullptr;
        if (!su.on()) return &sd.offset;
        off_both = su.offset + sd.offset;
        return &off_both;
    };
    item_features(train, in.items, p.genre_features, p.implicit_features, dim, si);
    Eigen::VectorXd mu_u = Eigen::VectorXd::Zero(dim), mu_i = Eigen::VectorXd::Zero(dim);
    Eigen::MatrixXd lam_u = Eigen::MatrixXd::Identity(dim, dim), lam_i = lam_u;

    // accumulators over the kept samples
    matrix_d sum_u = matrix_d::Zero(xu.rows(), dim), sum_i = matrix_d::Zero(yi.rows(), dim);
    matrix_d sq_i = matrix_d::Zero(yi.rows(), dim);
    matrix_d sum_beta = matrix_d::Zero(su.d, dim), sum_beta_demo = matrix_d::Zero(sd.d, dim);
    Eigen::VectorXd sum_mu_u = Eigen::VectorXd::Zero(dim);
    Eigen::MatrixXd sum_lam_u = Eigen::MatrixXd::Zero(dim, dim);
    double sum_alpha = 0.0;
    const test_set * test = in.test;
    std::vector<double> pred_sum(test ? (size_t) test->size() : 0, 0.0);

    const int64_t n_ratings = train.nnz();
    double sse = sse_all(train.by_user, xu, yi, m.mu, p.threads);
    double alpha = 2.0;
    const int sweeps = p.burn_in + p.samples;
    for (int sweep = 1; sweep <= sweeps; ++sweep) {
        auto t0 = std::chrono::steady_clock::now();
        const uint64_t sw = (uint64_t) sweep;
        {
            rng g = bayes_rng(p.seed, sw, s_noise, 0);
            alpha = draw_gamma(g, 1.0 + 0.5 * (double) n_ratings) / (1.0 + 0.5 * sse);
        }
        {
            rng g = bayes_rng(p.seed, sw, s_user_hyper, 0);
            hyper_sample(xu, user_offset(), g, mu_u, lam_u);
            if (su.on()) {
                if (sd.on())
                    side_sample(su, matrix_d(xu - sd.offset), mu_u, lam_u, p.seed, sw, s_user_side, p.threads);
                else
                    side_sample(su, xu, mu_u, lam_u, p.seed, sw, s_user_side, p.threads);
            }
            if (sd.on()) {
                if (su.on())
                    side_sample(sd, matrix_d(xu - su.offset), mu_u, lam_u, p.seed, sw, s_user_demo, p.threads);
                else
                    side_sample(sd, xu, mu_u, lam_u, p.seed, sw, s_user_demo, p.threads);
            }
            rows_sample(train.by_user, yi, xu, m.mu, alpha, mu_u, lam_u, user_offset(), p.seed, sw, s_user_rows,
                        p.threads);
        }
        {
            rng g = bayes_rng(p.seed, sw, s_item_hyper, 0);
            hyper_sample(yi, si.on() ? &si.offset : nullptr, g, mu_i, lam_i);
            if (si.on()) side_sample(si, yi, mu_i, lam_i, p.seed, sw, s_item_side, p.threads);
            rows_sample(train.by_item, xu, yi, m.mu, alpha, mu_i, lam_i, si.on() ? &si.offset : nullptr, p.seed, sw,
                        s_item_rows, p.threads);
        }
        sse = sse_all(train.by_user, xu, yi, m.mu, p.threads);
        const bool kept = sweep > p.burn_in;
        if (kept) {
            sum_u += xu;
            sum_i += yi;
            sq_i += yi.cwiseProduct(yi);
            if (su.on()) sum_beta += su.beta;
            if (sd.on()) {
                // a visitor's demographics are unknown: their prior is the population's, the
                // intercept plus the users' mean demographic offset m̄, with the offsets' spread C
                // added to the covariance, precision (Λ⁻¹ + C)⁻¹
                sum_beta_demo += sd.beta;
                const Eigen::VectorXd mbar = sd.offset.colwise().mean().transpose();
                const Eigen::MatrixXd dev = sd.offset.rowwise() - mbar.transpose();
                const Eigen::MatrixXd cov = (dev.transpose() * dev) / std::max(1.0, (double) dev.rows());
                const Eigen::MatrixXd lam_inv = lam_u.llt().solve(Eigen::MatrixXd::Identity(dim, dim));
                const Eigen::MatrixXd pop = (lam_inv + cov).llt().solve(Eigen::MatrixXd::Identity(dim, dim));
                sum_mu_u += mu_u + mbar;
                sum_lam_u += 0.5 * (pop + pop.transpose());
            } else {
                sum_mu_u += mu_u;
                sum_lam_u += lam_u;
            }
            sum_alpha += alpha;
        }
        epoch_report rep;
        rep.epoch = sweep;
        rep.train_rmse = n_ratings > 0 ? std::sqrt(sse / (double) n_ratings) : 0.0;
        if (test && test->size() > 0) {
            // held-out RMSE of the averaged predictions (of this sample during the burn-in)
            const int64_t nt = test->size();
            const double kept_n = kept ? (double) (sweep - p.burn_in) : 1.0;
            double se = 0.0, ae = 0.0;
            for (int64_t e = 0; e < nt; ++e) {
                const int32_t u = test->user[e], i = test->item[e];
                double pr = (double) m.mu + yi(i, 0);
                if (u >= 0) pr += xu(u, 0) + xu.row(u).tail(dim - 1).dot(yi.row(i).tail(dim - 1));
                if (kept) pred_sum[(size_t) e] += pr;
                const double avg = kept ? pred_sum[(size_t) e] / kept_n : pr;
                const double d = (double) test->rating[e] - (double) m.scale.clamp((float) avg);
                se += d * d;
                ae += std::abs(d);
            }
            rep.test_rmse = std::sqrt(se / (double) nt);
            rep.test_mae = ae / (double) nt;
        }
        rep.seconds = seconds_since(t0);
        if (on_epoch) on_epoch(rep);
    }

    const double ns = (double) p.samples;
    m.users = (sum_u / ns).cast<float>();
    m.items = (sum_i / ns).cast<float>();
    // per item: Var(b_i) and the mean Var of q_i's coordinates (E[y²] - E[y]²)
    matrix_f var((Eigen::Index) train.n_items, 2);
    for (int32_t i = 0; i < train.n_items; ++i) {
        double vq = 0.0;
        for (int c = 0; c < dim; ++c) {
            const double mean = sum_i(i, c) / ns;
            const double v = std::max(0.0, sq_i(i, c) / ns - mean * mean);
            if (c == 0)
                var(i, 0) = (float) v;
            else
                vq += v;
        }
        var(i, 1) = dim > 1 ? (float) (vq / (dim - 1)) : 0.0f;
    }
    m.extra.push_back(extra_make("bayes_item_var", std::move(var), true));
    if (su.on()) m.extra.push_back(extra_make("bayes_implicit", (sum_beta / ns).cast<float>(), true));
    if (sd.on()) {
        // the demographics' link, feature by feature (dataset::demographics' columns): kept for
        // inspection; fold-in has no demographics (the page has none) and uses the population prior
        model_array a = extra_make("bayes_demographic", (sum_beta_demo / ns).cast<float>(), false);
        a.web = false;
        m.extra.push_back(std::move(a));
    }
    matrix_f prior(dim + 1, dim);
    prior.row(0) = (sum_mu_u / ns).cast<float>().transpose();
    prior.bottomRows(dim) = (sum_lam_u / ns).cast<float>();
    m.extra.push_back(extra_make("bayes_user_prior", std::move(prior), false));
    matrix_f noise(1, 1);
    noise(0, 0) = (float) (sum_alpha / ns);
    m.extra.push_back(extra_make("bayes_noise", std::move(noise), false));
    return m;
}

// The posterior of a visitor's row given the items' posterior (kind_bayes.h): mean and packed
// covariance.
result<vector_f> bayes_fold_in(const model & m, const std::vector<rated_item> & rated) {
    using R = result<vector_f>;
    const int dim = m.k + 1;
    if (m.items.cols() != dim) return R::fail("bayes: item rows are not k+1 wide");
    const model_array * prior = extra_find(m, "bayes_user_prior", dim + 1, dim);
    const model_array * noise = extra_find(m, "bayes_noise", 1, 1);
    const model_array * var = extra_find(m, "bayes_item_var", m.n_items(), 2);
    if (!prior || !noise || !var)
        return R::fail("bayes: the model lacks its posterior arrays (bayes_user_prior, bayes_noise, bayes_item_var)");
    const model_array * implicit = extra_find(m, "bayes_implicit", m.n_items(), dim);
    const double alpha = noise->data(0, 0);
    const Eigen::MatrixXd lam = prior->data.bottomRows(dim).cast<double>();
    Eigen::VectorXd m0 = prior->data.row(0).transpose().cast<double>();
    Eigen::MatrixXd p = lam;
    Eigen::VectorXd b = Eigen::VectorXd::Zero(dim), z(dim);
    const double c = rated.empty() ? 0.0 : 1.0 / std::sqrt((double) rated.size());
    for (const rated_item & r : rated) {
        if (r.item < 0 || r.item >= m.n_items())
            return R::fail("item row " + std::to_string(r.item) + " is outside the model's " +
                           std::to_string(m.n_items()) + " items");
        if (implicit) m0 += c * implicit->data.row(r.item).transpose().cast<double>();
        z(0) = 1.0;
        z.tail(dim - 1) = m.items.row(r.item).tail(dim - 1).transpose().cast<double>();
        // the movie's bias uncertainty joins the noise: weight 1 / (1/α + v_b); E[z zᵀ] = z zᵀ +
        // diag(0, v_q, …, v_q)
        const double w = 1.0 / (1.0 / alpha + (double) var->data(r.item, 0));
        p.selfadjointView<Eigen::Lower>().rankUpdate(z, w);
        for (int j = 1; j < dim; ++j) p(j, j) += w * (double) var->data(r.item, 1);
        b += w * ((double) r.rating - (double) m.mu - (double) m.items(r.item, 0)) * z;
    }
    b.noalias() += lam * m0;
    const Eigen::LLT<Eigen::MatrixXd> llt(p);
    if (llt.info() != Eigen::Success) return R::fail("bayes fold-in: the posterior precision is not positive definite");
    const Eigen::MatrixXd cov = llt.solve(Eigen::MatrixXd::Identity(dim, dim));
    vector_f out(bayes_visitor_size(m));
    out.head(dim) = llt.solve(b).cast<float>();
    int64_t at = dim;
    for (int c2 = 0; c2 < dim; ++c2)
        for (int r2 = c2; r2 < dim; ++r2) out(at++) = (float) cov(r2, c2);
    return out;
}

void bayes_score(const model & m, const vector_f & x, float * out) {
    const int k = m.k;
    Eigen::Map<vector_f> o(out, m.n_items());
    if (x.size() < k + 1 || m.items.cols() != k + 1) {
        o.setZero();
        return;
    }
    o = m.items.col(0);
    if (k > 0) o.noalias() += m.items.rightCols(k) * x.segment(1, k);
    o.array() += m.mu + x(0);
}

// sd_i = sqrt(1/α + aᵀSa + v_b + v_q (‖m_p‖² + tr S_p)), a = [1, q_i]; aᵀSa = ‖aᵀL‖², S = L Lᵀ.
void bayes_rate_sd(const model & m, const vector_f & x, float * out) {
    const int dim = m.k + 1;
    Eigen::Map<vector_f> o(out, m.n_items());
    const model_array * noise = extra_find(m, "bayes_noise", 1, 1);
    const model_array * var = extra_find(m, "bayes_item_var", m.n_items(), 2);
    if (x.size() != bayes_visitor_size(m) || !noise || !var || m.items.cols() != dim) {
        o.setConstant(std::numeric_limits<float>::quiet_NaN());
        return;
    }
    Eigen::MatrixXd s(dim, dim);
    int64_t at = dim;
    for (int c = 0; c < dim; ++c)
        for (int r = c; r < dim; ++r) s(r, c) = s(c, r) = x(at++);
    Eigen::LDLT<Eigen::MatrixXd> ldlt(s);
    const Eigen::VectorXd dsq = ldlt.vectorD().cwiseMax(0.0).cwiseSqrt();
    // S = Pᵀ L D Lᵀ P: the factor Pᵀ L sqrt(D)
    Eigen::MatrixXd f = ldlt.matrixL();
    f = ldlt.transpositionsP().transpose() * f;
    f = f * dsq.asDiagonal();
    const matrix_f ff = f.cast<float>();
    matrix_f a = m.items.rightCols(dim - 1) * ff.bottomRows(dim - 1);
    a.rowwise() += ff.row(0);
    const double mp2 = (double) x.segment(1, dim - 1).squaredNorm();
    const double trs = s.diagonal().tail(dim - 1).sum();
    const double inv_alpha = 1.0 / std::max(1e-12, (double) noise->data(0, 0));
    for (int32_t i = 0; i < m.n_items(); ++i) {
        const double v = inv_alpha + (double) a.row(i).squaredNorm() + (double) var->data(i, 0) +
                         (double) var->data(i, 1) * (mp2 + trs);
        o(i) = (float) std::sqrt(std::max(0.0, v));
    }
}

// Chosen on a validation part of ml-latest-small's training part: docs/TUNING.md.
void bayes_defaults(train_params & p) {
    p.factors = 10;
    p.burn_in = 50;
    p.samples = 300;
}

}  // namespace

int64_t bayes_visitor_size(const model & m) {
    const int64_t dim = m.k + 1;
    return dim + dim * (dim + 1) / 2;
}

// Aggregate initialisation (constant, before any dynamic initialiser could read it).
extern const kind_ops kind_bayes_ops = {
    model_kind::bayes,
    "bayes",
    "Bayesian MF by Gibbs sampling (BPMF) with side information: a predicted rating and its sd",
    kind_rates | kind_vectors | kind_keeps_basis,
    "factors burn_in samples implicit_features genre_features demographic_features threads",
    bayes_defaults,
    bayes_check,
    bayes_fit,
    bayes_fold_in,
    bayes_score,
    nullptr,             // score_user: known users are folded in (pipeline.h: visitor_known)
    bayes_visitor_size,  // mean and packed covariance
    nullptr,             // rate: the score is the predicted rating
    nullptr,             // explain
    nullptr,             // similar: cosine of the item rows
    bayes_rate_sd};

}  // namespace mf
