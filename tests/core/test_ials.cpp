#include <Eigen/Cholesky>
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <set>

#include "kind_ials.h"
#include "model_file.h"
#include "params.h"
#include "rng.h"

using namespace mf;

namespace {

// Two groups of users with disjoint item sets: users [0, nu/2) rate only items [0, ni/2),
// the others only the rest; each pair of the same group is rated with probability `density`.
dataset two_groups(int32_t nu, int32_t ni, double density, uint64_t seed) {
    dataset d;
    d.items.genres_init_movielens();
    for (int32_t i = 0; i < ni; ++i) d.items.add(100 + i, "Movie " + std::to_string(i) + " (2001)", 1u);
    for (int32_t u = 0; u < nu; ++u) d.users.get_or_add(1 + u);
    rng r(seed);
    int64_t t = 1000;
    for (int32_t u = 0; u < nu; ++u) {
        const bool a = u < nu / 2;
        for (int32_t i = a ? 0 : ni / 2; i < (a ? ni / 2 : ni); ++i)
            if (r.uniform() < density) d.push(u, i, (float) (1 + r.below(5)), t++);
    }
    return d;
}

train_params ials_params() {
    train_params p = kind_defaults(model_kind::ials);
    p.factors = 4;
    p.iterations = 8;
    p.reg = 2.0f;
    p.alpha = 5.0f;
    p.confidence = confidence_kind::binary;
    p.threads = 1;
    return p;
}

model fit(const dataset & d, const rating_matrix & train, const train_params & p) {
    const fit_input in{train, d.items, d.users.ids, nullptr};
    result<model> m = kind_ials_ops.fit(in, p, nullptr);
    REQUIRE(m);
    return std::move(*m);
}

std::vector<rated_item> own_ratings(const rating_matrix & train, int32_t u) {
    std::vector<rated_item> r;
    for (uint64_t e = train.by_user.ptr[u]; e < train.by_user.ptr[u + 1]; ++e)
        r.push_back({train.by_user.idx[e], train.by_user.val[e]});
    return r;
}

}  // namespace

TEST_CASE("ials is registered as a ranking kind with its own defaults", "[ials]") {
    const kind_ops * k = kind_find("ials");
    REQUIRE(k != nullptr);
    REQUIRE(k->id == model_kind::ials);
    REQUIRE((uint32_t) model_kind::ials == 4);
    REQUIRE((k->caps & kind_vectors) != 0);
    REQUIRE((k->caps & kind_rates) == 0);
    REQUIRE(kind_uses(*k, "alpha"));
    REQUIRE(kind_uses(*k, "confidence"));
    REQUIRE_FALSE(kind_uses(*k, "genre_prior"));
    const train_params p = kind_defaults(model_kind::ials);
    REQUIRE(params_check(p));
    REQUIRE(p.solver == solver_kind::cg);
}

TEST_CASE("ials recovers planted groups: a user's top unseen items are of their group", "[ials]") {
    const int32_t nu = 100, ni = 40;
    dataset d = two_groups(nu, ni, 0.5, 3);
    rating_matrix train = rating_matrix_build(d, {}, true);
    model m = fit(d, train, ials_params());
    REQUIRE(m.k == 4);
    REQUIRE(m.mu == 0.0f);
    REQUIRE(m.genres.rows() == 0);
    REQUIRE(m.genres.cols() == 5);
    REQUIRE(m.users.col(0).cwiseAbs().maxCoeff() == 0.0f);
    REQUIRE(m.items.col(0).cwiseAbs().maxCoeff() == 0.0f);
    REQUIRE(m.seen.nnz() == train.nnz());
    std::vector<float> s((size_t) ni);
    for (int32_t u = 0; u < nu; ++u) {
        const bool a = u < nu / 2;
        kind_ials_ops.score(m, m.users.row(u).transpose(), s.data());
        std::set<int32_t> seen;
        for (const rated_item & r : own_ratings(train, u)) seen.insert(r.item);
        std::vector<int32_t> cand;
        for (int32_t i = 0; i < ni; ++i)
            if (!seen.count(i)) cand.push_back(i);
        std::sort(cand.begin(), cand.end(), [&](int32_t x, int32_t y) { return s[x] > s[y]; });
        int unseen_own = 0;
        for (int32_t i : cand) unseen_own += (i < ni / 2) == a;
        const int top = std::min(5, unseen_own);
        INFO("user " << u << " unseen own-group items " << unseen_own);
        for (int t = 0; t < top; ++t) REQUIRE((cand[t] < ni / 2) == a);
    }
}

