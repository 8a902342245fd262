// movielens.h - loading MovieLens releases (and ratings files in the same schemas) into a dataset.
//
// Layouts, recognised by the files in the directory:
//   "csv"  ratings.csv + movies.csv   (ml-latest-small, ml-20m, ml-25m, ml-32m); header lines
//          `userId,movieId,rating,timestamp` and `movieId,title,genres` are required; RFC 4180
//          quoting ("" escapes) on one line, CRLF, a UTF-8 BOM and blank lines are accepted.
//   "dat"  ratings.dat + movies.dat   (ml-1m, ml-10m), fields separated by "::", no header.
//   "100k" u.data + u.item (+ u.genre) (ml-100k): u.data tab-separated user item rating time;
//          u.item pipe-separated with 19 genre flags (names from u.genre when present).
// Demographics: users.dat ("dat") or u.user ("100k") beside the ratings, when present, fill
// dataset::demographics (movielens_users.h); read on every load (the cache holds the ratings).
// Titles are kept as UTF-8: a title that is not valid UTF-8 (ML-1M, ML-100K are Latin-1) is
// converted byte by byte from Latin-1. Genre "Children's" becomes "Children" and ML-100K's
// "unknown" becomes "(no genres listed)"; bits come from catalog::genres_init_movielens().
//
// The dataset keeps the ratings in file order; user index = order of first appearance; item
// index = catalog row. A rating of a movie missing from the catalog adds the movie (title "",
// no genres) at the end of the catalog, in order of first appearance, and is counted in the
// report. Parsing is parallel over byte ranges, with the same result for any thread count.
// Duplicates: when several lines rate the same (user, movie), the last one in file order wins;
// the earlier ones are dropped (the others keep their order) and counted in report->duplicates
// (ratings kept = lines - bad ratings lines skipped - duplicates; unknown_movie_ratings counts
// kept ratings only).
// A ratings file without ratings (empty, a header alone, only blank or skipped lines) is an
// error ("data/x/ratings.csv: no ratings (no data lines after the header)").
//
// Errors throw load_error naming file, 1-based line (the header is line 1) and field:
//   data/x/ratings.csv:17: field 'rating': "abc" is not a number
//   data/x/ratings.csv:18: field 'timestamp': "-99999999999999999999" is out of range (at least
//   -9223372036854775807)
// or the file: "data/x: movies.csv not found (a MovieLens folder has ratings.csv and
// movies.csv)", "data/x/ratings.csv: not a regular file (a FIFO)" (directories, FIFOs and
// devices are refused before any read; nothing blocks).
// With skip_bad_lines the line is skipped and counted instead (report->skipped, first 5 kept).
//
// With use_cache a binary cache `<ratings file>.mfcache` is read or (re)written beside the
// ratings file (see rating_cache.h); the cache never changes the result, only the time.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "ratings.h"

namespace mf {

struct load_options {
    std::string ratings_file;     // replaces the directory's ratings file when non-empty
    bool skip_bad_lines = false;  // skip and count bad lines instead of failing
    int threads = 0;              // 0: all hardware threads
    bool use_cache = true;        // read/write <ratings file>.mfcache
    bool timestamps = true;       // false: a load from the cache may leave dataset::time empty
};

struct load_report {
    std::string layout;  // "csv", "dat" or "100k"
    std::string ratings_path, movies_path;
    std::string users_path;                     // users.dat / u.user when read, else ""
    int64_t users_without_features = 0;         // users with ratings missing from the users file
    int64_t lines = 0;                          // data lines of the ratings file (blank lines not counted)
    int64_t skipped = 0;                        // bad lines skipped (ratings and movies files)
    std::vector<std::string> skipped_examples;  // the first 5 messages, in file order
    int64_t unknown_movies = 0;                 // movies added because a rating names them
    int64_t unknown_movie_ratings = 0;          // ratings of those movies
    int64_t duplicates = 0;  // repeated (user, movie) ratings dropped (the last one in file order is kept)
    double seconds = 0;
    bool from_cache = false;
    std::string cache_note;  // why the cache was not used or not written ("" when all went well)
};

struct load_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Loads a MovieLens directory. Throws load_error.
dataset movielens_load(const std::string & dir, const load_options & opt, load_report * report = nullptr);

// Loads a movies file, recognised by its name: *.csv (movies.csv), *.dat (movies.dat) or u.item
// (*.item; u.genre beside it is used when present). Throws load_error.
catalog movielens_load_catalog(const std::string & path);

}  // namespace mf
