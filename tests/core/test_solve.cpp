// The row-solve kernels (gram.h, solve.h) against an Eigen reference in double precision: the
// packed lower-triangle Gram, the blocked Cholesky, the Woodbury path, conjugate gradient, the
// fused training error; for the running kernel path (MFREC_ISA) and for the portable one (as
// wasm builds it). tests/core/test_isa.cpp checks every path against hand-computed values.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <vector>

#include "gram.h"
#include "rng.h"
#include "solve.h"

using namespace mf;

namespace {

// n ratings of one row against `other` rows (n_other x (k+1)): random partners and ratings.
struct row_case {
    int k = 0;
    matrix_f other;
    std::vector<int32_t> idx;
    std::vector<float> val;
    float mu = 3.5f;
    vector_f d, prior;
};

row_case make_case(int k, int64_t n, uint64_t seed, int32_t n_other = 300) {
    rng r(seed);
    row_case c;
    c.k = k;
    c.other = matrix_f(n_other, k + 1);
    for (int32_t i = 0; i < n_other; ++i)
        for (int j = 0; j <= k; ++j) c.other(i, j) = (float) (j == 0 ? 0.3 * r.normal() : 0.5 * r.normal());
    for (int64_t e = 0; e < n; ++e) {
        c.idx.push_back((int32_t) (r.uniform() * n_other) % n_other);
        c.val.push_back((float) (0.5 * (1 + (int) (r.uniform() * 10))));
    }
    c.d = vector_f(k + 1);
    c.d(0) = 2.0f;
    for (int j = 1; j <= k; ++j) c.d(j) = 3.0f;
    c.prior = vector_f(k + 1);
    for (int j = 0; j <= k; ++j) c.prior(j) = (float) (0.2 * r.normal());
    return c;
}

// x = (ZᵀZ + D)⁻¹ (Zᵀt + D x̄) in double, z = [1, q_j], t = r - μ - b_j
Eigen::VectorXd reference(const row_case & c, bool with_prior) {
    const int dim = c.k + 1;
    Eigen::MatrixXd A = Eigen::MatrixXd::Zero(dim, dim);
    Eigen::VectorXd b = Eigen::VectorXd::Zero(dim), z(dim);
    for (size_t e = 0; e < c.idx.size(); ++e) {
        for (int j = 0; j < dim; ++j) z(j) = j == 0 ? 1.0 : (double) c.other(c.idx[e], j);
        double t = (double) c.val[e] - c.mu - c.other(c.idx[e], 0);
        A += z * z.transpose();
        b += t * z;
    }
    for (int j = 0; j < dim; ++j) {
        A(j, j) += c.d(j);
        if (with_prior) b(j) += (double) c.d(j) * c.prior(j);
    }
    return A.ldlt().solve(b);
}

vector_f solve(const row_case & c, solver_kind solver, int steps, bool with_prior, double * sse = nullptr,
               const vector_f * start = nullptr) {
    row_scratch s;
    vector_f x = start ? *start : vector_f::Zero(c.k + 1);
    row_solve(c.other.data(), c.k + 1, c.idx.data(), c.val.data(), (int64_t) c.idx.size(), c.mu, c.d.data(),
              with_prior ? c.prior.data() : nullptr, solver, steps, s, x.data(), nullptr, 0, sse);
    return x;
}

double max_diff(const vector_f & x, const Eigen::VectorXd & ref) {
    double m = 0.0;
    for (int j = 0; j < ref.size(); ++j) m = std::max(m, std::fabs((double) x(j) - ref(j)));
    return m;
}

// Gram of the packed rows against Eigen, for one kernel namespace.
template <class Pack, class Gram, class Padded>
void check_gram(Pack pack, Gram gram, Padded padded, int k, int64_t n, uint64_t seed) {
    row_case c = make_case(k, n, seed);
    const int kp = padded(k);
    aligned_floats Z, A, tgt, sums;
    Z.reserve_at_least((size_t) std::max<int64_t>(n, 1) * kp);
    A.reserve_at_least((size_t) kp * kp);
    tgt.reserve_at_least((size_t) std::max<int64_t>(n, 1));
    sums.reserve_at_least((size_t) kp * 3);
    std::fill(sums.data(), sums.data() + kp * 3, 0.0f);
    float b0 = 0.0f;
    pack(c.other.data(), (int64_t) k + 1, c.idx.data(), c.val.data(), n, c.mu, false, k, kp, Z.data(), tgt.data(), &b0,
         sums.data(), sums.data() + kp, sums.data() + 2 * kp);
    // split into two blocks to exercise the accumulating form too
    int64_t half = n / 2;
    gram(Z.data(), half, k, kp, A.data(), true);
    if (n > half) gram(Z.data() + half * kp, n - half, k, kp, A.data(), half == 0);
    Eigen::MatrixXd ref = Eigen::MatrixXd::Zero(k, k);
    Eigen::VectorXd bq = Eigen::VectorXd::Zero(k), cs = Eigen::VectorXd::Zero(k), dg = Eigen::VectorXd::Zero(k);
    double rb0 = 0.0;
    for (int64_t e = 0; e < n; ++e) {
        Eigen::VectorXd q = c.other.row(c.idx[e]).tail(k).cast<double>().transpose();
        double t = (double) c.val[e] - c.mu - c.other(c.idx[e], 0);
        ref += q * q.transpose();
        bq += t * q;
        cs += q;
        dg += q.cwiseProduct(q);
        rb0 += t;
        REQUIRE(tgt.data()[e] == Approx(t).margin(1e-5));
        for (int j = 0; j < kp; ++j) REQUIRE(Z.data()[e * kp + j] == (j < k ? c.other(c.idx[e], j + 1) : 0.0f));
    }
    double tol = 1e-4 * (1.0 + (double) n);
    REQUIRE(std::fabs(b0 - rb0) <= tol);
    if (n == 0) return;  // nothing formed
    for (int j = 0; j < k; ++j) {
        REQUIRE(std::fabs(sums.data()[j] - bq(j)) <= tol);
        REQUIRE(std::fabs(sums.data()[kp + j] - cs(j)) <= tol);
        REQUIRE(std::fabs(sums.data()[2 * kp + j] - dg(j)) <= tol);
        for (int i = j; i < k; ++i) REQUIRE(std::fabs(A.data()[(int64_t) j * kp + i] - ref(i, j)) <= tol);
        for (int i = k; i < kp; ++i) REQUIRE(A.data()[(int64_t) j * kp + i] == 0.0f);  // pad rows stay zero
    }
}

}  // namespace