TEST_CASE("ials fold-in of a training user's ratings is that user's row after a final exact half-step", "[ials]") {
    // with recency, the fold-in's order (oldest first: the rows' order, times increase with it)
    // must weigh each rating as training's ranks did
    const float recency = GENERATE(0.0f, 3.0f);
    CAPTURE(recency);
    dataset d = two_groups(50, 30, 0.5, 8);
    rating_matrix train = rating_matrix_build(d, {}, true);
    rating_matrix_set_recency(train, d, {}, true);
    REQUIRE(train.by_user.recency.size() == (size_t) train.nnz());
    train_params p = ials_params();
    p.confidence = confidence_kind::rating;
    p.alpha = 2.0f;
    p.recency = recency;
    model m = fit(d, train, p);
    matrix_f exact = m.users;
    train_params pe = p;
    pe.solver = solver_kind::cholesky;
    ials_half_step(train.by_user, m.items, exact, pe);
    for (int32_t u : {0, 7, 31, 49}) {
        result<vector_f> x = kind_ials_ops.fold_in(m, own_ratings(train, u));
        REQUIRE(x);
        REQUIRE(x->size() == m.k + 1);
        REQUIRE((*x)(0) == 0.0f);
        const vector_f e = exact.row(u).transpose();
        INFO("user " << u << " fold-in " << x->transpose() << " exact " << e.transpose());
        REQUIRE((*x - e).norm() <= 1e-4 * (1.0 + e.norm()));
        // the trained (warm-started CG) row is close to it too
        const vector_f t = m.users.row(u).transpose();
        REQUIRE((*x - t).norm() <= 0.05 * e.norm());
    }
    // no ratings: the zero row; a bad item row is refused
    result<vector_f> z = kind_ials_ops.fold_in(m, {});
    REQUIRE(z);
    REQUIRE(z->norm() == 0.0f);
    REQUIRE_FALSE(kind_ials_ops.fold_in(m, {{m.n_items(), 3.0f}}));
}

