// test_hybrid.cpp - the list recommender (kind_hybrid.h): its score is the documented blend of
// its two parts, computed here independently; the explanation adds up; the validation holdout
// takes each user's latest ratings; model file and bundle keep what the list needs.
#include <Eigen/Cholesky>
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <set>

#include "bundle.h"
#include "kind_hybrid.h"
#include "kind_ials.h"
#include "matrix_same.h"
#include "model_file.h"
#include "params.h"
#include "pipeline.h"
#include "planted.h"
#include "split.h"

using namespace mf;

namespace {

train_params small_params(float blend) {
    train_params p = kind_defaults(model_kind::hybrid);
    p.factors = 4;
    p.rank_factors = 3;
    p.iterations = 6;
    p.reg = 2.0f;
    p.rank_reg = 2.0f;
    p.blend = blend;
    p.threads = 1;
    return p;
}

fit_result fit_small(const dataset & d, float blend, const std::string & split = "none") {
    fit_options o;
    o.split = split;
    o.seed = 3;
    o.params = small_params(blend);
    result<fit_result> r = pipeline_fit(d, o);
    REQUIRE(r);
    return std::move(*r);
}

const matrix_f & array_of(const model & m, const std::string & name) {
    for (const model_array & a : m.extra)
        if (a.name == name) return a.data;
    FAIL("no array " << name);
    static matrix_f none;
    return none;
}

}  // namespace