TEST_CASE("packed Gram kernel equals Eigen for many n and k", "[solve][gram]") {
    const int ks[] = {1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 20, 31, 33, 64, 65, 100, 128};
    const int64_t ns[] = {0, 1, 2, 3, 7, 40, 333};
    uint64_t seed = 1;
    for (int k : ks)
        for (int64_t n : ns) {
            INFO("k " << k << " n " << n);
            auto pack = [](const float * base, int64_t stride, const int32_t * idx, const float * val, int64_t T,
                           float mu, bool given, int kk, int kp, float * Z, float * tgt, float * b0, float * bq,
                           float * cs, float * dg) {
                kern::pack_rows(base, stride, idx, val, T, mu, given, kk, kp, Z, tgt, b0, bq, cs, dg);
            };
            auto gram = [](const float * Z, int64_t T, int kk, int kp, float * A, bool first) {
                kern::gram_accum(Z, T, kk, kp, A, first);
            };
            check_gram(pack, gram, kern::padded, k, n, seed++);
            auto ppack = [](const float * base, int64_t stride, const int32_t * idx, const float * val, int64_t T,
                            float mu, bool given, int kk, int kp, float * Z, float * tgt, float * b0, float * bq,
                            float * cs, float * dg) {
                kern::kernels_of(isa::portable, kk)
                    ->pack_rows(base, stride, idx, val, T, mu, given, kk, kp, Z, tgt, b0, bq, cs, dg, nullptr, 0.0f,
                                nullptr, nullptr);
            };
            auto pgram = [](const float * Z, int64_t T, int kk, int kp, float * A, bool first) {
                kern::kernels_of(isa::portable, kk)->gram_accum(Z, T, kk, kp, A, first, nullptr, nullptr);
            };
            check_gram(ppack, pgram, kern::kernels_of(isa::portable, k)->padded, k, n, seed++);
        }
}