TEST_CASE("ials row solves agree with a dense solve of the normal equations", "[ials][cg]") {
    // Y: 30 item rows [0, y_i], k = 6; one user with 10 interactions
    const int k = 6, ni = 30;
    rng g(17);
    matrix_f items = matrix_f::Zero(ni, k + 1);
    for (int i = 0; i < ni; ++i)
        for (int c = 1; c <= k; ++c) items(i, c) = (float) (0.5 * g.normal());
    sparse_rows row;
    row.ptr = {0, 10};
    for (int t = 0; t < 10; ++t) {
        row.idx.push_back(3 * t + 1);
        row.val.push_back(0.5f + 0.5f * (float) (t % 10));
    }
    for (confidence_kind conf : {confidence_kind::binary, confidence_kind::rating}) {
        train_params p = kind_defaults(model_kind::ials);
        p.reg = 0.7f;
        p.alpha = 3.0f;
        p.confidence = conf;
        // the objective Σ_i c_i (p_i - yᵢᵀx)² + λ‖x‖² over ALL items: c_i = 1, p_i = 0 unless rated
        Eigen::MatrixXd a = 0.7 * Eigen::MatrixXd::Identity(k, k);
        Eigen::VectorXd b = Eigen::VectorXd::Zero(k);
        for (int i = 0; i < ni; ++i) {
            double c = 1.0, pref = 0.0;
            for (int t = 0; t < 10; ++t)
                if (row.idx[t] == i) {
                    c = 1.0 + 3.0 * (conf == confidence_kind::rating ? (double) row.val[t] : 1.0);
                    pref = 1.0;
                }
            const Eigen::VectorXd y = items.row(i).tail(k).transpose().cast<double>();
            a += c * y * y.transpose();
            b += c * pref * y;
        }
        const Eigen::VectorXd want = a.llt().solve(b);
        for (solver_kind sk : {solver_kind::cg, solver_kind::cholesky}) {
            p.solver = sk;
            p.cg_steps = 30;  // CG is exact in k steps up to rounding
            matrix_f self = matrix_f::Zero(1, k + 1);
            self(0, 0) = 9.0f;  // column 0 is always reset
            std::vector<double> sse;
            ials_half_step(row, items, self, p, &sse);
            const Eigen::VectorXd got = self.row(0).tail(k).transpose().cast<double>();
            INFO("solver " << solver_kind_name(sk) << " confidence " << (int) conf);
            REQUIRE(self(0, 0) == 0.0f);
            REQUIRE((got - want).norm() <= 1e-4 * want.norm());
            double e = 0;
            for (int t = 0; t < 10; ++t) {
                const double s = items.row(row.idx[t]).tail(k).cast<double>().dot(want);
                e += (1 - s) * (1 - s);
            }
            REQUIRE(sse.size() == 1);
            REQUIRE(sse[0] == Approx(e).epsilon(1e-3));
        }
        // three warm-started steps from a nearby start (10% off) at least halve the error
        p.solver = solver_kind::cg;
        p.cg_steps = 3;
        matrix_f self = matrix_f::Zero(1, k + 1);
        for (int c = 0; c < k; ++c) self(0, 1 + c) = (float) (want(c) * 0.9);
        ials_half_step(row, items, self, p);
        REQUIRE((self.row(0).tail(k).transpose().cast<double>() - want).norm() <= 0.5 * 0.1 * want.norm());
    }
}

TEST_CASE("recency ranks each user's ratings newest first, equal times sharing a rank", "[ials][recency]") {
    dataset d;
    d.items.genres_init_movielens();
    for (int32_t i = 0; i < 4; ++i) d.items.add(10 + i, "M" + std::to_string(i) + " (2000)", 1u);
    d.users.get_or_add(1);
    d.users.get_or_add(2);
    // user 0: items 0..3 at times 5, 9, 9, 1; user 1: items 1, 2 at 7, 3 (interleaved)
    d.push(0, 0, 4.0f, 5);
    d.push(1, 1, 3.0f, 7);
    d.push(0, 1, 2.0f, 9);
    d.push(0, 2, 5.0f, 9);
    d.push(1, 2, 1.0f, 3);
    d.push(0, 3, 3.5f, 1);
    rating_matrix m = rating_matrix_build(d, {}, true);
    rating_matrix_set_recency(m, d, {}, true);
    // by user, rows in input order: u0 [0, 1, 2, 3] -> ranks [2, 0, 0, 3]; u1 [1, 2] -> [0, 1]
    REQUIRE(std::vector<uint8_t>(m.by_user.recency.begin(), m.by_user.recency.end()) ==
            std::vector<uint8_t>{2, 0, 0, 3, 0, 1});
    // by item: i0 [u0:2]; i1 [u1:0, u0:0]; i2 [u0:0, u1:1]; i3 [u0:3]
    REQUIRE(std::vector<uint8_t>(m.by_item.recency.begin(), m.by_item.recency.end()) ==
            std::vector<uint8_t>{2, 0, 0, 0, 1, 3});
    // a selection ranks among the selected only: without u0's two time-9 ratings
    rating_matrix s = rating_matrix_build(d, {0, 1, 4, 5}, false);
    rating_matrix_set_recency(s, d, {0, 1, 4, 5}, false);
    REQUIRE(std::vector<uint8_t>(s.by_user.recency.begin(), s.by_user.recency.end()) ==
            std::vector<uint8_t>{0, 1, 0, 1});
    // ranks past the cap stay at the cap; no times: no ranks
    dataset big = d;
    for (int t = 0; t < 300; ++t) big.push(1, t % 4, 3.0f, 100 + t);
    rating_matrix b = rating_matrix_build(big, {}, true);
    rating_matrix_set_recency(b, big, {}, true);
    REQUIRE(b.by_user.recency[b.by_user.ptr[1]] == recency_cap);  // u1's first (time 7): 300 newer
    REQUIRE(b.by_user.recency[b.by_user.ptr[2] - 1] == 0);
    dataset untimed = d;
    untimed.release_time();
    rating_matrix u = rating_matrix_build(untimed, {}, true);
    rating_matrix_set_recency(u, untimed, {}, true);
    REQUIRE(u.by_user.recency.empty());
}

