// bayes_draw.h - the random draws of the Gibbs sampler (kind_bayes.h), on mf::rng so that a seed
// gives the same draws natively and in wasm.
//
// Every draw of a sweep comes from a generator keyed by (seed, sweep, stream, row): the counter-
// based scheme that makes the sampler independent of the thread count and of the row order.
#pragma once

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <cmath>
#include <cstdint>

#include "rng.h"

namespace mf {

// A generator for one (sweep, stream, row): three rounds of splitmix hashing of the counters.
inline rng bayes_rng(uint64_t seed, uint64_t sweep, uint64_t stream, uint64_t row) {
    const uint64_t a = rng_hash(seed, sweep * 0x100000001B3ull + stream);
    return rng(rng_hash(a, row));
}

// Gamma(shape, scale = 1), Marsaglia & Tsang (2000); shape < 1 by the boost u^(1/shape).
inline double draw_gamma(rng & g, double shape) {
    if (shape < 1.0) {
        const double u = g.uniform();
        return draw_gamma(g, shape + 1.0) * std::pow(u > 1e-300 ? u : 1e-300, 1.0 / shape);
    }
    const double d = shape - 1.0 / 3.0, c = 1.0 / std::sqrt(9.0 * d);
    for (;;) {
        double x, v;
        do {
            x = g.normal();
            v = 1.0 + c * x;
        } while (v <= 0.0);
        v = v * v * v;
        const double u = g.uniform();
        if (u < 1.0 - 0.0331 * x * x * x * x) return d * v;
        if (std::log(u > 1e-300 ? u : 1e-300) < 0.5 * x * x + d * (1.0 - v + std::log(v))) return d * v;
    }
}

// Wishart(W, ν) by Bartlett's decomposition: Λ = L A Aᵀ Lᵀ, W = L Lᵀ, A lower triangular with
// A_jj = sqrt(χ²(ν - j)), A_ij ~ N(0, 1) below the diagonal. E[Λ] = ν W.
inline Eigen::MatrixXd draw_wishart(rng & g, const Eigen::MatrixXd & w, double nu) {
    const Eigen::Index d = w.rows();
    const Eigen::MatrixXd l = Eigen::LLT<Eigen::MatrixXd>(w).matrixL();
    Eigen::MatrixXd a = Eigen::MatrixXd::Zero(d, d);
    for (Eigen::Index j = 0; j < d; ++j) {
        a(j, j) = std::sqrt(2.0 * draw_gamma(g, 0.5 * (nu - (double) j)));  // χ²(n) = 2 Gamma(n/2)
        for (Eigen::Index i = j + 1; i < d; ++i) a(i, j) = g.normal();
    }
    const Eigen::MatrixXd la = l * a;
    return la * la.transpose();
}

// A draw of N(P⁻¹ b, P⁻¹) given the Cholesky factor L of the precision P = L Lᵀ:
// x = L⁻ᵀ (L⁻¹ b + z), z ~ N(0, I).
inline void draw_gaussian_precision(rng & g, const Eigen::LLT<Eigen::MatrixXd> & llt, const Eigen::VectorXd & b,
                                    Eigen::VectorXd & x) {
    x = llt.matrixL().solve(b);
    for (Eigen::Index j = 0; j < x.size(); ++j) x(j) += g.normal();
    llt.matrixU().solveInPlace(x);
}

}  // namespace mf