TEST_CASE("hybrid: the list score is w * implicit score + (1 - w) * (rating - mu) / scale width", "[hybrid][kind]") {
    planted_data pd = planted_make(60, 40, 3, 0.3, 0.3f, 5);
    const fit_result fr = fit_small(pd.d, 0.7f);
    const model & m = fr.m;
    REQUIRE(m.params.kind == model_kind::hybrid);
    REQUIRE(m.params.blend == Approx(0.7f));
    const matrix_f & y = array_of(m, "hyb_items");
    REQUIRE(y.rows() == m.n_items());
    REQUIRE(y.cols() == 4);  // [0, y_i], rank_factors 3

    const std::vector<rated_item> rated = {{0, 5.0f}, {3, 1.5f}, {7, 4.0f}, {12, 3.0f}};
    result<visitor> v = visitor_new(m, rated);
    REQUIRE(v);
    REQUIRE(v->x.size() == (m.k + 1) + 4);
    result<std::vector<float>> s = visitor_scores(m, *v);
    REQUIRE(s);

    // independently: the explicit part by a ridge solve (infer.h's fold-in), the implicit part by
    // the normal equations (YᵀY + λI + Σ α r_j y_j y_jᵀ) x = Σ (1 + α r_j) y_j, formed here
    const vector_f xa = v->x.head(m.k + 1);
    REQUIRE(fold_in(m, rated));
    REQUIRE((xa - *fold_in(m, rated)).cwiseAbs().maxCoeff() < 1e-6f);
    Eigen::MatrixXd a = Eigen::MatrixXd::Zero(3, 3);
    for (int32_t i = 0; i < y.rows(); ++i) {
        const Eigen::Vector3d yi = y.row(i).tail(3).transpose().cast<double>();
        a += yi * yi.transpose();
    }
    a.diagonal().array() += 2.0;
    Eigen::Vector3d b = Eigen::Vector3d::Zero();
    // the ratings in the order given, oldest first: the j-th of n weighs 2^(-(n-1-j) / h) more
    const double alpha = m.params.alpha, h = m.params.recency;
    REQUIRE(h > 0);
    for (size_t j = 0; j < rated.size(); ++j) {
        const rated_item & r = rated[j];
        const Eigen::Vector3d yj = y.row(r.item).tail(3).transpose().cast<double>();
        const double w = alpha * r.rating * std::pow(2.0, -(double) (rated.size() - 1 - j) / h);
        a += w * yj * yj.transpose();
        b += (1.0 + w) * yj;
    }
    const Eigen::Vector3d xr = a.llt().solve(b);
    const double width = m.scale.max - m.scale.min;
    for (int32_t i = 0; i < m.n_items(); ++i) {
        double rating = m.mu + m.items(i, 0) + xa(0);
        for (int c = 1; c <= m.k; ++c) rating += (double) m.items(i, c) * xa(c);
        const double implicit = y.row(i).tail(3).cast<double>().dot(xr);
        const double want = 0.7 * implicit + 0.3 * (rating - m.mu) / width;
        CAPTURE(i);
        REQUIRE((*s)[(size_t) i] == Approx(want).margin(2e-4));
    }

    // recommend: ordered by that score, the rating shown is the explicit part's, clamped
    recommend_options ro;
    ro.n = 5;
    result<std::vector<recommendation>> top = recommend(m, *v, ro);
    REQUIRE(top);
    REQUIRE(top->size() == 5);
    std::vector<float> r_all = score_all(m, xa);
    for (size_t q = 0; q < top->size(); ++q) {
        const recommendation & rec = (*top)[q];
        REQUIRE(rec.score == Approx((*s)[(size_t) rec.item]).margin(1e-6));
        REQUIRE(rec.rating == Approx(m.scale.clamp(r_all[(size_t) rec.item])).margin(1e-5));
        if (q > 0) REQUIRE(rec.score <= (*top)[q - 1].score);
        for (const rated_item & r : rated) REQUIRE(rec.item != r.item);
    }

    // "not interested" in items 2 and 20 (and in 0, which is rated: it stays rated): each adds
    // w_neg y_n y_nᵀ to A with preference 0 (nothing to b), w_neg = α × the scale's top; the
    // rating part is unchanged; both are never recommended
    result<visitor> vn = visitor_new(m, rated, {2, 20, 0, 2});
    REQUIRE(vn);
    REQUIRE(vn->not_interested == std::vector<int32_t>{2, 20});
    REQUIRE((vn->x.head(m.k + 1) - xa).cwiseAbs().maxCoeff() < 1e-6f);
    Eigen::MatrixXd an = a;
    for (int32_t n : {2, 20}) {
        const Eigen::Vector3d yn = y.row(n).tail(3).transpose().cast<double>();
        an += alpha * m.scale.max * yn * yn.transpose();
    }
    const Eigen::Vector3d xn = an.llt().solve(b);
    REQUIRE((vn->x.tail(3).cast<double>() - xn).norm() <= 1e-4 * (1.0 + xn.norm()));
    result<std::vector<float>> sn = visitor_scores(m, *vn);
    REQUIRE(sn);
    // their scores fall: by Sherman-Morrison y_nᵀA⁻¹b shrinks towards 0, and here it was positive
    for (int32_t n : {2, 20}) REQUIRE((*sn)[(size_t) n] < (*s)[(size_t) n]);
    ro.n = m.n_items();
    result<std::vector<recommendation>> all = recommend(m, *vn, ro);
    REQUIRE(all);
    REQUIRE(all->size() == (size_t) m.n_items() - rated.size() - 2);
    for (const recommendation & rec : *all) REQUIRE((rec.item != 2 && rec.item != 20));
    REQUIRE_FALSE(visitor_new(m, rated, {m.n_items()}));
}

