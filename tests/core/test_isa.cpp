// test_isa.cpp - every kernel path compiled into this binary and runnable on this CPU (portable,
// AVX2, AVX-512; cpu.h) against small cases computed by hand, and the run-time choice itself.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <stdexcept>
#include <vector>

#include "cpu.h"
#include "gram.h"

using namespace mf;

namespace {

// the paths this binary and CPU can run (portable always)
std::vector<isa> paths_here() {
    std::vector<isa> v;
    for (isa i : {isa::portable, isa::avx2, isa::avx512})
        if (isa_runs(i)) v.push_back(i);
    return v;
}

// a kp-wide aligned copy of v (zero padded)
aligned_floats padded_copy(const std::vector<float> & v, int kp) {
    aligned_floats a;
    a.reserve_at_least((size_t) kp);
    for (int c = 0; c < kp; ++c) a.data()[c] = c < (int) v.size() ? v[(size_t) c] : 0.0f;
    return a;
}

}  // namespace

TEST_CASE("the portable path always runs; the best path is one that runs", "[isa]") {
    REQUIRE(isa_compiled(isa::portable));
    REQUIRE(isa_runs(isa::portable));
    REQUIRE(isa_runs(isa_best()));
    REQUIRE(kern::kernels_of(isa::portable, 8) != nullptr);
    REQUIRE(kern::kernels_of(isa::portable, 8)->lanes == 4);
    isa i = isa::portable;
    bool is_auto = false;
    REQUIRE(isa_parse("avx2", i, is_auto));
    REQUIRE((i == isa::avx2 && !is_auto));
    REQUIRE(isa_parse("auto", i, is_auto));
    REQUIRE(is_auto);
    REQUIRE_FALSE(isa_parse("sse9", i, is_auto));
}

TEST_CASE("selecting a path the CPU lacks is refused with a clear error", "[isa]") {
    const isa before = kern::isa_active();
    for (isa i : {isa::avx2, isa::avx512}) {
        if (isa_runs(i)) continue;
        INFO(isa_name(i));
        REQUIRE_THROWS_WITH(kern::isa_select(i), Catch::Contains(isa_name(i)));
        REQUIRE(kern::isa_active() == before);  // unchanged
    }
    for (isa i : paths_here()) {
        kern::isa_select(i);
        REQUIRE(kern::isa_active() == i);
        REQUIRE(kern::kernels_for(64).path == i);
    }
    kern::isa_select(before);
}

