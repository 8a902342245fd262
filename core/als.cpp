#include "als.h"

#include <Eigen/Cholesky>
#include <algorithm>
#include <chrono>
#include <cmath>

#include "gram.h"
#include "metrics.h"
#include "parallel.h"
#include "params.h"
#include "rng.h"
#include "solve.h"

namespace mf {

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// sqrt(mean (r - r̂)²) over the training ratings, r̂ clamped; per-user partial sums added in
// user order so the result does not depend on the thread count.
double train_rmse(const model & m, const rating_matrix & train, int threads) {
    std::vector<double> part((size_t) train.n_users, 0.0);
    const sparse_rows & rows = train.by_user;
    const int dim = (int) m.users.cols();
    parallel_for(
        train.n_users, threads, 256, [] { return 0; },
        [&](int, int64_t u) {
            const uint64_t at = rows.ptr[u];
            part[u] =
                kern::sse_row(m.users.data() + u * dim, m.items.data(), dim, rows.idx.data() + at, rows.val.data() + at,
                              (int64_t) (rows.ptr[u + 1] - at), m.mu, m.scale.min, m.scale.max);
        });
    double sum = 0.0;
    for (double v : part) sum += v;
    return train.nnz() > 0 ? std::sqrt(sum / (double) train.nnz()) : 0.0;
}

}  // namespace

namespace {

// One half-step; sse (may be null): per-row Σ (r - r̂)² with the new rows (the training RMSE of
// the epoch when this is the last half-step). `half`: a buffer for `other` in half precision,
// which the rows are gathered from where the build supports it.
void half_step(const sparse_rows & rows, const matrix_f & other, matrix_f & self, float mu, const matrix_f * prior,
               const train_params & params, std::vector<double> * sse, half_rows & half, rating_scale scale) {
    const int32_t dim = (int32_t) self.cols();
    const half_rows * h = half_rows_fill(other, half, params.threads) ? &half : nullptr;
    // rows are handed out dynamically in small blocks: their costs are long-tailed (a movie
    // may have 10⁵ ratings, most have a handful)
    constexpr int64_t block = 8;
    const int64_t n_rows = rows.rows();
    if (sse) sse->assign((size_t) n_rows, 0.0);
    parallel_for(
        n_rows, params.threads, block, [] { return row_scratch(); },
        [&](row_scratch & s, int64_t r) {
            const int64_t n = rows.row_size((int32_t) r);
            const uint64_t at = rows.ptr[r];
            row_reg(dim, n, params.reg_bias, params.reg, params.reg_by_count, s.d);
            const float * pr = prior ? prior->data() + r * dim : nullptr;
            // the next row of this block is this thread's next row: prefetch its partners
            const bool next = (r + 1) % block != 0 && r + 1 < n_rows;
            row_solve(other.data(), dim, rows.idx.data() + at, rows.val.data() + at, n, mu, s.d.data(), pr,
                      params.solver, params.cg_steps, s, self.data() + r * dim,
                      next ? rows.idx.data() + rows.ptr[r + 1] : nullptr, next ? rows.row_size((int32_t) r + 1) : 0,
                      sse ? sse->data() + r : nullptr, h, scale);
        });
}

}  // namespace

void als_half_step(const sparse_rows & rows, const matrix_f & other, matrix_f & self, float mu, const matrix_f * prior,
                   const train_params & params) {
    half_rows half;
    half_step(rows, other, self, mu, prior, params, nullptr, half, rating_scale());
}

matrix_f als_item_prior(const matrix_f & genres, const catalog & info, float tau) {
    matrix_f prior = matrix_f::Zero(info.size(), genres.cols());
    if (tau == 0.0f) return prior;
    for (int32_t i = 0; i < info.size(); ++i) {
        uint32_t mask = info.genres[i];
        int n = genre_count(mask);
        if (n == 0) continue;
        for (int g = 0; g < genres.rows(); ++g) {
            if (mask & (1u << g)) prior.row(i) += genres.row(g);
        }
        prior.row(i) *= tau / (float) n;
    }
    return prior;
}

void als_genre_step(const matrix_f & items, const catalog & info, const std::vector<int32_t> & item_counts,
                    const train_params & params, matrix_f & genres) {
    // W minimises Σ_i ω_i Σ_c λ_c (y_ic - m_iᵀ w_c)² + λ_g ‖W‖², m_ig = τ/|G_i| for g ∈ G_i, so per
    // column c:  (MᵀΩM + (λ_g/λ_c) I) w_c = MᵀΩ y_c,  λ_0 = λ_b, λ_c = λ otherwise.
    const int ng = (int) genres.rows();
    const int dim = (int) genres.cols();
    const float tau = params.genre_prior;
    if (ng == 0 || tau == 0.0f) return;
    Eigen::MatrixXd s = Eigen::MatrixXd::Zero(ng, ng);
    Eigen::MatrixXd rhs = Eigen::MatrixXd::Zero(ng, dim);
    for (int32_t i = 0; i < info.size(); ++i) {
        uint32_t mask = info.genres[i];
        int cnt = genre_count(mask);
        if (cnt == 0) continue;
        double omega = params.reg_by_count ? (double) std::max(item_counts[i], 1) : 1.0;
        double m = (double) tau / cnt;
        for (int g = 0; g < ng; ++g) {
            if (!(mask & (1u << g))) continue;
            for (int h = 0; h < ng; ++h) {
                if (mask & (1u << h)) s(g, h) += omega * m * m;
            }
            rhs.row(g) += omega * m * items.row(i).cast<double>();
        }
    }
    for (int part = 0; part < 2; ++part) {
        double lam_c = part == 0 ? params.reg_bias : params.reg;
        if (part == 1 && dim == 1) break;
        Eigen::MatrixXd a = s;
        a.diagonal().array() += params.reg_genre / std::max(lam_c, 1e-12);
        Eigen::LDLT<Eigen::MatrixXd> ldlt(a);
        if (part == 0) {
            Eigen::VectorXd w = ldlt.solve(rhs.col(0));
            genres.col(0) = w.cast<float>();
        } else {
            Eigen::MatrixXd w = ldlt.solve(rhs.rightCols(dim - 1));
            genres.rightCols(dim - 1) = w.cast<float>();
        }
    }
}