TEST_CASE("hybrid: the explanation of the list score adds up, one part per rated movie", "[hybrid][explain]") {
    planted_data pd = planted_make(50, 30, 3, 0.35, 0.3f, 8);
    const fit_result fr = fit_small(pd.d, 0.6f);
    const model & m = fr.m;
    const std::vector<rated_item> rated = {{1, 4.5f}, {4, 2.5f}, {9, 4.0f}};
    // with movies dismissed too: they shape the system, not the sum's terms
    const std::vector<int32_t> dismissed = GENERATE(std::vector<int32_t>{}, std::vector<int32_t>{3, 12});
    result<visitor> v = visitor_new(m, rated, dismissed);
    REQUIRE(v);
    result<std::vector<float>> s = visitor_scores(m, *v);
    REQUIRE(s);
    for (int32_t item : {0, 5, 17}) {
        CAPTURE(item, dismissed.size());
        result<explanation> e = visitor_explain(m, *v, item);
        REQUIRE(e);
        REQUIRE(e->has_rank);
        REQUIRE(e->rank_score == Approx((*s)[(size_t) item]).margin(1e-5));
        double sum = e->rank_item;
        std::set<int32_t> items;
        for (const explanation::term & t : e->rank_by_rated) {
            sum += t.value;
            items.insert(t.item);
        }
        REQUIRE(sum == Approx(e->rank_score).margin(1e-5));
        REQUIRE(items == std::set<int32_t>{1, 4, 9});
        // the rating's own split still holds: μ + b_i + Σ by_rated = raw rating
        double r = e->mu + e->item_bias;
        for (const explanation::term & t : e->by_rated) r += t.value;
        REQUIRE(r == Approx(e->score_raw).margin(1e-4));
        // the movie's own part is (1 - w) b_i / W
        REQUIRE(e->rank_item == Approx(0.4 * e->item_bias / (m.scale.max - m.scale.min)).margin(1e-6));
    }
}

TEST_CASE("hybrid: a known user is scored from their stored rows, as a fold-in of their ratings would",
          "[hybrid][kind]") {
    planted_data pd = planted_make(40, 30, 2, 0.5, 0.2f, 12);
    const fit_result fr = fit_small(pd.d, 0.5f);
    const model & m = fr.m;
    result<visitor> known = visitor_known(m, pd.d.users.ids[3]);
    REQUIRE(known);
    result<std::vector<float>> sk = visitor_scores(m, *known);
    REQUIRE(sk);
    result<visitor> again = visitor_new(m, known->rated);
    REQUIRE(again);
    result<std::vector<float>> sf = visitor_scores(m, *again);
    REQUIRE(sf);
    // the stored rows are the last half-step's fit to the final item rows; the fold-in solves the
    // same systems (the implicit part by CG in training: close, not equal)
    double worst = 0;
    for (size_t i = 0; i < sk->size(); ++i) worst = std::max(worst, (double) std::fabs((*sk)[i] - (*sf)[i]));
    REQUIRE(worst < 0.05);
}

TEST_CASE("hybrid: the blend is chosen on a validation part and kept with the model", "[hybrid][kind]") {
    planted_data pd = planted_make(80, 50, 3, 0.3, 0.3f, 21);
    const fit_result fr = fit_small(pd.d, -1.0f, "user-time:0.2");
    const std::vector<float> & grid = hybrid_blend_grid();
    REQUIRE(std::find(grid.begin(), grid.end(), fr.m.params.blend) != grid.end());
    const matrix_f & nd = array_of(fr.m, "hyb_blend_ndcg");
    REQUIRE(nd.cols() == (Eigen::Index) grid.size());
    // the chosen weight: among those within 0.001 of the best validation NDCG@10, the one
    // leaning most on the rating part (the grid runs from 1 down to 0)
    Eigen::Index best = 0;
    for (Eigen::Index c = 1; c < nd.cols(); ++c)
        if (nd(0, c) > nd(0, best)) best = c;
    Eigen::Index pick = best;
    for (Eigen::Index c = best + 1; c < nd.cols(); ++c)
        if ((double) nd(0, c) >= (double) nd(0, best) - 0.001) pick = c;
    CAPTURE(nd);
    REQUIRE(fr.m.params.blend == grid[(size_t) pick]);
    for (Eigen::Index c = 0; c < nd.cols(); ++c) {
        REQUIRE(nd(0, c) >= 0.0f);
        REQUIRE(nd(0, c) <= 1.0f);
    }
    // the same seed gives the same model whatever the thread count
    fit_options o;
    o.split = "user-time:0.2";
    o.seed = 3;
    o.params = small_params(-1.0f);
    o.params.threads = 2;
    result<fit_result> two = pipeline_fit(pd.d, o);
    REQUIRE(two);
    REQUIRE(two->m.params.blend == fr.m.params.blend);
    REQUIRE((two->m.items - fr.m.items).cwiseAbs().maxCoeff() == 0.0f);
    REQUIRE((array_of(two->m, "hyb_items") - array_of(fr.m, "hyb_items")).cwiseAbs().maxCoeff() == 0.0f);
}

