// dataset_summary.h - the counts behind the report's data plots (mfrec report): ratings by value,
// the long tails of ratings per movie and per user, ratings per month, and genre frequencies with
// their co-occurrence.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "ratings.h"

namespace mf {

struct dataset_summary {
    std::vector<std::pair<float, int64_t>> by_value;        // rating value -> ratings, ascending
    std::vector<std::pair<int64_t, int64_t>> movie_counts;  // n -> movies with exactly n ratings (n >= 1)
    std::vector<std::pair<int64_t, int64_t>> user_counts;   // n -> users with exactly n ratings (n >= 1)
    std::vector<std::pair<std::string, int64_t>> by_month;  // "YYYY-MM" (UTC) -> ratings; empty without times
    std::vector<std::string> genres;                        // the catalogue's genre names
    std::vector<int64_t> genre_movies;                      // movies of each genre
    std::vector<int64_t> genre_pairs;  // genres × genres, row-major: movies in both (the diagonal: genre_movies)
};

dataset_summary dataset_summarize(const dataset & d);

// "YYYY-MM" of a unix time (UTC, proleptic Gregorian).
std::string month_of(int64_t unix_seconds);

}  // namespace mf