model model_train(const rating_matrix & train, const catalog & info, const std::vector<int32_t> & user_ids,
                  const train_params & params, const test_set * test, const epoch_callback & on_epoch, bool keep_seen) {
    model m;
    m.params = params;
    m.mu = (float) train.mean;
    m.scale = rating_scale_of(train.by_user.val.data(), train.by_user.val.size());
    m.k = params.kind == model_kind::als ? params.factors : 0;
    const int32_t dim = m.k + 1;
    const int32_t ng = (int32_t) info.genre_names.size();
    // the half-steps read rows of these at random: huge pages spare most TLB misses (memory is
    // untouched between resize and setZero, so the advice applies from the first fault)
    m.users.resize(train.n_users, dim);
    m.items.resize(train.n_items, dim);
    kern::prefer_huge_pages(m.users.data(), sizeof(float) * (size_t) m.users.size());
    kern::prefer_huge_pages(m.items.data(), sizeof(float) * (size_t) m.items.size());
    m.users.setZero();
    m.items.setZero();
    m.genres = matrix_f::Zero(ng, dim);
    m.user_ids = user_ids;
    m.items_info = info;
    if (keep_seen) {
        m.seen = train.by_user;
        decltype(m.seen.recency)().swap(m.seen.recency);  // training only
    }
    m.user_counts.resize((size_t) train.n_users);
    m.item_counts.resize((size_t) train.n_items);
    for (int32_t u = 0; u < train.n_users; ++u) m.user_counts[u] = (int32_t) train.by_user.row_size(u);
    for (int32_t i = 0; i < train.n_items; ++i) m.item_counts[i] = (int32_t) train.by_item.row_size(i);

    // q_i ~ N(0, init_std²), p_u likewise (p_u is solved first; it matters only as CG's start)
    rng r(params.seed);
    for (int32_t i = 0; i < train.n_items; ++i)
        for (int32_t c = 1; c < dim; ++c) m.items(i, c) = (float) (params.init_std * r.normal());
    for (int32_t u = 0; u < train.n_users; ++u)
        for (int32_t c = 1; c < dim; ++c) m.users(u, c) = (float) (params.init_std * r.normal());

    const int iterations = params.kind == model_kind::mean ? 1
                           : params.stop_epoch > 0         ? std::min(params.stop_epoch, params.iterations)
                                                           : params.iterations;
    // early stopping on `test` (the pipeline passes its validation part): stop after
    // early_stopping epochs without a lower RMSE
    const bool stopping = params.early_stopping > 0 && test && test->size() > 0 && params.kind != model_kind::mean;
    double best_rmse = INFINITY;
    int best_epoch = 0;
    const bool use_prior = params.genre_prior != 0.0f && ng > 0 && params.kind != model_kind::mean;
    std::vector<double> item_sse;
    half_rows half;  // one buffer for both sides' half-precision copies
    for (int epoch = 1; epoch <= iterations; ++epoch) {
        auto t0 = std::chrono::steady_clock::now();
        if (params.kind != model_kind::mean) {
            half_step(train.by_user, m.items, m.users, m.mu, nullptr, params, nullptr, half, m.scale);
            // genre rows before item rows: a movie without ratings then ends exactly on its
            // prior ȳ_i under the final W, the same row cold start computes
            matrix_f prior;
            if (use_prior) {
                als_genre_step(m.items, info, m.item_counts, params, m.genres);
                prior = als_item_prior(m.genres, info, params.genre_prior);
            }
            // the training errors come with the item rows (summed in item order: the same for
            // any thread count), while each item's user rows are still in cache
            half_step(train.by_item, m.users, m.items, m.mu, use_prior ? &prior : nullptr, params, &item_sse, half,
                      m.scale);
        }
        epoch_report rep;
        rep.epoch = epoch;
        if (params.kind != model_kind::mean) {
            double sum = 0.0;
            for (double v : item_sse) sum += v;
            rep.train_rmse = train.nnz() > 0 ? std::sqrt(sum / (double) train.nnz()) : 0.0;
        } else {
            rep.train_rmse = train_rmse(m, train, params.threads);
        }
        if (test && test->size() > 0) {
            accuracy a = model_accuracy(m, *test, params.threads);
            rep.test_rmse = a.rmse;
            rep.test_mae = a.mae;
        }
        rep.seconds = seconds_since(t0);
        if (on_epoch) on_epoch(rep);
        if (stopping) {
            if (rep.test_rmse < best_rmse) {
                best_rmse = rep.test_rmse;
                best_epoch = epoch;
            } else if (epoch - best_epoch >= params.early_stopping) {
                break;
            }
        }
    }
    return m;
}

}  // namespace mf
