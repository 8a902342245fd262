// catalog.h - the movies: MovieLens id, title, year and genres (a bitmask over genre_names).
//
// The catalog fixes the item index space: item index i is catalog row i, whether or not the
// movie has ratings (movies without ratings are scored by cold start).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace mf {

constexpr int genre_max = 32;

struct catalog {
    std::vector<int32_t> movie_id;
    std::vector<std::string> title;  // as in the file, year suffix included
    std::vector<int16_t> year;       // 0 when the title carries no year
    std::vector<uint32_t> genres;    // bit g set: genre_names[g]
    std::vector<std::string> genre_names;
    std::unordered_map<int32_t, int32_t> index;  // movie id -> row

    int32_t size() const { return (int32_t) movie_id.size(); }
    // row of a movie id, -1 when unknown
    int32_t find(int32_t id) const;
    // room for n movies: a loader that knows the count avoids regrowing (each regrowth of a big
    // array is fresh memory, page faults included)
    void reserve(size_t n);
    // appends a movie; returns its row, or -1 when the id is already present
    int32_t add(int32_t id, std::string title, uint32_t genre_mask);
    // bit of a genre by name, registering it when new; -1 when all 32 bits are taken
    int genre_bit(const std::string & name);
    // the MovieLens genres in a fixed order, so models of different releases agree on bits
    void genres_init_movielens();
};

// The year of "Title (1995)" or "Title (2006-2007) " (first year), 0 when there is none.
int16_t title_year(const std::string & title);

// Number of set bits in a genre mask.
int genre_count(uint32_t mask);

}  // namespace mf
