#include <catch2/catch.hpp>
#include <cmath>

#include "als.h"
#include "pca.h"
#include "planted.h"
#include "rng.h"

using namespace mf;

namespace {

// n points q = mean + a·u1 + b·u2 + noise, sd(a) = 3, sd(b) = 1.5, noise sd 0.05, in k dims
matrix_f planted_plane(int n, int k, const vector_f & u1, const vector_f & u2, const vector_f & mean, uint64_t seed) {
    rng g(seed);
    matrix_f q(n, k);
    for (int i = 0; i < n; ++i) {
        vector_f v = mean + (float) (3.0 * g.normal()) * u1 + (float) (1.5 * g.normal()) * u2;
        for (int c = 0; c < k; ++c) v(c) += (float) (0.05 * g.normal());
        q.row(i) = v.transpose();
    }
    return q;
}

vector_f unit(int k, std::initializer_list<std::pair<int, float>> parts) {
    vector_f v = vector_f::Zero(k);
    for (auto & p : parts) v(p.first) = p.second;
    return v / v.norm();
}

}  // namespace

TEST_CASE("PCA recovers a planted plane with axes ordered by variance and fixed signs", "[pca]") {
    const int k = 8;
    vector_f u1 = unit(k, {{1, -2.0f}, {4, 1.0f}, {6, 0.5f}});  // largest |.| negative: flipped
    vector_f u2 = unit(k, {{0, 1.0f}, {3, 1.0f}, {4, 2.0f}, {6, -0.25f}});
    // make u2 orthogonal to u1
    u2 = (u2 - u2.dot(u1) * u1).normalized();
    vector_f mean = vector_f::LinSpaced(k, -1.0f, 1.0f);
    matrix_f q = planted_plane(3000, k, u1, u2, mean, 5);
    pca_map map = pca_fit(q);
    REQUIRE(map.k == k);
    REQUIRE(map.axes.rows() == 2);
    for (int c = 0; c < k; ++c) REQUIRE(map.mean(c) == Approx(mean(c)).margin(0.2));
    vector_f a0 = map.axes.row(0).transpose(), a1 = map.axes.row(1).transpose();
    REQUIRE(a0.norm() == Approx(1.0f).margin(1e-4));
    REQUIRE(a1.norm() == Approx(1.0f).margin(1e-4));
    REQUIRE(std::fabs(a0.dot(a1)) < 1e-4);
    REQUIRE(std::fabs(a0.dot(u1)) > 0.995);
    REQUIRE(std::fabs(a1.dot(u2)) > 0.99);
    // sign rule: the largest-|.| component of each axis is positive
    for (const vector_f & a : {a0, a1}) {
        Eigen::Index big;
        a.cwiseAbs().maxCoeff(&big);
        REQUIRE(a(big) > 0.0f);
    }
    REQUIRE(a0.dot(u1) < 0.0f);  // u1's largest component is negative
    // coordinates are the planted (a, b) up to sign: variance about 9 and 2.25
    double sx = 0, sy = 0;
    for (int i = 0; i < q.rows(); ++i) {
        Eigen::Vector2f xy = map.project_item(q.row(i).data());
        sx += xy(0) * xy(0);
        sy += xy(1) * xy(1);
    }
    REQUIRE(sx / q.rows() == Approx(9.0).epsilon(0.1));
    REQUIRE(sy / q.rows() == Approx(2.25).epsilon(0.1));
}

TEST_CASE("PCA is deterministic and invariant to the sign of the data's axes", "[pca]") {
    const int k = 5;
    vector_f u1 = unit(k, {{2, 1.0f}, {0, 0.3f}}), u2 = unit(k, {{0, 1.0f}, {2, -0.3f}});
    matrix_f q = planted_plane(500, k, u1, u2, vector_f::Zero(k), 9);
    pca_map a = pca_fit(q), b = pca_fit(q);
    REQUIRE(a.axes == b.axes);
    matrix_f neg = -q;  // the same cloud mirrored: axes identical (sign rule), coordinates mirrored
    pca_map c = pca_fit(neg);
    REQUIRE((a.axes - c.axes).cwiseAbs().maxCoeff() < 1e-4);
}

TEST_CASE("PCA of degenerate inputs", "[pca]") {
    pca_map z = pca_fit(matrix_f(0, 4));
    REQUIRE(z.k == 4);
    REQUIRE(z.axes.isZero());
    matrix_f one = matrix_f::Ones(10, 1);
    one(3, 0) = 4.0f;
    pca_map o = pca_fit(one);
    REQUIRE(o.axes(0, 0) == Approx(1.0f));
    REQUIRE(o.axes(1, 0) == 0.0f);
    float v = 4.0f;
    REQUIRE(o.project_item(&v)(1) == 0.0f);
    pca_map e = pca_fit(matrix_f(10, 0));
    REQUIRE(e.project_item(nullptr).isZero());
    REQUIRE(e.project_user(nullptr).isZero());
}

TEST_CASE("the visitor's map position points towards their best-scored items", "[pca]") {
    planted_data p = planted_make(200, 120, 3, 0.3, 0.2f, 23);
    rating_matrix train = rating_matrix_build(p.d, {}, true);
    train_params params;
    params.factors = 4;
    params.iterations = 6;
    params.reg = 3.0f;
    model m = model_train(train, p.d.items, p.d.users.ids, params);
    pca_map map = pca_fit_model(m);
    std::vector<float> xy = pca_item_xy(map, m);
    REQUIRE(map.user_scale > 0.0f);
    // RMS radius of the users' cloud equals the items' (that is how the scale is chosen)
    double ri = 0, ru = 0;
    for (int32_t i = 0; i < m.n_items(); ++i) ri += xy[2 * i] * xy[2 * i] + xy[2 * i + 1] * xy[2 * i + 1];
    for (int32_t u = 0; u < m.n_users(); ++u) {
        Eigen::Vector2f v = map.project_user(m.users.row(u).data() + 1);
        ru += v.squaredNorm();
    }
    REQUIRE(ri / m.n_items() == Approx(ru / m.n_users()).epsilon(1e-3));
    // for most users the items on their side of the map score higher than those opposite
    int agree = 0;
    for (int32_t u = 0; u < m.n_users(); ++u) {
        Eigen::Vector2f d = map.project_user(m.users.row(u).data() + 1);
        double near = 0, far = 0;
        int nn = 0, nf = 0;
        for (int32_t i = 0; i < m.n_items(); ++i) {
            float s = m.users.row(u).tail(m.k).dot(m.items.row(i).tail(m.k));
            if (d(0) * xy[2 * i] + d(1) * xy[2 * i + 1] > 0)
                near += s, ++nn;
            else
                far += s, ++nf;
        }
        if (nn && nf && near / nn > far / nf) ++agree;
    }
    REQUIRE(agree > 0.9 * m.n_users());
}
