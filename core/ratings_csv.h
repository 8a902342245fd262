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
// Errors name the file, the 1-based line (the header is line 1) and the field:
//   ratings.csv:17: field 'rating': "abc" is not a number
//   ratings.csv:18: field 'movieId': movie 999999 is not in the catalog
#pragma once

#include "catalog.h"
#include "ratings.h"
#include "result.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace mf {

// A dataset whose item index is the catalog row (d.items is a copy of `items`) and whose user
// index is the order of first appearance; ratings in file order.
result<dataset> ratings_csv_parse(const uint8_t * data, size_t size, const catalog & items,
                                  const std::string & name = "ratings.csv");

}  // namespace mf
