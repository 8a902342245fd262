// kind_ease.cpp - EASE, the dense item-item closed form (kind_ease.h has the model).
//
// The fit: the Gram matrix G = XᵀX + λI of the binarised training matrix (one column per rated
// movie, built column by column in parallel), its Cholesky factor L (in place, Eigen's blocked
// LLT), then P = G⁻¹ one block of columns at a time, in parallel: for the columns [j0, j0 + w),
// P[j0:, j0:j0+w] = L₂⁻ᵀ L₂⁻¹ E with L₂ = L[j0:, j0:] (the inverse of a triangular matrix keeps
// its trailing block), so the solves only touch the trailing part - n³/3 multiply-adds for the
// forward and backward solves together instead of 2n³ for solving against the whole identity.
// Only P's lower triangle is computed, then mirrored (P is symmetric), then scaled into B.
#include "kind_ease.h"

#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>
#include <limits>

#include "kind.h"
#include "parallel.h"
#include "params.h"

namespace mf {

namespace {

template <class T>
using col_matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;

// columns of B per solve block: wide enough for Eigen's blocked triangular solves, narrow enough
// that the blocks balance over the threads
constexpr int32_t ease_block = 128;

template <class T>
status ease_solve(const rating_matrix & train, const std::vector<int32_t> & items, const std::vector<int32_t> & col_of,
                  double lambda, int threads, matrix_f & b) {
    const int32_t n = (int32_t) items.size();
    // each user's rated columns, once each (X is binary even if a user rated a movie twice)
    std::vector<uint64_t> uptr((size_t) train.n_users + 1, 0);
    std::vector<int32_t> ucol;
    ucol.reserve((size_t) train.nnz());
    for (int32_t u = 0; u < train.n_users; ++u) {
        const size_t start = ucol.size();
        for (uint64_t e = train.by_user.ptr[u]; e < train.by_user.ptr[u + 1]; ++e)
            ucol.push_back(col_of[train.by_user.idx[e]]);
        std::sort(ucol.begin() + (std::ptrdiff_t) start, ucol.end());
        ucol.erase(std::unique(ucol.begin() + (std::ptrdiff_t) start, ucol.end()), ucol.end());
        uptr[u + 1] = ucol.size();
    }
    // G = XᵀX + λI: column c counts, for every other column, the users who rated both
    col_matrix<T> g = col_matrix<T>::Zero(n, n);
    parallel_for(
        n, threads, 16, [&] { return std::vector<int64_t>((size_t) train.n_users, -1); },
        [&](std::vector<int64_t> & last, int64_t c) {
            T * gc = g.data() + c * (int64_t) n;
            const int32_t i = items[(size_t) c];
            for (uint64_t e = train.by_item.ptr[i]; e < train.by_item.ptr[i + 1]; ++e) {
                const int32_t u = train.by_item.idx[e];
                if (last[(size_t) u] == c) continue;  // a user listed twice in the column counts once
                last[(size_t) u] = c;
                for (uint64_t f = uptr[u]; f < uptr[u + 1]; ++f) gc[ucol[f]] += T(1);
            }
            gc[c] += (T) lambda;
        });
    Eigen::LLT<Eigen::Ref<col_matrix<T>>, Eigen::Lower> llt(g);  // g now holds L (lower triangle)
    if (llt.info() != Eigen::Success)
        return status::fail("ease: the Cholesky factorisation of XᵀX + λI failed; use a larger regularization");

    // P's lower triangle block by block, mirrored into b
    b.resize(n, n);
    const int64_t n_blocks = (n + ease_block - 1) / ease_block;
    parallel_for(
        n_blocks, threads, 1, [] { return col_matrix<T>(); },
        [&](col_matrix<T> & y, int64_t blk) {
            const int32_t j0 = (int32_t) blk * ease_block;
            const int32_t w = std::min(ease_block, n - j0), rows = n - j0;
            y.setZero(rows, w);
            for (int32_t t = 0; t < w; ++t) y(t, t) = T(1);
            const auto l2 = g.bottomRightCorner(rows, rows);
            l2.template triangularView<Eigen::Lower>().solveInPlace(y);
            l2.transpose().template triangularView<Eigen::Upper>().solveInPlace(y);
            for (int32_t t = 0; t < w; ++t)
                for (int32_t r = t; r < rows; ++r) {
                    const float v = (float) y(r, t);
                    b(j0 + r, j0 + t) = v;
                    b(j0 + t, j0 + r) = v;
                }
        });
    // B = I - P diag(1/diag(P)): B(i, j) = -P(i, j) / P(j, j), B(j, j) = 0
    std::vector<float> inv((size_t) n);
    for (int32_t j = 0; j < n; ++j) {
        const float d = b(j, j);
        if (!(d > 0) || !std::isfinite(d))
            return status::fail("ease: the inverse of XᵀX + λI is not positive; use a larger regularization");
        inv[(size_t) j] = -1.0f / d;
    }
    parallel_for(
        n, threads, 64, [] { return 0; },
        [&](int, int64_t i) {
            float * row = b.data() + i * (int64_t) n;
            for (int32_t j = 0; j < n; ++j) row[j] *= inv[(size_t) j];
            row[i] = 0.0f;
        });
    return {};
}

// The model's B and column map, checked (a model file could carry anything): null when absent or
// inconsistent.
struct ease_view {
    const matrix_f * b = nullptr;
    std::vector<int32_t> items;
};

bool ease_view_of(const model & m, ease_view & v) {
    const matrix_f *b = nullptr, *it = nullptr;
    for (const model_array & a : m.extra) {
        if (a.name == "ease_b") b = &a.data;
        if (a.name == "ease_items") it = &a.data;
    }
    if (!b || !it || it->cols() != 1 || b->rows() != it->rows() || b->cols() != it->rows()) return false;
    v.items.resize((size_t) it->rows());
    for (Eigen::Index c = 0; c < it->rows(); ++c) {
        const float f = (*it)(c, 0);
        if (!(f >= 0 && f < (float) m.n_items()) || f != std::floor(f)) return false;
        v.items[(size_t) c] = (int32_t) f;
        if (c > 0 && v.items[(size_t) c] <= v.items[(size_t) c - 1]) return false;
    }
    v.b = b;
    return true;
}

// out = x · B over the columns, the lowest float for movies without a column; popularity when x
// has no rated movie among the columns
void ease_score_indicator(const model & m, const ease_view & v, const float * x, float * out) {
    const int32_t n = (int32_t) v.items.size();
    std::fill(out, out + m.n_items(), std::numeric_limits<float>::lowest());
    Eigen::VectorXf acc = Eigen::VectorXf::Zero(n);
    bool any = false;
    for (int32_t c = 0; c < n; ++c) {
        const float xc = x[v.items[(size_t) c]];
        if (xc == 0.0f) continue;
        acc += xc * v.b->row(c).transpose();
        any = true;
    }
    for (int32_t c = 0; c < n; ++c) {
        const int32_t i = v.items[(size_t) c];
        out[i] = any ? acc(c) : (float) m.item_counts[(size_t) i];
    }
}

void ease_score(const model & m, const vector_f & x, float * out) {
    ease_view v;
    if (!ease_view_of(m, v) || x.size() != m.n_items()) {
        std::fill(out, out + m.n_items(), std::numeric_limits<float>::lowest());
        return;
    }
    ease_score_indicator(m, v, x.data(), out);
}

void ease_score_user(const model & m, int32_t user, float * out) {
    ease_view v;
    if (!ease_view_of(m, v) || user < 0 || user >= m.seen.rows()) {
        std::fill(out, out + m.n_items(), std::numeric_limits<float>::lowest());
        return;
    }
    std::vector<float> x((size_t) m.n_items(), 0.0f);
    for (uint64_t e = m.seen.ptr[user]; e < m.seen.ptr[user + 1]; ++e) {
        const int32_t i = m.seen.idx[e];
        if (i >= 0 && i < m.n_items()) x[(size_t) i] = 1.0f;
    }
    ease_score_indicator(m, v, x.data(), out);
}

int64_t ease_visitor_size(const model & m) {
    return m.n_items();
}

result<vector_f> ease_fold_in(const model & m, const std::vector<rated_item> & rated) {
    ease_view v;
    if (!ease_view_of(m, v))
        return result<vector_f>::fail("this ease model lacks consistent arrays ease_b and ease_items");
    vector_f x = vector_f::Zero(m.n_items());
    for (const rated_item & r : rated) {
        if (r.item < 0 || r.item >= m.n_items())
            return result<vector_f>::fail("item row " + std::to_string(r.item) + " is outside the model");
        x(r.item) = 1.0f;
    }
    return x;
}

result<model> ease_fit(const fit_input & in, const train_params & p, const epoch_callback &) {
    using R = result<model>;
    const rating_matrix & t = in.train;
    result<ease_weights> w = ease_compute(t, p.reg, p.threads);
    if (!w) return R::fail(w.error());
    model m;
    m.params = p;
    m.scale = rating_scale_of(t.by_user.val.data(), t.by_user.val.size());
    m.mu = 0.0f;
    m.k = 0;
    m.users = matrix_f::Zero(t.n_users, 1);
    m.items = matrix_f::Zero(t.n_items, 1);
    m.genres = matrix_f::Zero(0, 1);
    m.user_ids = in.user_ids;
    m.items_info = in.items;
    if (!in.no_seen) m.seen = t.by_user;
    m.user_counts.resize((size_t) t.n_users);
    m.item_counts.resize((size_t) t.n_items);
    for (int32_t u = 0; u < t.n_users; ++u) m.user_counts[u] = (int32_t) t.by_user.row_size(u);
    for (int32_t i = 0; i < t.n_items; ++i) m.item_counts[i] = (int32_t) t.by_item.row_size(i);
    model_array items{"ease_items", matrix_f((Eigen::Index) w->items.size(), 1), false};
    for (size_t c = 0; c < w->items.size(); ++c) items.data((Eigen::Index) c, 0) = (float) w->items[c];
    m.extra.push_back(model_array{"ease_b", std::move(w->b), false});
    m.extra.push_back(std::move(items));
    return m;
}

// λ chosen on ml-latest-small, --split user-time:0.2 --seed 42 --validate user-time:0.2 (the
// validation part of the training part), NDCG@10 over the full catalogue:
//   λ      50     100    150    200    250    300    500    800    1200
//   NDCG  .1281  .1306  .1333  .1346  .1341  .1339  .1316  .1281  .1282   (popularity .0895)
// a flat optimum around 200-300 (95% intervals ±.014), as the prototype found
void ease_defaults(train_params & p) {
    p.reg = 200.0f;
}

status ease_check(const train_params & p) {
    if (!(p.reg > 0)) return status::fail("regularization: ease needs a positive λ (XᵀX alone may be singular)");
    return {};
}

}  // namespace

result<ease_weights> ease_compute(const rating_matrix & train, double lambda, int threads, bool double_precision) {
    using R = result<ease_weights>;
    if (!(lambda > 0) || !std::isfinite(lambda)) return R::fail("ease: the regularization must be positive");
    ease_weights w;
    std::vector<int32_t> col_of((size_t) train.n_items, -1);
    for (int32_t i = 0; i < train.n_items; ++i)
        if (train.by_item.row_size(i) > 0) {
            col_of[(size_t) i] = (int32_t) w.items.size();
            w.items.push_back(i);
        }
    if (w.items.empty()) return R::fail("ease: no movie has a training rating");
    if ((int64_t) w.items.size() > ease_items_max)
        return R::fail("ease: " + std::to_string(w.items.size()) +
                       " movies have training ratings; the dense item-item " + "model is limited to " +
                       std::to_string(ease_items_max) +
                       " (its memory grows with the square of that number). Use --model ials for this catalogue.");
    status s = double_precision ? ease_solve<double>(train, w.items, col_of, lambda, threads, w.b)
                                : ease_solve<float>(train, w.items, col_of, lambda, threads, w.b);
    if (!s) return R::fail(s.error);
    return w;
}

extern const kind_ops kind_ease_ops = {
    model_kind::ease,
    "ease",
    "EASE: item-item closed form on who rated what (ranking; up to 20k rated movies)",
    0,
    "regularization threads",
    ease_defaults,
    ease_check,
    ease_fit,
    ease_fold_in,
    ease_score,
    ease_score_user,
    ease_visitor_size};

}  // namespace mf