TEST_CASE("every path computes hand-checked dot products, Gram matrices, Cholesky solves", "[isa]") {
    for (isa path : paths_here()) {
        INFO("path " << isa_name(path));
        const kern::kernel_set & ks = *kern::kernels_of(path, 3);
        REQUIRE(ks.path == path);

        // 1·2 + 2·(-1) + 3·4 + 4·0.5 + 5·1 = 19, any length and alignment
        const float a[] = {0.0f, 1.0f, 2.0f, 3.0f, 4.0f, 5.0f}, b[] = {2.0f, -1.0f, 4.0f, 0.5f, 1.0f};
        REQUIRE(ks.dot_any(a + 1, b, 5) == 19.0f);
        REQUIRE(ks.dot_any(a + 1, b, 2) == 0.0f);

        // two partner rows [b, q] = [0.5, 1, 2, 3], [-0.5, 0, 1, -1] with ratings 4 and 2, μ = 3:
        // Z = q rows, targets t = r - μ - b = 0.5 and -0.5, ZᵀZ = [[1,2,3],[2,5,5],[3,5,10]]
        const int k = 3, kp = ks.padded(k);
        REQUIRE(kp % ks.lanes == 0);
        const float rows[] = {0.5f, 1.0f, 2.0f, 3.0f, -0.5f, 0.0f, 1.0f, -1.0f};
        const int32_t idx[] = {0, 1};
        const float val[] = {4.0f, 2.0f};
        aligned_floats Z, tgt, sums, A;
        Z.reserve_at_least((size_t) 2 * kp);
        tgt.reserve_at_least(2);
        sums.reserve_at_least((size_t) 3 * kp);
        std::fill(sums.data(), sums.data() + 3 * kp, 0.0f);
        float b0 = 0.0f;
        ks.pack_rows(rows, 4, idx, val, 2, 3.0f, false, k, kp, Z.data(), tgt.data(), &b0, sums.data(), sums.data() + kp,
                     sums.data() + 2 * kp, nullptr, 0.0f, nullptr, nullptr);
        REQUIRE(tgt.data()[0] == 0.5f);
        REQUIRE(tgt.data()[1] == -0.5f);
        REQUIRE(b0 == 0.0f);
        const float zt[] = {0.5f, 0.5f, 2.0f}, cs[] = {1.0f, 3.0f, 2.0f}, dg[] = {1.0f, 5.0f, 10.0f};
        for (int c = 0; c < k; ++c) {
            REQUIRE(sums.data()[c] == zt[c]);           // Σ t z
            REQUIRE(sums.data()[kp + c] == cs[c]);      // Σ z
            REQUIRE(sums.data()[2 * kp + c] == dg[c]);  // Σ z∘z
        }
        A.reserve_at_least((size_t) kp * kp);
        std::fill(A.data(), A.data() + kp * kp, 0.0f);
        ks.gram_accum(Z.data(), 2, k, kp, A.data(), true, nullptr, nullptr);
        const float g[3][3] = {{1, 2, 3}, {2, 5, 5}, {3, 5, 10}};
        for (int j = 0; j < k; ++j)
            for (int i = j; i < k; ++i) REQUIRE(A.data()[j * kp + i] == g[i][j]);
        ks.gram_accum(Z.data(), 2, k, kp, A.data(), false, nullptr, nullptr);  // adds: 2 ZᵀZ
        REQUIRE(A.data()[2 * kp + 2] == 20.0f);

        // [[4,2],[2,3]] = L Lᵀ with L = [[2,0],[1,√2]]; x = A⁻¹ [2, 1] = [0.5, 0]
        const int d = 2, dp = ks.padded(d);
        std::fill(A.data(), A.data() + dp * dp, 0.0f);
        A.data()[0] = 4.0f;
        A.data()[1] = 2.0f;
        A.data()[dp + 1] = 3.0f;
        REQUIRE(ks.chol_factor(A.data(), d, dp));
        REQUIRE(A.data()[0] == 2.0f);
        REQUIRE(A.data()[1] == 1.0f);
        REQUIRE(A.data()[dp + 1] == Approx(std::sqrt(2.0f)).epsilon(1e-6));
        aligned_floats x = padded_copy({2.0f, 1.0f}, dp);
        ks.chol_solve(A.data(), d, dp, x.data());
        REQUIRE(x.data()[0] == Approx(0.5f).margin(1e-6));
        REQUIRE(x.data()[1] == Approx(0.0f).margin(1e-6));
        A.data()[dp + 1] = 1.0f;  // [[4,2],[2,1]]: singular, reported
        A.data()[0] = 4.0f;
        A.data()[1] = 2.0f;
        REQUIRE_FALSE(ks.chol_factor(A.data(), d, dp));

        // ZᵀZ v implicitly with v0 = 1, v = [1, 0, 1]: c = 1 + z·v = 5 and 0 (z = [1,2,3], [0,1,-1]);
        // out += 5 z1 + 0 z2 = [5, 10, 15], out0 += 5
        aligned_floats v = padded_copy({1.0f, 0.0f, 1.0f}, kp), out = padded_copy({0.0f, 0.0f, 0.0f}, kp);
        float out0 = 0.0f, dots[2] = {0.0f, 0.0f};
        ks.zz_apply(Z.data(), 2, kp, dots, 1.0f, v.data(), out0, out.data(), nullptr);
        REQUIRE(dots[0] == 5.0f);
        REQUIRE(dots[1] == 0.0f);
        REQUIRE(out0 == 5.0f);
        REQUIRE(out.data()[0] == 5.0f);
        REQUIRE(out.data()[1] == 10.0f);
        REQUIRE(out.data()[2] == 15.0f);

        // the error of a row x = [b, q] = [0.25, 1, 0, 0] against the two rows, μ = 3, scale 0.5-5:
        // r̂ = 3 + 0.25 + 0.5 + 1 = 4.75 and 3 + 0.25 - 0.5 + 0 = 2.75 → (4 - 4.75)² + (2 - 2.75)²
        const float xr[] = {0.25f, 1.0f, 0.0f, 0.0f};
        REQUIRE(ks.sse_row(xr, rows, 4, idx, val, 2, 3.0f, 0.5f, 5.0f) == Approx(1.125).epsilon(1e-6));
        // clamped to the scale: with μ = 4 the first prediction 5.75 counts as 5
        REQUIRE(ks.sse_row(xr, rows, 4, idx, val, 2, 4.0f, 0.5f, 5.0f) == Approx(1.0 + 3.0625).epsilon(1e-6));
    }
}