TEST_CASE("blocked Cholesky and its solve equal Eigen's", "[solve][chol]") {
    for (int d : {1, 2, 3, 4, 5, 8, 9, 13, 16, 17, 24, 33, 64, 65, 127, 128, 129}) {
        INFO("d " << d);
        rng r((uint64_t) d);
        Eigen::MatrixXd m(d + 3, d);
        for (int i = 0; i < m.rows(); ++i)
            for (int j = 0; j < d; ++j) m(i, j) = r.normal();
        Eigen::MatrixXd a = m.transpose() * m + 0.5 * Eigen::MatrixXd::Identity(d, d);
        Eigen::VectorXd b(d);
        for (int j = 0; j < d; ++j) b(j) = r.normal();
        Eigen::VectorXd ref = a.llt().solve(b);
        const kern::kernel_set & portable = *kern::kernels_of(isa::portable, d);
        for (int variant = 0; variant < 2; ++variant) {
            const int dp = variant == 0 ? kern::padded(d) : portable.padded(d);
            aligned_floats A, x;
            A.reserve_at_least((size_t) dp * dp);
            x.reserve_at_least((size_t) dp);
            std::fill(A.data(), A.data() + (size_t) dp * dp, 0.0f);
            for (int j = 0; j < d; ++j)
                for (int i = j; i < d; ++i) A.data()[(int64_t) j * dp + i] = (float) a(i, j);
            for (int j = 0; j < dp; ++j) x.data()[j] = j < d ? (float) b(j) : 0.0f;
            if (variant == 0) {
                REQUIRE(kern::chol_factor(A.data(), d, dp));
                kern::chol_solve(A.data(), d, dp, x.data());
            } else {
                REQUIRE(portable.chol_factor(A.data(), d, dp));
                portable.chol_solve(A.data(), d, dp, x.data());
            }
            double scale = 1.0 + ref.cwiseAbs().maxCoeff();
            for (int j = 0; j < d; ++j) REQUIRE(std::fabs(x.data()[j] - ref(j)) <= 2e-3 * scale);
        }
        // not positive definite: reported, not a NaN solution
        aligned_floats A;
        const int dp = kern::padded(d);
        A.reserve_at_least((size_t) dp * dp);
        std::fill(A.data(), A.data() + (size_t) dp * dp, 0.0f);
        for (int j = 0; j < d; ++j) A.data()[(int64_t) j * dp + j] = j == d - 1 ? -1.0f : 1.0f;
        REQUIRE_FALSE(kern::chol_factor(A.data(), d, dp));
    }
}

TEST_CASE("row solve equals the exact ridge solution: normal equations and Woodbury", "[solve]") {
    for (int k : {0, 1, 3, 7, 8, 20, 31, 64, 100, 128})
        for (int64_t n : {0, 1, 2, 5, 16, 33, 64, 65, 200, 1500}) {
            for (bool with_prior : {false, true}) {
                INFO("k " << k << " n " << n << " prior " << with_prior << " woodbury " << row_uses_woodbury(n, k + 1));
                row_case c = make_case(k, n, (uint64_t) (k * 1000 + n));
                Eigen::VectorXd ref = reference(c, with_prior);
                vector_f x = solve(c, solver_kind::cholesky, 0, with_prior);
                REQUIRE(max_diff(x, ref) <= 5e-4 * (1.0 + ref.cwiseAbs().maxCoeff()));
                if (n == 0) {
                    for (int j = 0; j <= k; ++j) REQUIRE(x(j) == (with_prior ? c.prior(j) : 0.0f));
                }
            }
        }
}

TEST_CASE("Woodbury and the normal equations give the same row", "[solve][woodbury]") {
    // a row just under the Woodbury threshold, and the same problem with every rating repeated
    // and D doubled (the objective doubles: the same minimiser), which takes the normal equations
    for (int k : {4, 9, 20, 64, 128}) {
        const int dim = k + 1;
        const int64_t n = (dim - 1) / 2;
        row_case c = make_case(k, n, (uint64_t) k);
        row_case c2 = c;
        for (int64_t e = 0; e < n; ++e) {
            c2.idx.push_back(c.idx[e]);
            c2.val.push_back(c.val[e]);
        }
        c2.d = 2.0f * c.d;
        REQUIRE(row_uses_woodbury(n, dim));
        REQUIRE_FALSE(row_uses_woodbury(2 * n, dim));
        vector_f xw = solve(c, solver_kind::cholesky, 0, true);
        vector_f xn = solve(c2, solver_kind::cholesky, 0, true);
        Eigen::VectorXd ref = reference(c, true);
        double scale = 1.0 + ref.cwiseAbs().maxCoeff();
        REQUIRE(max_diff(xw, ref) <= 5e-4 * scale);
        REQUIRE(max_diff(xn, ref) <= 5e-4 * scale);
        REQUIRE(max_diff(xw, xn.cast<double>()) <= 5e-4 * scale);
    }
}