TEST_CASE("ials with recency weighs each interaction by 2^(-rank / h) in the normal equations", "[ials][recency]") {
    const int k = 4, ni = 12;
    rng g(5);
    matrix_f items = matrix_f::Zero(ni, k + 1);
    for (int i = 0; i < ni; ++i)
        for (int c = 1; c <= k; ++c) items(i, c) = (float) (0.5 * g.normal());
    sparse_rows row;
    row.ptr = {0, 5};
    const uint8_t ranks[5] = {4, 0, 2, 255, 1};
    for (int t = 0; t < 5; ++t) {
        row.idx.push_back(2 * t + 1);
        row.val.push_back(1.0f + (float) t);
        row.recency.push_back(ranks[t]);
    }
    train_params p = kind_defaults(model_kind::ials);
    p.reg = 0.5f;
    p.alpha = 2.0f;
    p.recency = 1.5f;
    p.solver = solver_kind::cholesky;
    Eigen::MatrixXd a = 0.5 * Eigen::MatrixXd::Identity(k, k);
    Eigen::VectorXd b = Eigen::VectorXd::Zero(k);
    for (int i = 0; i < ni; ++i) {
        double c = 1.0, pref = 0.0;
        for (int t = 0; t < 5; ++t)
            if (row.idx[t] == i) {
                c = 1.0 + 2.0 * row.val[t] * std::pow(2.0, -ranks[t] / 1.5);
                pref = 1.0;
            }
        const Eigen::VectorXd y = items.row(i).tail(k).transpose().cast<double>();
        a += c * y * y.transpose();
        b += c * pref * y;
    }
    const Eigen::VectorXd want = a.llt().solve(b);
    matrix_f self = matrix_f::Zero(1, k + 1);
    ials_half_step(row, items, self, p);
    REQUIRE((self.row(0).tail(k).transpose().cast<double>() - want).norm() <= 1e-4 * want.norm());
    // a fold-in ranks by the order given, oldest first: the j-th of 5 has rank 4 - j
    std::vector<rated_item> rated;
    for (int r : {3, 0, 2, 4, 1}) rated.push_back({row.idx[r], row.val[r]});
    Eigen::MatrixXd a2 = 0.5 * Eigen::MatrixXd::Identity(k, k);
    Eigen::VectorXd b2 = Eigen::VectorXd::Zero(k);
    for (int i = 0; i < ni; ++i) {
        const Eigen::VectorXd y = items.row(i).tail(k).transpose().cast<double>();
        a2 += y * y.transpose();
    }
    for (size_t j = 0; j < rated.size(); ++j) {
        const Eigen::VectorXd y = items.row(rated[j].item).tail(k).transpose().cast<double>();
        const double w = 2.0 * rated[j].rating * std::pow(2.0, -(double) (4 - j) / 1.5);
        a2 += w * y * y.transpose();
        b2 += (1.0 + w) * y;
    }
    result<vector_f> x = ials_fold_in_rows(items, nullptr, p, rated);
    REQUIRE(x);
    REQUIRE((x->tail(k).cast<double>() - a2.llt().solve(b2)).norm() <= 1e-4 * b2.norm());
}