TEST_CASE("half-precision rows round to nearest on the paths that have them", "[isa]") {
    for (isa path : paths_here()) {
        const kern::kernel_set & ks = *kern::kernels_of(path, 3);
        INFO("path " << isa_name(path));
        REQUIRE(ks.half_supported() == (path != isa::portable));  // F16C comes with AVX2
        if (!ks.half_supported()) continue;
        // 1 + 2⁻¹² lies between the halves 1 and 1 + 2⁻¹⁰: rounds to 1; 0.1 to 0x2E66
        const float row[] = {0.75f, 1.0f, 1.0f + 1.0f / 4096.0f, 0.1f};
        const int64_t hs = kern::half_stride(3);
        std::vector<uint16_t> h((size_t) hs, 0xFFFF);
        float bias = 0.0f;
        ks.half_fill(row, 4, 0, 1, h.data(), &bias, false);
        REQUIRE(bias == 0.75f);
        REQUIRE(h[0] == 0x3C00);
        REQUIRE(h[1] == 0x3C00);
        REQUIRE(h[2] == 0x2E66);
        for (int64_t c = 3; c < hs; ++c) REQUIRE(h[(size_t) c] == 0);  // zero padded
    }
}

TEST_CASE("every path gives the same Gram matrix and solve on a larger random case", "[isa]") {
    // sums of products of small integers are exact in float: every path must agree bit for bit
    for (int k : {5, 20, 64, 100}) {
        INFO("k " << k);
        const int64_t n = 37;
        std::vector<float> rows((size_t) n * (k + 1));
        for (size_t e = 0; e < rows.size(); ++e) rows[e] = (float) ((int) (e * 7919 % 11) - 5);
        std::vector<int32_t> idx((size_t) n);
        std::vector<float> val((size_t) n, 3.0f);
        for (int64_t e = 0; e < n; ++e) idx[(size_t) e] = (int32_t) ((e * 13) % n);
        std::vector<std::vector<float>> grams;
        for (isa path : paths_here()) {
            const kern::kernel_set & ks = *kern::kernels_of(path, k);
            const int kp = ks.padded(k);
            aligned_floats Z, tgt, A;
            Z.reserve_at_least((size_t) n * kp);
            tgt.reserve_at_least((size_t) n);
            A.reserve_at_least((size_t) kp * kp);
            ks.pack_rows(rows.data(), k + 1, idx.data(), val.data(), n, 0.0f, false, k, kp, Z.data(), tgt.data(),
                         nullptr, nullptr, nullptr, nullptr, nullptr, 0.0f, nullptr, nullptr);
            ks.gram_accum(Z.data(), n, k, kp, A.data(), true, nullptr, nullptr);
            std::vector<float> g;
            for (int j = 0; j < k; ++j)
                for (int i = j; i < k; ++i) g.push_back(A.data()[(int64_t) j * kp + i]);
            grams.push_back(g);
        }
        for (size_t p = 1; p < grams.size(); ++p) REQUIRE(grams[p] == grams[0]);
    }
}

TEST_CASE("every path's sparse row times dense rows matches the sum computed here", "[isa]") {
    // small integers again: exact in float, so each path must give the reference bit for bit;
    // widths of 1 to more than 8 vectors, rows repeated, an empty row
    for (int d : {3, 11, 33, 70, 140}) {
        INFO("width " << d);
        const int64_t n_x = 19;
        std::vector<int32_t> idx = {4, 0, 18, 4, 7, 11, 2};
        std::vector<float> val = {2.0f, -1.0f, 3.0f, 1.0f, -2.0f, 0.5f, 4.0f};
        for (isa path : paths_here()) {
            INFO("path " << isa_name(path));
            const kern::kernel_set & ks = *kern::kernels_of(path, d);
            const int dp = ks.padded(d);
            aligned_floats x, out;
            x.reserve_at_least((size_t) (n_x * dp));
            out.reserve_at_least((size_t) dp);
            for (int64_t r = 0; r < n_x; ++r)
                for (int c = 0; c < dp; ++c) x.data()[r * dp + c] = c < d ? (float) ((r * 31 + c * 7) % 13 - 6) : 0.0f;
            ks.spmm_row(idx.data(), val.data(), (int64_t) idx.size(), x.data(), dp, out.data());
            for (int c = 0; c < dp; ++c) {
                double want = 0.0;
                for (size_t e = 0; e < idx.size(); ++e) want += (double) val[e] * (double) x.data()[idx[e] * dp + c];
                REQUIRE((double) out.data()[c] == want);
            }
            ks.spmm_row(idx.data(), val.data(), 0, x.data(), dp, out.data());
            for (int c = 0; c < dp; ++c) REQUIRE(out.data()[c] == 0.0f);
        }
    }
}
