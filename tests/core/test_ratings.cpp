// The training matrix (core/ratings.h): the CSC as the CSR's transpose, recency ranks, a validation
// part taken out in place and put back, each against a construction written here from the triplets.
#include <algorithm>
#include <catch2/catch.hpp>
#include <tuple>

#include "matrix_same.h"
#include "ratings.h"
#include "rng.h"

using namespace mf;

namespace {

struct triplet {
    int32_t u, i;
    float r;
    uint8_t rec;
};

// n triplets over nu users and ni items in a random order (no user grouping), ratings on the
// half-star grid, ranks 0..9
std::vector<triplet> random_triplets(int32_t nu, int32_t ni, int n, uint64_t seed) {
    rng g(seed);
    std::vector<triplet> t;
    for (int k = 0; k < n; ++k)
        t.push_back({(int32_t) g.below((uint64_t) nu), (int32_t) g.below((uint64_t) ni),
                     0.5f * (float) (1 + g.below(10)), (uint8_t) g.below(10)});
    return t;
}

rating_matrix matrix_of(int32_t nu, int32_t ni, const std::vector<triplet> & t, bool with_recency) {
    std::vector<int32_t> u, i;
    std::vector<float> r;
    std::vector<uint8_t> rec;
    for (const triplet & x : t) {
        u.push_back(x.u);
        i.push_back(x.i);
        r.push_back(x.r);
        rec.push_back(x.rec);
    }
    return rating_matrix_from_coo(nu, ni, u, i, r, with_recency ? &rec : nullptr);
}

// the entries of a side as (row, idx, val, recency) in storage order
std::vector<std::tuple<int32_t, int32_t, float, int>> entries(const sparse_rows & s) {
    std::vector<std::tuple<int32_t, int32_t, float, int>> out;
    for (int32_t r = 0; r < s.rows(); ++r)
        for (uint64_t e = s.ptr[r]; e < s.ptr[(size_t) r + 1]; ++e)
            out.emplace_back(r, s.idx[e], s.val[e], s.recency.empty() ? -1 : (int) s.recency[e]);
    return out;
}

}  // namespace

TEST_CASE("the CSC is the CSR's transpose: each movie's raters by user, then by file order", "[ratings]") {
    const std::vector<triplet> t = random_triplets(7, 5, 60, 3);
    const rating_matrix m = matrix_of(7, 5, t, true);
    // by user: the triplets of each user in input order
    std::vector<std::tuple<int32_t, int32_t, float, int>> want_u, want_i;
    for (int32_t u = 0; u < 7; ++u)
        for (const triplet & x : t)
            if (x.u == u) want_u.emplace_back(u, x.i, x.r, (int) x.rec);
    // by item: for each movie, its raters in user order, a user's repeats in input order
    for (int32_t i = 0; i < 5; ++i)
        for (int32_t u = 0; u < 7; ++u)
            for (const triplet & x : t)
                if (x.i == i && x.u == u) want_i.emplace_back(i, u, x.r, (int) x.rec);
    CHECK(entries(m.by_user) == want_u);
    CHECK(entries(m.by_item) == want_i);
    double sum = 0;
    for (const triplet & x : t) sum += x.r;
    CHECK(m.mean == Approx(sum / 60.0).epsilon(1e-12));

    // several threads cut the rows into pieces: the same arrays
    sparse_rows again;
    rows_transpose(m.by_user, 5, again, 4);
    CHECK(entries(again) == entries(m.by_item));
}

TEST_CASE("a part held out in place is the matrix of the rest, and restoring gives back every byte", "[ratings]") {
    for (bool rerank : {false, true}) {
        const std::vector<triplet> t = random_triplets(9, 6, 120, 11);
        rating_matrix m = matrix_of(9, 6, t, true);
        const rating_matrix before = m;
        // hold out a pseudo-random third of by_user's entries (bit 2 of the mask; bit 1 is noise)
        std::vector<uint8_t> mask((size_t) m.nnz());
        rng g(5);
        for (uint8_t & b : mask) b = (uint8_t) ((g.below(3) == 0 ? 2 : 0) | (g.below(2) ? 1 : 0));
        // expected: the kept and held triplets in by_user order, built independently
        std::vector<triplet> kept, held;
        for (int32_t u = 0; u < 9; ++u)
            for (uint64_t e = before.by_user.ptr[u]; e < before.by_user.ptr[(size_t) u + 1]; ++e) {
                const triplet x{u, before.by_user.idx[e], before.by_user.val[e], before.by_user.recency[e]};
                (mask[e] & 2 ? held : kept).push_back(x);
            }
        if (rerank)  // each user's kept ranks become 0, 1, ... in the order of the old ones
            for (int32_t u = 0; u < 9; ++u) {
                std::vector<size_t> at;
                for (size_t k = 0; k < kept.size(); ++k)
                    if (kept[k].u == u) at.push_back(k);
                std::stable_sort(at.begin(), at.end(), [&](size_t a, size_t b) { return kept[a].rec < kept[b].rec; });
                for (size_t q = 0; q < at.size(); ++q) kept[at[q]].rec = (uint8_t) q;
            }
        rating_holdout h = rating_matrix_hold_out(m, mask, 2, rerank, 2);
        require_same_matrix(m, matrix_of(9, 6, kept, true));
        // the held-out entries by user, with their ranks as they were
        REQUIRE(h.held.rows() == 9);
        std::vector<std::tuple<int32_t, int32_t, float, int>> want;
        for (const triplet & x : held) want.emplace_back(x.u, x.i, x.r, (int) x.rec);
        CHECK(entries(h.held) == want);

        rating_matrix_restore(m, h, mask, 2, 2);
        require_same_matrix(m, before);
    }
}