TEST_CASE("conjugate gradient converges to the exact ridge solution", "[solve][cg]") {
    for (int k : {1, 5, 20, 64})
        for (int64_t n : {1, 10, 100, 2000}) {
            INFO("k " << k << " n " << n);
            row_case c = make_case(k, n, (uint64_t) (7 * k + n));
            const Eigen::VectorXd ref = reference(c, true);  // dense double LDLT, independent of solve.cpp
            const double scale = 1.0 + ref.cwiseAbs().maxCoeff();
            vector_f cg = solve(c, solver_kind::cg, 2 * (k + 1) + 10, true);
            REQUIRE(max_diff(cg, ref) <= 2e-3 * scale);
            // a warm start at the solution stays there
            vector_f at_ref = ref.cast<float>();
            vector_f again = solve(c, solver_kind::cg, 3, true, nullptr, &at_ref);
            REQUIRE(max_diff(again, ref) <= 1e-3 * scale);
            // more steps never move away from it (the error shrinks with the step count)
            double e1 = max_diff(solve(c, solver_kind::cg, 1, true), ref);
            double e4 = max_diff(solve(c, solver_kind::cg, 4, true), ref);
            REQUIRE(e4 <= e1 + 1e-6);
        }
}

TEST_CASE("the training error of a solved row equals a direct computation", "[solve][sse]") {
    for (int k : {0, 3, 20, 64})
        for (int64_t n : {0, 1, 30, 500}) {
            for (solver_kind sk : {solver_kind::cholesky, solver_kind::cg}) {
                INFO("k " << k << " n " << n);
                row_case c = make_case(k, n, (uint64_t) (31 * k + n));
                double sse = -1.0;
                vector_f x = solve(c, sk, 3, false, &sse);
                double ref = 0.0;
                for (int64_t e = 0; e < n; ++e) {
                    double s = c.mu + x(0) + c.other(c.idx[e], 0);
                    for (int j = 1; j <= k; ++j) s += (double) x(j) * c.other(c.idx[e], j);
                    s = std::min(5.0, std::max(0.5, s));
                    ref += (c.val[e] - s) * (c.val[e] - s);
                }
                REQUIRE(sse == Approx(ref).epsilon(1e-4).margin(1e-6));
            }
        }
}

TEST_CASE("the gathered-row entry points solve the same ridge problem as the direct row solve", "[solve]") {
    for (int k : {2, 20, 64})
        for (int64_t n : {1, 5, 40, 300}) {
            INFO("k " << k << " n " << n);
            row_case c = make_case(k, n, (uint64_t) (k + 13 * n));
            const Eigen::VectorXd ref = reference(c, true);
            const double scale = 1.0 + ref.cwiseAbs().maxCoeff();
            vector_f direct = solve(c, solver_kind::cholesky, 0, true);
            row_scratch s;
            row_gather(c.other, c.idx.data(), c.val.data(), n, c.mu, s);
            // what row_gather left: Z = [1, q_j] and t_j = r_j - mu - b_j, checked against the raw ratings
            REQUIRE(s.t_buf.size() >= (size_t) n);
            for (int64_t e = 0; e < n; ++e) {
                REQUIRE(s.t_buf[e] == Approx((double) c.val[e] - c.mu - c.other(c.idx[e], 0)).margin(1e-5));
                REQUIRE(s.z_buf[e * (k + 1)] == 1.0f);
                for (int j = 1; j <= k; ++j) REQUIRE(s.z_buf[e * (k + 1) + j] == c.other(c.idx[e], j));
            }
            vector_f x(k + 1);
            row_solve_cholesky(s, n, c.d, c.prior.data(), x.data());
            REQUIRE(max_diff(x, ref) <= 5e-4 * scale);
            REQUIRE(max_diff(direct, ref) <= 5e-4 * scale);
            REQUIRE(x == direct);  // solve.h promises bit-identical results for the two entry points
            // CG through both entry points: converged, both at the reference; 3 steps, the same iterate
            vector_f warm = vector_f::Zero(k + 1), warm2 = warm;
            row_solve_cg(s, n, c.d, c.prior.data(), 2 * (k + 1) + 10, warm.data());
            REQUIRE(max_diff(warm, ref) <= 2e-3 * scale);
            warm.setZero();
            row_solve_cg(s, n, c.d, c.prior.data(), 3, warm.data());
            row_scratch s2;
            row_solve(c.other.data(), k + 1, c.idx.data(), c.val.data(), n, c.mu, c.d.data(), c.prior.data(),
                      solver_kind::cg, 3, s2, warm2.data());
            REQUIRE(warm == warm2);
        }
}

