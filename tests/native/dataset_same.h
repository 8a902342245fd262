// dataset_same.h - two loaded datasets are identical in every field (loader and cache tests).
#pragma once

#include <catch2/catch.hpp>
#include <vector>

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

// d holds exactly the records of `want` in order, by raw ids (R: user, movie, rating, time)
template <class R>
void require_records(const mf::dataset & d, const std::vector<R> & want) {
    REQUIRE(d.size() == (int64_t) want.size());
    for (size_t k = 0; k < want.size(); ++k) {
        INFO("record " << k);
        REQUIRE(d.users.ids[(size_t) d.user[k]] == want[k].user);
        REQUIRE(d.items.movie_id[(size_t) d.item[k]] == want[k].movie);
        REQUIRE(d.rating[k] == want[k].rating);
        REQUIRE(d.time[k] == want[k].time);
    }
}