TEST_CASE("a selection by marks builds the matrix of those ratings; ranks and the latest fifth per user", "[ratings]") {
    dataset d;
    // user 0: six ratings, times 5 3 9 9 1 7 (file order); user 1: two; user 2: five, one not selected
    const int64_t t0[] = {5, 3, 9, 9, 1, 7};
    for (int k = 0; k < 6; ++k) d.push(0, k, 1.0f + (float) k * 0.5f, t0[k]);
    d.push(1, 0, 4.0f, 10);
    d.push(1, 1, 2.0f, 10);
    const int64_t t2[] = {4, 4, 2, 8, 6, 1};
    for (int k = 0; k < 6; ++k) d.push(2, k, 3.0f, t2[k]);
    d.users.get_or_add(100);
    d.users.get_or_add(101);
    d.users.get_or_add(102);
    for (int k = 0; k < 6; ++k) d.items.add(1 + k, "M (2000)", 0);
    std::vector<uint8_t> marks(d.rating.size(), 0);
    marks[13] = 4;  // user 2's rating of item 5 (time 1) is not selected
    const rating_selection sel{marks.data(), 4};

    const std::vector<uint8_t> rank = recency_ranks(d, sel);
    // user 0 newest first: 9 (pos 2 and 3 share rank 0), 7 -> 2, 5 -> 3, 3 -> 4, 1 -> 5
    CHECK(std::vector<uint8_t>(rank.begin(), rank.begin() + 6) == std::vector<uint8_t>{3, 4, 0, 0, 5, 2});
    CHECK(rank[6] == 0);
    CHECK(rank[7] == 0);
    // user 2's selected times 4 4 2 8 6: 8 -> 0, 6 -> 1, 4 and 4 -> 2, 2 -> 4
    CHECK(std::vector<uint8_t>(rank.begin() + 8, rank.begin() + 13) == std::vector<uint8_t>{2, 2, 4, 0, 1});

    mark_latest_fifth(d, sel, marks, 16);
    std::vector<int> fifth;
    for (size_t q = 0; q < marks.size(); ++q)
        if (marks[q] & 16) fifth.push_back((int) q);
    // user 0: 6 / 5 = 1, the latest (time 9) and of the two the earlier position; user 1: fewer
    // than 5; user 2: 5 selected -> 1, time 8
    CHECK(fifth == std::vector<int>{2, 11});

    std::vector<uint8_t> carry = marks;
    const rating_matrix m = rating_matrix_build_selected(d, sel, 2, &rank, &carry);
    REQUIRE(m.nnz() == 13);
    CHECK(m.by_user.row_size(2) == 5);
    // carry and the ranks now follow by_user's entries (rows keep the file order)
    REQUIRE(carry.size() == 13);
    CHECK((carry[2] & 16) != 0);
    CHECK((carry[11] & 16) != 0);
    CHECK(m.by_user.recency[2] == 0);
    CHECK(m.by_user.recency[12] == 1);
    double sum = 0;
    for (size_t q = 0; q < d.rating.size(); ++q)
        if (q != 13) sum += d.rating[q];
    CHECK(m.mean == Approx(sum / 13.0).epsilon(1e-12));

    // freeing the ratings once the CSR is built gives the same matrix
    dataset e = d;
    std::vector<uint8_t> carry2 = marks;
    const rating_matrix r = rating_matrix_build_selected(e, sel, 1, &rank, &carry2, &e);
    CHECK(e.size() == 0);
    require_same_matrix(r, m);
    CHECK(carry2 == carry);
}