// A row with one factor and two ratings, solved on paper.
//   mu = 3; partner rows [b_j, q_j] = [0.5, 2] and [-0.5, 1]; ratings 5 and 2; D = diag(1, 1).
//   targets t = r - mu - b = (5 - 3 - 0.5, 2 - 3 + 0.5) = (1.5, -0.5); z_1 = [1, 2], z_2 = [1, 1].
//   A = ZᵀZ + D = [[2, 3], [3, 5]] + I = [[3, 3], [3, 6]], det A = 18 - 9 = 9,
//   A⁻¹ = (1/9) [[6, -3], [-3, 3]];  Zᵀt = (1.5 - 0.5, 3 - 0.5) = (1, 2.5).
//   x = A⁻¹ Zᵀt = (1/9) (6 - 7.5, -3 + 7.5) = (-1/6, 1/2).        [check: A x = (1, 2.5)]
//   With the prior x̄ = (0.5, 0.5): right side Zᵀt + D x̄ = (1.5, 3),
//   x = (1/9) (9 - 9, -4.5 + 9) = (0, 1/2).                        [check: A x = (1.5, 3)]
//   Training error of x (no prior): predictions 3 + 0.5 - 1/6 + 2·(1/2) = 4.3333 and
//   3 - 0.5 - 1/6 + 1/2 = 2.8333; errors 2/3 and -5/6; SSE = 4/9 + 25/36 = 41/36.
TEST_CASE("a one-factor row with two ratings equals the hand-computed solution", "[solve][hand]") {
    row_case c;
    c.k = 1;
    c.mu = 3.0f;
    c.other = matrix_f(2, 2);
    c.other << 0.5f, 2.0f, -0.5f, 1.0f;
    c.idx = {0, 1};
    c.val = {5.0f, 2.0f};
    c.d = vector_f::Ones(2);
    c.prior = vector_f::Constant(2, 0.5f);
    for (solver_kind sk : {solver_kind::cholesky, solver_kind::cg}) {
        INFO("solver " << solver_kind_name(sk));
        const int steps = sk == solver_kind::cg ? 10 : 0;
        double sse = -1.0;
        vector_f x = solve(c, sk, steps, false, &sse);
        REQUIRE(x(0) == Approx(-1.0 / 6.0).margin(1e-5));
        REQUIRE(x(1) == Approx(0.5).margin(1e-5));
        REQUIRE(sse == Approx(41.0 / 36.0).margin(1e-4));
        vector_f xp = solve(c, sk, steps, true);
        REQUIRE(xp(0) == Approx(0.0).margin(1e-5));
        REQUIRE(xp(1) == Approx(0.5).margin(1e-5));
    }
}

// Seven factors and one rating (a Woodbury-sized row), solved on paper by Sherman-Morrison:
//   A = z zᵀ + D  =>  x = A⁻¹ z t = D⁻¹z t / (1 + zᵀD⁻¹z).
//   z = [1, 1, 1, 1, 1, 1, 1, 1] (b_j = 0.5, q_j = 1), D = diag(1, 2, ..., 2), mu = 3, r = 4.5:
//   t = 4.5 - 3 - 0.5 = 1; D⁻¹z = [1, 1/2 (x7)]; zᵀD⁻¹z = 1 + 7/2 = 9/2;
//   x = [1, 1/2, ...] / (11/2) = [2/11, 1/11 (x7)].
TEST_CASE("a seven-factor row with one rating equals the hand-computed solution", "[solve][hand][woodbury]") {
    row_case c;
    c.k = 7;
    c.mu = 3.0f;
    c.other = matrix_f::Ones(1, 8);
    c.other(0, 0) = 0.5f;
    c.idx = {0};
    c.val = {4.5f};
    c.d = vector_f::Constant(8, 2.0f);
    c.d(0) = 1.0f;
    INFO("woodbury " << row_uses_woodbury(1, 8));
    for (solver_kind sk : {solver_kind::cholesky, solver_kind::cg}) {
        INFO("solver " << solver_kind_name(sk));
        vector_f x = solve(c, sk, sk == solver_kind::cg ? 20 : 0, false);
        REQUIRE(x(0) == Approx(2.0 / 11.0).margin(1e-5));
        for (int j = 1; j < 8; ++j) REQUIRE(x(j) == Approx(1.0 / 11.0).margin(1e-5));
    }
}

