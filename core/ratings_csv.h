// ratings_csv.h - a MovieLens ratings.csv from bytes in memory, for training in the browser.
//
// The same rules as the native loader's csv layout (native/movielens.h), serial and without the
// file system: the header line `userId,movieId,rating,timestamp` is required; a UTF-8 BOM, CRLF
// line ends, a missing final newline and blank lines are accepted; every other line has exactly
// four comma-separated fields: a positive int32 user id, a positive int32 movie id, a rating in
// [0.5, 5] and an integer timestamp. Movie ids are mapped through the given catalog (the item
// rows of the model the page already holds): an unknown movie is an error naming its line,
// because the page can only show movies it has titles for.
//
// Duplicates: when several lines rate the same (user, movie), the last one in file order wins;
// the earlier ones are dropped (the other ratings keep their order) and counted in *duplicates.
// A file without ratings (empty, or a header and blank lines) is an error.
//
// Errors name the file, the 1-based line (the header is line 1) and the field:
//   ratings.csv:17: field 'rating': "abc" is not a number
//   ratings.csv:18: field 'movieId': movie 999999 is not in the catalog
//   ratings.csv: no ratings (no data lines after the header)
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "catalog.h"
#include "ratings.h"
#include "result.h"

namespace mf {

// A dataset whose item index is the catalog row (d.items is a copy of `items`) and whose user
// index is the order of first appearance; ratings in file order.
// duplicates (optional): the number of ratings dropped as duplicates.
result<dataset> ratings_csv_parse(const uint8_t * data, size_t size, const catalog & items,
                                  const std::string & name = "ratings.csv", int64_t * duplicates = nullptr);

// The duplicates policy on a dataset (dense d.user < users.size(), d.item < items.size()):
// keeps the last rating of each (user, item) in file order and the order of the others; returns
// how many were dropped. O(n): a file grouped by user is checked run by run, others are
// grouped with a counting sort.
int64_t ratings_drop_duplicates(dataset & d);

}  // namespace mf
