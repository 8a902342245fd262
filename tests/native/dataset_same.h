// dataset_same.h - two loaded datasets are identical in every field (loader and cache tests).
#pragma once

#include <catch2/catch.hpp>

#include "ratings.h"

inline void require_same_dataset(const mf::dataset & a, const mf::dataset & b) {
    REQUIRE(a.users.ids == b.users.ids);
    REQUIRE(a.user == b.user);
    REQUIRE(a.item == b.item);
    REQUIRE(a.rating == b.rating);
    REQUIRE(a.time == b.time);
    REQUIRE(a.items.movie_id == b.items.movie_id);
    REQUIRE(a.items.title == b.items.title);
    REQUIRE(a.items.genres == b.items.genres);
    REQUIRE(a.items.year == b.items.year);
    REQUIRE(a.items.genre_names == b.items.genre_names);
    REQUIRE(a.items.index == b.items.index);
    REQUIRE(a.users.index == b.users.index);
}