// Bias only (k = 0), two ratings: mu = 3.5, b_j = 0.5 and -0.5, ratings 4 and 5, λ_b = 2:
//   t = (4 - 3.5 - 0.5, 5 - 3.5 + 0.5) = (0, 2); x = Σt / (n + λ_b) = 2 / 4 = 0.5.
TEST_CASE("a bias-only row equals the hand-computed solution", "[solve][hand]") {
    row_case c;
    c.k = 0;
    c.mu = 3.5f;
    c.other = matrix_f(2, 1);
    c.other << 0.5f, -0.5f;
    c.idx = {0, 1};
    c.val = {4.0f, 5.0f};
    c.d = vector_f::Constant(1, 2.0f);
    c.prior = vector_f::Zero(1);
    REQUIRE(solve(c, solver_kind::cholesky, 0, false)(0) == Approx(0.5).margin(1e-6));
    REQUIRE(solve(c, solver_kind::cg, 5, false)(0) == Approx(0.5).margin(1e-6));
}

// IEEE binary16 -> float (the reference decoder for the half-precision gather)
float half_to_float(uint16_t h) {
    const int exp = (h >> 10) & 31, man = h & 1023;
    float v = exp == 0 ? std::ldexp((float) man, -24) : std::ldexp((float) (1024 + man), exp - 25);
    return (h & 0x8000) ? -v : v;
}

TEST_CASE("the half-precision gather solves the system of the rounded partner rows", "[solve][half]") {
    if (!kern::half_supported()) return;  // builds without F16C (wasm) never take this path
    for (int k : {3, 20, 33, 64})
        for (int64_t n : {1, 7, 40, 300}) {
            INFO("k " << k << " n " << n);
            row_case c = make_case(k, n, (uint64_t) (5 * k + n));
            half_rows h;
            REQUIRE(half_rows_fill(c.other, h, 2));
            REQUIRE(h.stride % 32 == 0);
            // inline only past the lanes the kernels read (k = 20: 24 of 32 halves; k = 64: no room)
            if (h.bias_inline) REQUIRE(kern::kernels_for(k).padded(k) + 2 <= h.stride);
            REQUIRE(h.bias_inline == (k != 64));
            row_case rounded = c;  // the same rows, q rounded to half (biases stay float)
            for (int32_t i = 0; i < c.other.rows(); ++i) {
                REQUIRE(h.bias[i] == c.other(i, 0));
                if (h.bias_inline) {  // the bias, as a float, in the row's last two halves
                    float b;
                    std::memcpy(&b, h.q.data() + (i + 1) * h.stride - 2, sizeof(float));
                    REQUIRE(b == c.other(i, 0));
                }
                for (int j = 0; j < h.stride - (h.bias_inline ? 2 : 0); ++j) {
                    float q = half_to_float(h.q.data()[i * h.stride + j]);
                    if (j >= k) {
                        REQUIRE(q == 0.0f);  // padding
                        continue;
                    }
                    REQUIRE(std::fabs(q - c.other(i, 1 + j)) <= std::ldexp(std::fabs(c.other(i, 1 + j)), -11) + 1e-7f);
                    rounded.other(i, 1 + j) = q;
                }
            }
            for (solver_kind sk : {solver_kind::cholesky, solver_kind::cg}) {
                row_scratch s1, s2;
                vector_f a = vector_f::Constant(k + 1, 0.1f), b = a;
                double sa = 0.0, sb = 0.0;
                row_solve(c.other.data(), k + 1, c.idx.data(), c.val.data(), n, c.mu, c.d.data(), c.prior.data(), sk, 3,
                          s1, a.data(), nullptr, 0, &sa, &h);
                row_solve(rounded.other.data(), k + 1, rounded.idx.data(), rounded.val.data(), n, rounded.mu,
                          rounded.d.data(), rounded.prior.data(), sk, 3, s2, b.data(), nullptr, 0, &sb);
                REQUIRE(a == b);                    // bit for bit: the same packed rows, the same arithmetic
                if (sk == solver_kind::cholesky) {  // and that system's exact solution (dense double reference)
                    const Eigen::VectorXd ref = reference(rounded, true);
                    REQUIRE(max_diff(a, ref) <= 5e-4 * (1.0 + ref.cwiseAbs().maxCoeff()));
                }
            }
        }
}

