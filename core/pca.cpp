#include "pca.h"

#include <Eigen/Eigenvalues>
#include <cmath>

namespace mf {

Eigen::Vector2f pca_map::project_item(const float * q) const {
    Eigen::Vector2f out = Eigen::Vector2f::Zero();
    if (k == 0) return out;
    Eigen::Map<const vector_f> v(q, k);
    out(0) = axes.row(0).dot(v.transpose()) - axes.row(0).dot(mean.transpose());
    out(1) = axes.row(1).dot(v.transpose()) - axes.row(1).dot(mean.transpose());
    return out;
}

Eigen::Vector2f pca_map::project_user(const float * p) const {
    Eigen::Vector2f out = Eigen::Vector2f::Zero();
    if (k == 0) return out;
    Eigen::Map<const vector_f> v(p, k);
    out(0) = user_scale * axes.row(0).dot(v.transpose());
    out(1) = user_scale * axes.row(1).dot(v.transpose());
    return out;
}

pca_basis pca_fit_basis(const matrix_f & q) {
    pca_basis b;
    const Eigen::Index n = q.rows(), k = q.cols();
    b.mean = vector_f::Zero(k);
    b.axes = matrix_f::Identity(k, k);
    if (k == 0 || n == 0) return b;
    // mean and covariance in double: 87k rows of float sums lose digits
    Eigen::VectorXd mean = Eigen::VectorXd::Zero(k);
    for (Eigen::Index i = 0; i < n; ++i) mean += q.row(i).transpose().cast<double>();
    mean /= (double) n;
    Eigen::MatrixXd cov = Eigen::MatrixXd::Zero(k, k);
    Eigen::VectorXd c(k);
    for (Eigen::Index i = 0; i < n; ++i) {
        c = q.row(i).transpose().cast<double>() - mean;
        cov.selfadjointView<Eigen::Lower>().rankUpdate(c);
    }
    cov = cov.selfadjointView<Eigen::Lower>();
    cov /= (double) n;
    b.mean = mean.cast<float>();
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(cov);
    // eigenvalues ascending: the last column is the top axis
    for (Eigen::Index a = 0; a < k; ++a) {
        Eigen::VectorXd v = es.eigenvectors().col(k - 1 - a);
        Eigen::Index big = 0;
        for (Eigen::Index j = 1; j < k; ++j)
            if (std::fabs(v(j)) > std::fabs(v(big)) + 1e-12) big = j;
        if (v(big) < 0) v = -v;
        b.axes.row(a) = v.transpose().cast<float>();
    }
    return b;
}

pca_map pca_fit(const matrix_f & q) {
    pca_map map;
    const Eigen::Index k = q.cols();
    map.k = (int32_t) k;
    map.axes = matrix_f::Zero(2, k);
    pca_basis b = pca_fit_basis(q);
    map.mean = b.mean;
    if (q.rows() == 0) return map;
    for (Eigen::Index a = 0; a < 2 && a < k; ++a) map.axes.row(a) = b.axes.row(a);
    return map;
}

std::vector<float> pca_item_xy(const pca_map & map, const model & m) {
    std::vector<float> xy((size_t) m.n_items() * 2, 0.0f);
    if (map.k == 0 || m.k != map.k || m.n_items() == 0) return xy;
    // all rows at once: XY = Q Aᵀ - (A mean)ᵀ
    Eigen::Map<Eigen::Matrix<float, Eigen::Dynamic, 2, Eigen::RowMajor>> out(xy.data(), m.n_items(), 2);
    out.noalias() = m.items.rightCols(m.k) * map.axes.transpose();
    Eigen::RowVector2f shift = (map.axes * map.mean).transpose();
    out.rowwise() -= shift;
    return xy;
}

float pca_user_scale(const pca_map & map, const std::vector<float> & item_xy, const matrix_f & user_p) {
    if (map.k == 0 || user_p.rows() == 0 || user_p.cols() != map.k) return 1.0f;
    double item_ms = 0.0;
    const size_t n = item_xy.size() / 2;
    for (size_t i = 0; i < n; ++i)
        item_ms += (double) item_xy[2 * i] * item_xy[2 * i] + (double) item_xy[2 * i + 1] * item_xy[2 * i + 1];
    item_ms /= (double) (n ? n : 1);
    double user_ms = 0.0;
    for (Eigen::Index u = 0; u < user_p.rows(); ++u) {
        double x = map.axes.row(0).dot(user_p.row(u)), y = map.axes.row(1).dot(user_p.row(u));
        user_ms += x * x + y * y;
    }
    user_ms /= (double) user_p.rows();
    if (!(item_ms > 0.0) || !(user_ms > 0.0)) return 1.0f;
    double s = std::sqrt(item_ms / user_ms);
    return std::isfinite(s) ? (float) s : 1.0f;
}

pca_map pca_fit_model(const model & m) {
    if (m.k == 0) {
        pca_map map;
        map.mean = vector_f::Zero(0);
        map.axes = matrix_f::Zero(2, 0);
        return map;
    }
    matrix_f q = m.items.rightCols(m.k);
    pca_map map = pca_fit(q);
    std::vector<float> xy = pca_item_xy(map, m);
    if (m.n_users() > 0) {
        matrix_f p = m.users.rightCols(m.k);
        map.user_scale = pca_user_scale(map, xy, p);
    } else {
        // no users: item vectors stand in for them (ALS gives p and q comparable norms)
        map.user_scale = pca_user_scale(map, xy, q);
    }
    return map;
}

}  // namespace mf