TEST_CASE("hybrid: the validation part taken out in place gives the model of a copy, and the matrix back",
          "[hybrid][kind]") {
    planted_data pd = planted_make(70, 40, 3, 0.35, 0.3f, 8);
    rating_matrix m = rating_matrix_build(pd.d, {}, true);
    rating_matrix_set_recency(m, pd.d, {}, true);
    REQUIRE((int64_t) m.by_user.recency.size() == m.nnz());
    const rating_matrix before = m;
    const std::vector<uint8_t> mask = split_rows_holdout(m.by_user, nullptr, 4);
    const train_params p = small_params(-1.0f);
    const kind_ops * k = kind_get(model_kind::hybrid);
    fit_input copy{m, pd.d.items, pd.d.users.ids, nullptr};
    copy.validation = &mask;
    result<model> a = k->fit(copy, p, nullptr);
    REQUIRE(a);
    fit_input in_place = copy;
    in_place.reorder = &m;
    in_place.no_seen = true;
    result<model> b = k->fit(in_place, p, nullptr);
    REQUIRE(b);
    CHECK(b->params.blend == a->params.blend);
    CHECK(array_of(*b, "hyb_blend_ndcg") == array_of(*a, "hyb_blend_ndcg"));
    CHECK(b->items == a->items);
    CHECK(array_of(*b, "hyb_items") == array_of(*a, "hyb_items"));
    CHECK(a->seen.nnz() == m.nnz());  // the copy path keeps the training rows; no_seen leaves them
    CHECK(b->seen.nnz() == 0);
    // the matrix is restored byte for byte
    require_same_matrix(m, before);
}

TEST_CASE("split_rows_holdout: each row's latest fifth by time, or a seeded random fifth", "[hybrid][split]") {
    // rows of 3, 5, 10 and 11 entries; times descending in row 2 so the latest are the first
    std::vector<int32_t> u, i;
    std::vector<float> r;
    const int sizes[4] = {3, 5, 10, 11};
    for (int row = 0; row < 4; ++row)
        for (int e = 0; e < sizes[row]; ++e) {
            u.push_back(row);
            i.push_back(e);
            r.push_back(3.0f);
        }
    const rating_matrix m = rating_matrix_from_coo(4, 11, u, i, r);
    std::vector<int64_t> time((size_t) m.by_user.nnz());
    for (int32_t row = 0; row < 4; ++row)
        for (uint64_t e = m.by_user.ptr[row]; e < m.by_user.ptr[row + 1]; ++e) {
            const int64_t pos = (int64_t) (e - m.by_user.ptr[row]);
            time[e] = row == 2 ? 100 - pos : pos;
        }
    const std::vector<uint8_t> mask = split_rows_holdout(m.by_user, time.data(), 1);
    auto held = [&](int32_t row) {
        std::set<int64_t> s;
        for (uint64_t e = m.by_user.ptr[row]; e < m.by_user.ptr[row + 1]; ++e)
            if (mask[e]) s.insert((int64_t) (e - m.by_user.ptr[row]));
        return s;
    };
    REQUIRE(held(0).empty());                      // fewer than 5: all kept
    REQUIRE(held(1) == std::set<int64_t>{4});      // floor(5/5) = 1, the latest
    REQUIRE(held(2) == std::set<int64_t>{0, 1});   // the latest two are the first two here
    REQUIRE(held(3) == std::set<int64_t>{9, 10});  // floor(11/5) = 2
    const std::vector<uint8_t> a = split_rows_holdout(m.by_user, nullptr, 7);
    const std::vector<uint8_t> b = split_rows_holdout(m.by_user, nullptr, 7);
    REQUIRE(a == b);
    int64_t n = 0;
    for (uint8_t x : a) n += x;
    REQUIRE(n == 0 + 1 + 2 + 2);
}