TEST_CASE("conjugate gradient solves rows too long for L2 exactly at small k", "[solve][cg]") {
    // k = 20: 20,000 packed rows are 1.6-1.9 MB (4 or 8 lanes); forming ZᵀZ costs fewer FLOPs than streaming them
    // five times (4 steps), so the row is solved exactly; at k = 64 it is not
    for (int k : {20, 64}) {
        row_case c = make_case(k, 20000, 99, 5000);
        vector_f chol = solve(c, solver_kind::cholesky, 0, true);
        vector_f cg4 = solve(c, solver_kind::cg, 4, true);
        const Eigen::VectorXd ref = reference(c, true);
        REQUIRE(max_diff(chol, ref) <= 5e-4 * (1.0 + ref.cwiseAbs().maxCoeff()));
        if (k == 20)
            REQUIRE(cg4 == chol);
        else
            REQUIRE(cg4 != chol);
    }
}

TEST_CASE("prediction loops equal a direct double-precision computation", "[solve][predict]") {
    rng r(5);
    for (int k : {0, 1, 7, 8, 9, 20, 64, 65}) {
        INFO("k " << k);
        const int dim = k + 1;
        matrix_f u(4, dim), it(6, dim);
        for (int i = 0; i < u.size(); ++i) u.data()[i] = (float) r.normal();
        for (int i = 0; i < it.size(); ++i) it.data()[i] = (float) (0.5 * r.normal());
        const float mu = 3.2f;
        std::vector<int32_t> uu, ii;
        std::vector<float> rr;
        double ref_se = 0, ref_ae = 0;
        int clamped = 0;
        for (int a = -1; a < 4; ++a)  // -1: no user (mu + b_i)
            for (int b = 0; b < 6; ++b) {
                uu.push_back(a);
                ii.push_back(b);
                rr.push_back(0.5f * (float) (1 + (a + 2 * b + 10) % 10));
                // r̂ = mu + b_u + b_i + p_uᵀq_i in double, clamped to [0.5, 5]
                double s = (double) mu + it(b, 0);
                if (a >= 0) {
                    s += u(a, 0);
                    for (int j = 1; j <= k; ++j) s += (double) u(a, j) * it(b, j);
                }
                if (s < 0.5 || s > 5.0) ++clamped;
                s = std::min(5.0, std::max(0.5, s));
                double err = (double) rr.back() - s;
                ref_se += err * err;
                ref_ae += std::fabs(err);
            }
        double se = 0, ae = 0;
        kern::sse_pairs(u.data(), it.data(), dim, uu.data(), ii.data(), rr.data(), (int64_t) rr.size(), mu, 0.5f, 5.0f,
                        se, ae);  // the MovieLens scale
        REQUIRE(se == Approx(ref_se).epsilon(1e-5));
        REQUIRE(ae == Approx(ref_ae).epsilon(1e-5));
        // model::predict on the same rows
        model m;
        m.k = k;
        m.mu = mu;
        m.users = u;
        m.items = it;
        for (size_t e = 0; e < rr.size(); ++e) {
            double s = (double) mu + it(ii[e], 0);
            if (uu[e] >= 0) {
                s += u(uu[e], 0);
                for (int j = 1; j <= k; ++j) s += (double) u(uu[e], j) * it(ii[e], j);
            }
            REQUIRE(m.predict_raw(uu[e], ii[e]) == Approx(s).margin(1e-4));
            REQUIRE(m.predict(uu[e], ii[e]) == Approx(std::min(5.0, std::max(0.5, s))).margin(1e-4));
        }
        if (k >= 7) REQUIRE(clamped > 0);  // the clamp is exercised
    }
}
