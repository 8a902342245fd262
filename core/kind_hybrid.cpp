// kind_hybrid.cpp - the list recommender: implicit ALS orders, explicit ALS rates (kind_hybrid.h).
#include "kind_hybrid.h"

#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>
#include <map>

#include "als.h"
#include "kind_ials.h"
#include "parallel.h"
#include "params.h"
#include "split.h"

namespace mf {

namespace {

constexpr const char * items_name = "hyb_items";
constexpr const char * users_name = "hyb_users";
constexpr const char * gram_name = "hyb_gram";
constexpr const char * ndcg_name = "hyb_blend_ndcg";
constexpr int32_t blend_k = 10;            // NDCG@10 chooses the weight
constexpr int64_t blend_users_max = 2000;  // validation users scored (evenly spaced)
constexpr double blend_tie = 0.001;        // NDCG@10 differences below this are ties

const matrix_f * extra_find(const model & m, const char * name) {
    for (const model_array & a : m.extra)
        if (a.name == name) return &a.data;
    return nullptr;
}

// The parameters of each part.
train_params rate_params(const train_params & p) {
    train_params q = p;
    q.kind = model_kind::als;
    return q;
}

train_params rank_params(const train_params & p) {
    train_params q = kind_defaults(model_kind::ials);
    q.factors = p.rank_factors;
    q.reg = p.rank_reg;
    q.alpha = p.alpha;
    q.confidence = p.confidence;
    q.recency = p.recency;
    q.iterations = p.iterations;
    q.threads = p.threads;
    q.seed = p.seed;
    return q;
}

// 1 / W, W the width of the rating scale (the rating part's unit)
float rating_unit(const model & m) {
    const float w = m.scale.max - m.scale.min;
    return w > 0 ? 1.0f / w : 1.0f;
}

float blend_of(const model & m) {
    return std::min(1.0f, std::max(0.0f, m.params.blend));
}

status hybrid_check(const train_params & p) {
    const kind_ops * als = kind_get(model_kind::als);
    const kind_ops * ials = kind_get(model_kind::ials);
    if (als && als->check) {
        status s = als->check(rate_params(p));
        if (!s) return s;
    }
    if (!(p.rank_reg > 0)) return status::fail("rank_reg: must be positive (the implicit-ALS row systems need it)");
    if (ials && ials->check) return ials->check(rank_params(p));
    return {};
}

struct parts {
    model rate, rank;
};

// keep_seen: whether the rating part keeps the training rows (the rank part never needs them)
result<parts> parts_fit(const rating_matrix & train, const fit_input & in, const train_params & p,
                        const test_set * test, const epoch_callback & on_epoch, bool keep_seen) {
    parts out;
    out.rate = model_train(train, in.items, in.user_ids, rate_params(p), test, on_epoch, keep_seen);
    fit_input rin{train, in.items, in.user_ids, nullptr};
    rin.no_seen = true;
    result<model> rk = kind_get(model_kind::ials)->fit(rin, rank_params(p), nullptr);
    if (!rk) return result<parts>::fail(rk.error());
    out.rank = std::move(*rk);
    return out;
}

// NDCG@10 of every grid weight for one user: candidates are the items not in `seen`
void user_blend_ndcg(const float * a, const float * r, int32_t n_items, const std::vector<char> & seen,
                     const std::vector<char> & rel, int32_t n_rel, const std::vector<float> & grid, double * out) {
    double idcg = 0;
    for (int32_t q = 1; q <= std::min(blend_k, n_rel); ++q) idcg += 1.0 / std::log2(q + 1.0);
    std::vector<std::pair<float, int32_t>> top;
    for (size_t g = 0; g < grid.size(); ++g) {
        const float w = grid[g];
        top.clear();
        for (int32_t i = 0; i < n_items; ++i) {
            if (seen[i]) continue;
            const float s = w * a[i] + (1.0f - w) * r[i];
            // higher score first, equal scores by lower item (ranking.h's order)
            if ((int32_t) top.size() == blend_k && !(s > top.back().first)) continue;
            auto at = std::upper_bound(top.begin(), top.end(), std::make_pair(s, i),
                                       [](const std::pair<float, int32_t> & x, const std::pair<float, int32_t> & y) {
                                           return x.first > y.first || (x.first == y.first && x.second < y.second);
                                       });
            top.insert(at, {s, i});
            if ((int32_t) top.size() > blend_k) top.pop_back();
        }
        double dcg = 0;
        for (size_t q = 0; q < top.size(); ++q)
            if (rel[top[q].second]) dcg += 1.0 / std::log2((double) q + 2.0);
        out[g] = idcg > 0 ? dcg / idcg : 0.0;
    }
}

// The grid's mean validation NDCG@10 (users in row order, so any thread count gives the same).
std::vector<double> blend_ndcg(const parts & pt, const rating_matrix & keep, const sparse_rows & held, int threads) {
    const std::vector<float> & grid = hybrid_blend_grid();
    std::vector<int32_t> users;
    for (int32_t u = 0; u < held.rows(); ++u)
        if (held.row_size(u) > 0) users.push_back(u);
    if ((int64_t) users.size() > blend_users_max) {
        std::vector<int32_t> pick;
        for (int64_t q = 0; q < blend_users_max; ++q)
            pick.push_back(users[(size_t) (q * (int64_t) users.size() / blend_users_max)]);
        users.swap(pick);
    }
    const int32_t n_items = keep.n_items;
    const int32_t kr = pt.rank.k;
    const float unit = 1.0f / std::max(pt.rate.scale.max - pt.rate.scale.min, 1e-6f);
    std::vector<double> per((size_t) users.size() * grid.size(), 0.0);
    struct scratch {
        std::vector<float> a, r;
        std::vector<char> seen, rel;
    };
    parallel_for((int64_t) users.size(), threads, 4, [] { return scratch(); },
                 [&](scratch & s, int64_t q) {
                     const int32_t u = users[(size_t) q];
                     s.a.resize((size_t) n_items);
                     Eigen::Map<vector_f> a(s.a.data(), n_items);
                     const vector_f xr = pt.rank.users.row(u).tail(kr).transpose();
                     a.noalias() = pt.rank.items.rightCols(kr) * xr;
                     s.r = score_all(pt.rate, pt.rate.users.row(u).transpose());
                     for (float & v : s.r) v = (v - pt.rate.mu) * unit;
                     s.seen.assign((size_t) n_items, 0);
                     s.rel.assign((size_t) n_items, 0);
                     for (uint64_t e = keep.by_user.ptr[u]; e < keep.by_user.ptr[u + 1]; ++e)
                         s.seen[keep.by_user.idx[e]] = 1;
                     int32_t n_rel = 0;
                     for (uint64_t e = held.ptr[u]; e < held.ptr[u + 1]; ++e)
                         if (!s.seen[held.idx[e]] && !s.rel[held.idx[e]]) {
                             s.rel[held.idx[e]] = 1;
                             ++n_rel;
                         }
                     user_blend_ndcg(s.a.data(), s.r.data(), n_items, s.seen, s.rel, n_rel, grid,
                                     &per[(size_t) q * grid.size()]);
                 });
    std::vector<double> mean(grid.size(), 0.0);
    for (size_t q = 0; q < users.size(); ++q)
        for (size_t g = 0; g < grid.size(); ++g) mean[g] += per[q * grid.size() + g];
    for (double & v : mean) v = users.empty() ? 0.0 : v / (double) users.size();
    return mean;
}

result<model> hybrid_fit(const fit_input & in, const train_params & p, const epoch_callback & on_epoch) {
    using R = result<model>;
    status st = hybrid_check(p);
    if (!st) return R::fail(st.error);
    train_params q = p;
    q.kind = model_kind::hybrid;
    std::vector<double> ndcg;
    if (q.blend < 0) {
        // choose w on a validation part of the training data, then train on all of it. The part
        // is taken out of the matrix in place when the caller allows (fit_input::reorder), else
        // out of a copy; the kept entries' recency ranks are ranked again among the kept (the
        // held-out ones, the user's newest under a time holdout, no longer come first)
        const bool given = in.validation && (int64_t) in.validation->size() == in.train.by_user.nnz();
        std::vector<uint8_t> drawn;
        if (!given) drawn = split_rows_holdout(in.train.by_user, nullptr, p.seed);
        const std::vector<uint8_t> & mask = given ? *in.validation : drawn;
        rating_matrix copy;
        rating_matrix & keep = in.reorder == &in.train ? *in.reorder : (copy = in.train);
        rating_holdout held = rating_matrix_hold_out(keep, mask, 1, true, p.threads);
        {
            result<parts> vp = parts_fit(keep, in, p, nullptr, nullptr, false);
            if (!vp) return R::fail("hybrid, validation fit: " + vp.error());
            ndcg = blend_ndcg(*vp, keep, held.held, p.threads);
        }
        if (&keep == in.reorder) rating_matrix_restore(keep, held, mask, 1, p.threads);
        const std::vector<float> & grid = hybrid_blend_grid();
        size_t best = 0;
        for (size_t g = 1; g < grid.size(); ++g)
            if (ndcg[g] > ndcg[best]) best = g;
        // near-ties (within blend_tie, far inside the curve's ±0.01 interval) go to the weight that
        // leans most on the predicted rating ("will you like it"); a rule that also keeps the
        // choice stable when another instruction set moves the curve by 1e-5 (wasm vs native)
        size_t pick = best;
        for (size_t g = best + 1; g < grid.size(); ++g)
            if (ndcg[g] >= ndcg[best] - blend_tie) pick = g;
        q.blend = grid[pick];
    }
    result<parts> fp = parts_fit(in.train, in, p, in.test, on_epoch, !in.no_seen);
    if (!fp) return R::fail(fp.error());
    model m = std::move(fp->rate);
    m.params = q;
    const matrix_f * gram = extra_find(fp->rank, "ials_gram");
    model_array items{items_name, std::move(fp->rank.items), true};
    model_array users{users_name, std::move(fp->rank.users), false};
    model_array g{gram_name, gram ? *gram : matrix_f(ials_gram(items.data).cast<float>()), false, true};
    m.extra.push_back(std::move(items));
    m.extra.push_back(std::move(users));
    m.extra.push_back(std::move(g));
    if (!ndcg.empty()) {
        matrix_f nd(1, (Eigen::Index) ndcg.size());
        for (size_t c = 0; c < ndcg.size(); ++c) nd(0, (Eigen::Index) c) = (float) ndcg[c];
        m.extra.push_back({ndcg_name, std::move(nd), false});
    }
    return m;
}

// the rank part's item rows, checked against the model (null when malformed)
const matrix_f * rank_items(const model & m) {
    const matrix_f * y = extra_find(m, items_name);
    if (!y || y->rows() != m.n_items() || y->cols() < 1) return nullptr;
    return y;
}

int64_t hybrid_visitor_size(const model & m) {
    const matrix_f * y = rank_items(m);
    return (int64_t) m.k + 1 + (y ? y->cols() : 1);
}

// "not interested" moves the ranking part only: it is no rating to predict from
result<vector_f> hybrid_fold_in_negatives(const model & m, const std::vector<rated_item> & rated,
                                          const std::vector<int32_t> & negatives) {
    using R = result<vector_f>;
    const matrix_f * y = rank_items(m);
    if (!y) return R::fail("hybrid: the model has no implicit-ALS item rows (hyb_items)");
    result<vector_f> xa = fold_in(m, rated);
    if (!xa) return R::fail(xa.error());
    const train_params rp = rank_params(m.params);
    result<vector_f> xr =
        ials_fold_in_rows(*y, extra_find(m, gram_name), rp, rated, &negatives, ials_negative_weight(rp, m.scale.max));
    if (!xr) return R::fail(xr.error());
    vector_f x(xa->size() + xr->size());
    x << *xa, *xr;
    return x;
}

result<vector_f> hybrid_fold_in(const model & m, const std::vector<rated_item> & rated) {
    return hybrid_fold_in_negatives(m, rated, {});
}

// s_i = w y_iᵀ x_rank + (1 - w) (r̂_i - μ) / W   (kind_hybrid.h)
void blend_scores(const model & m, const vector_f & x_rate, const vector_f & x_rank, float * out) {
    Eigen::Map<vector_f> o(out, m.n_items());
    const matrix_f * y = rank_items(m);
    if (!y || x_rank.size() != y->cols() || x_rate.size() != m.k + 1) {
        o.setZero();
        return;
    }
    const float w = blend_of(m), unit = rating_unit(m);
    std::vector<float> r = score_all(m, x_rate);
    const Eigen::Index kr = y->cols() - 1;
    o.noalias() = y->rightCols(kr) * x_rank.tail(kr);
    for (int32_t i = 0; i < m.n_items(); ++i) out[i] = w * out[i] + (1.0f - w) * unit * (r[(size_t) i] - m.mu);
}

void hybrid_score(const model & m, const vector_f & x, float * out) {
    const Eigen::Index ka = m.k + 1;
    if (x.size() != hybrid_visitor_size(m)) {
        std::fill(out, out + m.n_items(), 0.0f);
        return;
    }
    blend_scores(m, x.head(ka), x.tail(x.size() - ka), out);
}

void hybrid_score_user(const model & m, int32_t u, float * out) {
    const matrix_f * yu = extra_find(m, users_name);
    const matrix_f * y = rank_items(m);
    if (!yu || !y || u < 0 || u >= yu->rows() || u >= m.n_users() || yu->cols() != y->cols()) {
        std::fill(out, out + m.n_items(), 0.0f);
        return;
    }
    blend_scores(m, m.users.row(u).transpose(), yu->row(u).transpose(), out);
}

void hybrid_rate(const model & m, const vector_f & x, float * out) {
    const Eigen::Index ka = m.k + 1;
    if (x.size() < ka) {
        std::fill(out, out + m.n_items(), m.mu);
        return;
    }
    std::vector<float> r = score_all(m, x.head(ka));
    std::copy(r.begin(), r.end(), out);
}

result<explanation> hybrid_explain(const model & m, const std::vector<rated_item> & rated,
                                   const std::vector<int32_t> & negatives, int32_t item) {
    using R = result<explanation>;
    result<explanation> e = explain(m, rated, item);  // the predicted rating's parts
    if (!e) return e;
    const matrix_f * y = rank_items(m);
    if (!y) return R::fail("hybrid: the model has no implicit-ALS item rows (hyb_items)");
    const train_params rp = rank_params(m.params);
    Eigen::MatrixXd a;
    Eigen::VectorXd b;
    // the dismissed movies only shape A (their preference 0 adds no term to b): the split by
    // rated movie stays exact
    status st = ials_fold_in_system(*y, extra_find(m, gram_name), rp, rated, a, b, &negatives,
                                    ials_negative_weight(rp, m.scale.max));
    if (!st) return R::fail(st.error);
    const Eigen::Index kr = y->cols() - 1;
    // y_iᵀ x = Σ_j c_j y_iᵀ A⁻¹ y_j: one solve t = A⁻¹ y_i, then a dot per rated movie
    Eigen::VectorXd t = Eigen::VectorXd::Zero(kr);
    if (kr > 0) {
        Eigen::LLT<Eigen::MatrixXd, Eigen::Lower> llt(a);
        if (llt.info() != Eigen::Success) return R::fail("hybrid explain: the system is not positive definite");
        t = llt.solve(y->row(item).tail(kr).transpose().cast<double>());
    }
    const double w = blend_of(m), unit = rating_unit(m);
    std::map<int32_t, double> rate_part;
    for (const explanation::term & q : e->by_rated) rate_part[q.item] += q.value;
    std::map<int32_t, double> parts;  // in item order: one term per distinct rated movie
    for (size_t j = 0; j < rated.size(); ++j) {
        const rated_item & r = rated[j];
        const double c = 1.0 + (double) ials_fold_in_weight(rp, r.rating, j, rated.size());
        const double dot = kr > 0 ? y->row(r.item).tail(kr).cast<double>().dot(t) : 0.0;
        parts[r.item] += w * c * dot;
    }
    for (auto & kv : parts) kv.second += (1.0 - w) * unit * rate_part[kv.first];
    e->has_rank = true;
    e->rank_item = (float) ((1.0 - w) * unit * e->item_bias);
    double total = e->rank_item;
    for (const auto & kv : parts) {
        e->rank_by_rated.push_back({kv.first, (float) kv.second});
        total += kv.second;
    }
    e->rank_score = (float) total;
    std::stable_sort(e->rank_by_rated.begin(), e->rank_by_rated.end(),
                     [](const explanation::term & x, const explanation::term & z) {
                         return std::fabs(x.value) > std::fabs(z.value);
                     });
    return e;
}

// Movies like `item`: cosine of the implicit-ALS rows (movies watched by the same people), shrunk
// by support n_j / (n_j + similar_shrink) so that a movie few people rated needs more evidence.
result<std::vector<similar_item>> hybrid_similar(const model & m, int32_t item, int32_t n, int32_t min_count) {
    const matrix_f * y = rank_items(m);
    if (!y) return result<std::vector<similar_item>>::fail("hybrid: the model has no implicit-ALS item rows");
    return similar_rows(m, *y, item, n, min_count, hybrid_similar_shrink());
}

void hybrid_defaults(train_params & p) {
    p.blend = -1.0f;
    p.recency = ials_recency_default;
}

}  // namespace

// Chosen on ml-latest-small, user-time:0.2 (mfrec eval --metrics similar): β = 0, 5, 10, 20, 50
// gave a co-rating hit rate @20 of 0.152, 0.177, 0.180, 0.177, 0.182 and a median count of the
// top 10 of 31, 51, 58, 76, 101 ratings; 10 finds as much while still naming less-known movies.
float hybrid_similar_shrink() {
    return 10.0f;
}

const std::vector<float> & hybrid_blend_grid() {
    static const std::vector<float> g = {1.0f, 0.95f, 0.9f, 0.85f, 0.8f, 0.7f, 0.6f,
                                         0.5f, 0.4f,  0.3f, 0.2f,  0.1f, 0.0f};
    return g;
}

extern const kind_ops kind_hybrid_ops = {
    model_kind::hybrid,
    "hybrid",
    "the list recommender: implicit ALS picks what you will watch, explicit ALS predicts how you will rate it",
    kind_rates | kind_vectors | kind_explains | kind_validates,
    "factors iterations early_stopping regularization reg_bias genre_prior reg_genre reg_by_count solver cg_steps "
    "init_std alpha "
    "confidence recency rank_factors rank_reg blend threads",
    hybrid_defaults,
    hybrid_check,
    hybrid_fit,
    hybrid_fold_in,
    hybrid_score,
    hybrid_score_user,
    hybrid_visitor_size,
    hybrid_rate,
    hybrid_explain,
    hybrid_similar,
    nullptr,  // rate_sd
    hybrid_fold_in_negatives};

}  // namespace mf
