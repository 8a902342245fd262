// matrix_same.h - two rating matrices are identical in every stored array (tests of builds,
// hold-outs and restores that must give the same bytes).
#pragma once

#include <catch2/catch.hpp>

#include "ratings.h"

inline void require_same_side(const mf::sparse_rows & a, const mf::sparse_rows & b) {
    CHECK(a.ptr == b.ptr);
    CHECK(a.idx == b.idx);
    CHECK(a.val == b.val);
    CHECK(a.recency == b.recency);
}

inline void require_same_matrix(const mf::rating_matrix & a, const mf::rating_matrix & b) {
    REQUIRE(a.n_users == b.n_users);
    REQUIRE(a.n_items == b.n_items);
    CHECK(a.mean == b.mean);
    require_same_side(a.by_user, b.by_user);
    require_same_side(a.by_item, b.by_item);
}
