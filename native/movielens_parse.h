// movielens_parse.h - the MovieLens parsers on bytes in memory (used by movielens_load, the
// fuzz target and tests). `name` is the file name used in messages ("dir/ratings.csv").
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "movielens.h"
#include "movielens_io.h"

namespace mf {

enum class ratings_format { csv, dat, tab };  // ratings.csv, ratings.dat ("::"), u.data (tab)
enum class movies_format { csv, dat, item };  // movies.csv, movies.dat, u.item

constexpr size_t load_max_examples = 5;

// Bad lines: add() throws load_error(message) unless skipping, else counts and keeps the
// first load_max_examples messages.
struct line_errors {
    bool skip = false;
    int64_t skipped = 0;
    std::vector<std::string> examples;

    void add(const std::string & message);
    void merge(const line_errors & later);  // appends the counts/examples of a later part
};

// ---- text
bool utf8_valid(const char * s, size_t n);
// s when it is valid UTF-8, else s read as Latin-1 and encoded as UTF-8
std::string utf8_or_latin1(const char * s, size_t n);
// "Children's" -> "Children", "unknown" -> "(no genres listed)", others unchanged
std::string genre_canonical(const std::string & name);
// A field for a message: quoted, control/non-ASCII bytes escaped as \xNN, cut after 40 bytes.
std::string field_show(const char * s, size_t n);

// Splits one line (no '\n', no trailing '\r') into fields.
// csv: RFC 4180 quoting on the line; returns false and sets `err` (with the 0-based field index
// in `err_field`) for an unterminated quote or text after a closing quote.
bool split_csv(const char * b, const char * e, std::vector<std::string> & out, std::string & err, size_t & err_field);
void split_sep(const char * b, const char * e, const char * sep, size_t sep_len, std::vector<std::string> & out);

// Field checks: return "" when good, else the message tail (`"abc" is not a number`).
std::string parse_id_field(const std::string & f, int32_t & v);    // positive int32
std::string parse_rating_field(const std::string & f, float & v);  // number in [0.5, 5]
std::string parse_time_field(const std::string & f, int64_t & v);  // integer, |v| <= INT64_MAX

// ---- movies
// u.genre: "name|index" lines; returns the names by index (raw, not canonical). Throws.
std::vector<std::string> parse_u_genre(const char * data, size_t n, const std::string & name);

// The ML-100K genre columns of u.item when there is no u.genre.
const std::vector<std::string> & ml100k_genres();

// Appends the movies of a file to `cat` (call cat.genres_init_movielens() before).
// item_genres: the u.item flag columns' names (movies_format::item only).
void parse_movies(const char * data, size_t n, movies_format f, const std::string & name,
                  const std::vector<std::string> & item_genres, catalog & cat, line_errors & errs);

// ---- ratings
struct ratings_stats {
    int64_t lines = 0;  // non-blank data lines, good or bad
    int64_t unknown_movies = 0;
    int64_t unknown_movie_ratings = 0;  // ratings of those movies in `d` (after dropping duplicates)
    int64_t duplicates = 0;             // ratings dropped because a later line rates the same pair
};

// Parses ratings bytes into `d` (which holds no ratings yet; d.items is the catalog, extended
// by unknown movies). Ranges of at least min_bytes_per_thread bytes go to up to `threads`
// threads (0 = hardware threads); the result does not depend on the thread count.
// Of several ratings of one (user, movie) only the last in file order is kept (st.duplicates
// counts the others). Throws load_error "NAME: no ratings (...)" when no rating is left (an
// empty file, a header alone, only blank or skipped lines).
// keep_time false: timestamps are checked as always but not stored (d.time stays empty), for a
// load whose caller never reads them (8 bytes a rating neither written nor allocated).
void parse_ratings(const char * data, size_t n, ratings_format f, const std::string & name, int threads,
                   size_t min_bytes_per_thread, dataset & d, line_errors & errs, ratings_stats & st,
                   bool keep_time = true);

// The same from a file: read with pread in windows of `window` bytes a thread (tests use tiny
// ones), so the file never sits in the process's memory; the bytes themselves when the file was
// read whole (no size reported). catalog_load, when given, makes d.items on a thread of its own
// while the ratings' lines are counted (its error wins over the ratings').
void parse_ratings(const file_reader & file, ratings_format f, const std::string & name, int threads,
                   size_t min_bytes_per_thread, dataset & d, line_errors & errs, ratings_stats & st,
                   bool keep_time = true, size_t window = (size_t) 1 << 18,
                   const std::function<catalog()> & catalog_load = {});

// Where parse_ratings reads: `data` (size bytes in memory) or else `file`; the catalog from
// catalog_load when set, else d.items as it is.
struct ratings_source {
    const char * data = nullptr;
    const file_reader * file = nullptr;
    size_t size = 0;
    size_t window = (size_t) 1 << 18;
    const std::function<catalog()> * catalog_load = nullptr;
};
void parse_ratings(const ratings_source & src, ratings_format f, const std::string & name, int threads,
                   size_t min_bytes_per_thread, dataset & d, line_errors & errs, ratings_stats & st, bool keep_time);

// The format of a ratings file: *.csv is csv; otherwise the first line decides ("::" dat, a tab
// tab, a comma csv); `fallback` when it cannot tell.
ratings_format ratings_format_sniff(const std::string & path, const char * data, size_t n, ratings_format fallback);

}  // namespace mf