TEST_CASE("ials with recency ranks a user's recent taste first (planted)", "[ials][recency]") {
    // users of group A rate A's items early; the first 8 users then turn to B (5 of B's items at
    // later times): with recency their top unseen pick is B's, without it A's (they rated more of A)
    const int32_t nu = 80, ni = 40, switchers = 8;
    dataset d;
    d.items.genres_init_movielens();
    for (int32_t i = 0; i < ni; ++i) d.items.add(100 + i, "Movie " + std::to_string(i) + " (2001)", 1u);
    for (int32_t u = 0; u < nu; ++u) d.users.get_or_add(1 + u);
    rng r(9);
    for (int32_t u = 0; u < nu; ++u) {
        const bool a = u < nu / 2;
        int64_t t = 1000;
        for (int32_t i = a ? 0 : ni / 2; i < (a ? ni / 2 : ni); ++i)
            if (r.uniform() < 0.6) d.push(u, i, 4.0f, t++);
        if (u < switchers)  // 5 of B's items, rated last
            for (int32_t q = 0; q < 5; ++q) d.push(u, ni / 2 + (int32_t) ((u * 7 + q * 3) % (ni / 2)), 4.0f, 5000 + q);
    }
    rating_matrix train = rating_matrix_build(d, {}, true);
    rating_matrix_set_recency(train, d, {}, true);
    int b_first[2] = {0, 0};
    for (int on = 0; on < 2; ++on) {
        train_params p = ials_params();
        p.recency = on ? 2.0f : 0.0f;
        p.iterations = 10;
        model m = fit(d, train, p);
        for (int32_t u = 0; u < switchers; ++u) {
            std::vector<float> s((size_t) ni);
            kind_ials_ops.score(m, m.users.row(u).transpose(), s.data());
            std::set<int32_t> seen;
            for (uint64_t e = train.by_user.ptr[u]; e < train.by_user.ptr[u + 1]; ++e)
                seen.insert(train.by_user.idx[e]);
            int32_t best = -1;
            for (int32_t i = 0; i < ni; ++i)
                if (!seen.count(i) && (best < 0 || s[(size_t) i] > s[(size_t) best])) best = i;
            b_first[on] += best >= ni / 2;
        }
    }
    INFO("switchers whose top pick is of B: without recency " << b_first[0] << ", with " << b_first[1]);
    REQUIRE(b_first[1] >= switchers - 1);
    REQUIRE(b_first[0] <= 2);
}

TEST_CASE("ials gives the same model for any thread count", "[ials]") {
    dataset d = two_groups(300, 120, 0.2, 21);
    rating_matrix train = rating_matrix_build(d, {}, true);
    train_params p = ials_params();
    p.iterations = 4;
    p.threads = 1;
    model a = fit(d, train, p);
    p.threads = 2;
    model b = fit(d, train, p);
    REQUIRE(a.users.size() == b.users.size());
    REQUIRE(a.items.size() == b.items.size());
    REQUIRE(std::memcmp(a.users.data(), b.users.data(), sizeof(float) * (size_t) a.users.size()) == 0);
    REQUIRE(std::memcmp(a.items.data(), b.items.data(), sizeof(float) * (size_t) a.items.size()) == 0);
    // and another seed gives another model
    p.seed = 43;
    model c = fit(d, train, p);
    REQUIRE(std::memcmp(a.items.data(), c.items.data(), sizeof(float) * (size_t) a.items.size()) != 0);
}