TEST_CASE("hybrid: model file and int8 bundle keep the list", "[hybrid][file]") {
    planted_data pd = planted_make(60, 40, 3, 0.3, 0.3f, 33);
    const fit_result fr = fit_small(pd.d, 0.8f);
    const model & m = fr.m;
    result<model> back = model_file_read(model_file_write(m).data(), model_file_write(m).size());
    REQUIRE(back);
    REQUIRE(back->params.blend == Approx(0.8f));
    REQUIRE((array_of(*back, "hyb_items") - array_of(m, "hyb_items")).cwiseAbs().maxCoeff() == 0.0f);
    REQUIRE((array_of(*back, "hyb_users") - array_of(m, "hyb_users")).cwiseAbs().maxCoeff() == 0.0f);

    bundle_options bo;  // int8 codes, the default
    const std::vector<uint8_t> bytes = bundle_write(m, bo);
    result<web_model> w = bundle_read(bytes.data(), bytes.size());
    REQUIRE(w);
    // per-item rows stored in their PCA basis C (bundle.cpp) and quantized to ±63 levels of each
    // row's max: a coordinate errs by <= max / 126 <= |y_i| / 126, so every dot product y_i·y_j (all
    // the page computes with the rows) by <= 2 √kr / 126 |y_i| |y_j| + kr (|y_i| |y_j| / 126²)
    const matrix_f & y0 = array_of(m, "hyb_items");
    const matrix_f & y1 = array_of(w->m, "hyb_items");
    REQUIRE(y1.rows() == y0.rows());
    REQUIRE(y1.cols() == y0.cols());
    const Eigen::Index kr = y0.cols() - 1;
    const matrix_f d0 = y0.rightCols(kr) * y0.rightCols(kr).transpose();
    const matrix_f d1 = y1.rightCols(kr) * y1.rightCols(kr).transpose();
    const float e = 2.0f * std::sqrt((float) kr) / 126.0f + (float) kr / (126.0f * 126.0f);
    for (Eigen::Index i = 0; i < y0.rows(); ++i)
        for (Eigen::Index j = 0; j < y0.rows(); ++j)
            REQUIRE(std::abs(d1(i, j) - d0(i, j)) <= e * std::sqrt(d0(i, i) * d0(j, j)) + 1e-6f);
    // ... in another basis indeed (the first coordinates carry the most spread), the Gram rotated alike
    REQUIRE((y1.rightCols(kr) - y0.rightCols(kr)).cwiseAbs().maxCoeff() > y0.rightCols(kr).cwiseAbs().maxCoeff() / 10);
    const matrix_f & g0 = array_of(m, "hyb_gram");
    const matrix_f & g1 = array_of(w->m, "hyb_gram");
    REQUIRE(g1.trace() == Approx(g0.trace()).epsilon(1e-4));
    REQUIRE((g1 - y1.rightCols(kr).transpose() * y1.rightCols(kr)).cwiseAbs().maxCoeff() <= 0.05f * g0.trace());
    // the Gram travels (the page folds a visitor in without recomputing it); no user rows do
    bool gram = false, users = false;
    for (const model_array & a : w->m.extra) {
        gram = gram || a.name == "hyb_gram";
        users = users || a.name == "hyb_users";
    }
    REQUIRE(gram);
    REQUIRE(!users);
    // the same visitor gets nearly the same list from the bundle
    const std::vector<rated_item> rated = {{2, 4.5f}, {6, 4.0f}, {11, 2.5f}};
    recommend_options ro;
    ro.n = 10;
    result<visitor> v0 = visitor_new(m, rated), v1 = visitor_new(w->m, rated);
    REQUIRE(v0);
    REQUIRE(v1);
    result<std::vector<recommendation>> t0 = recommend(m, *v0, ro), t1 = recommend(w->m, *v1, ro);
    REQUIRE(t0);
    REQUIRE(t1);
    std::set<int32_t> a, b;
    for (const recommendation & r : *t0) a.insert(r.item);
    for (const recommendation & r : *t1) b.insert(r.item);
    int common = 0;
    for (int32_t x : a) common += b.count(x) ? 1 : 0;
    REQUIRE(common >= 8);
}