TEST_CASE("ials parameters out of range are refused with a message", "[ials]") {
    train_params p = kind_defaults(model_kind::ials);
    REQUIRE(params_check(p));
    SECTION("regularization 0") {
        p.reg = 0.0f;
        status s = params_check(p);
        REQUIRE_FALSE(s);
        REQUIRE(s.error.find("regularization") != std::string::npos);
    }
    SECTION("negative alpha") {
        p.alpha = -1.0f;
        status s = params_check(p);
        REQUIRE_FALSE(s);
        REQUIRE(s.error.find("alpha") != std::string::npos);
        train_params q = p;
        status t = param_set_number(q, "alpha", -1);
        REQUIRE_FALSE(t);
        REQUIRE(t.error.find("alpha") != std::string::npos);
    }
    SECTION("rating confidence with alpha 0") {
        p.confidence = confidence_kind::rating;
        p.alpha = 0.0f;
        status s = params_check(p);
        REQUIRE_FALSE(s);
        REQUIRE(s.error.find("alpha") != std::string::npos);
    }
    SECTION("unknown confidence") {
        status t = param_set_text(p, "confidence", "linear");
        REQUIRE_FALSE(t);
        REQUIRE(t.error.find("binary|rating") != std::string::npos);
        p.confidence = (confidence_kind) 7;
        status s = params_check(p);
        REQUIRE_FALSE(s);
        REQUIRE(s.error.find("confidence") != std::string::npos);
    }
    SECTION("text round trip") {
        REQUIRE(p.confidence == confidence_kind::rating);  // the default
        REQUIRE(param_set_text(p, "confidence", "binary"));
        REQUIRE(p.confidence == confidence_kind::binary);
        REQUIRE(param_set_text(p, "alpha", "2.5"));
        train_params q = kind_defaults(model_kind::als);
        REQUIRE(params_decode(params_encode(p), q));
        REQUIRE(q.kind == model_kind::ials);
        REQUIRE(q.confidence == confidence_kind::binary);
        REQUIRE(q.alpha == 2.5f);
    }
}

TEST_CASE("ials model file round trip keeps the kind and the scores", "[ials]") {
    dataset d = two_groups(40, 30, 0.4, 5);
    rating_matrix train = rating_matrix_build(d, {}, true);
    train_params p = ials_params();
    p.confidence = confidence_kind::rating;
    p.alpha = 1.5f;
    model m = fit(d, train, p);
    std::vector<uint8_t> bytes = model_file_write(m);
    result<model> r = model_file_read(bytes.data(), bytes.size());
    REQUIRE(r);
    REQUIRE(r->params.kind == model_kind::ials);
    REQUIRE(r->params.confidence == confidence_kind::rating);
    REQUIRE(r->params.alpha == 1.5f);
    REQUIRE(r->k == m.k);
    std::vector<float> s1((size_t) m.n_items()), s2((size_t) m.n_items());
    for (int32_t u : {0, 25}) {
        kind_ials_ops.score(m, m.users.row(u).transpose(), s1.data());
        kind_ials_ops.score(*r, r->users.row(u).transpose(), s2.data());
        REQUIRE(s1 == s2);
        result<vector_f> x1 = kind_ials_ops.fold_in(m, own_ratings(train, u));
        result<vector_f> x2 = kind_ials_ops.fold_in(*r, own_ratings(train, u));
        REQUIRE(x1);
        REQUIRE(x2);
        REQUIRE(*x1 == *x2);
    }
    // without the stored Gram (a web bundle keeps only per-item arrays) fold-in recomputes it
    model bare = *r;
    bare.extra.clear();
    result<vector_f> x3 = kind_ials_ops.fold_in(bare, own_ratings(train, 0));
    result<vector_f> x1 = kind_ials_ops.fold_in(m, own_ratings(train, 0));
    REQUIRE(x3);
    REQUIRE((*x3 - *x1).norm() <= 1e-5 * (1 + x1->norm()));
}
