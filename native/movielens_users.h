// movielens_users.h - the users files of ML-100K (u.user) and ML-1M (users.dat): demographics as
// one-hot user features (ratings.h: user_features), for Bayesian MF's user prior.
//
//   u.user     `user id | age | gender | occupation | zip code`   age in years, gender M|F,
//              occupation a name (u.occupation's list)
//   users.dat  `UserID::Gender::Age::Occupation::Zip-code`        gender M|F, age a group code
//              1 (under 18), 18, 25, 35, 45, 50, 56 (56+); occupation a code 0-20 (ML-1M README)
// Features: gender=F, gender=M; the seven ML-1M age groups (ML-100K ages are put in the same
// groups); one column per occupation (ML-1M: the 21 codes; ML-100K: the names, in order of first
// appearance in the file). The zip code is read (the field must be there) but not used.
// Users of the file who rated nothing are ignored; users who rated but are missing from the file
// get an empty row (no features: the population prior mean) and are counted.
// Bad lines throw load_error "FILE:LINE: field 'age': ..." (or are skipped and counted with
// skip_bad_lines, like the ratings); a user id given twice is an error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "movielens_parse.h"
#include "ratings.h"

namespace mf {

enum class users_format { item, dat };  // u.user (pipes), users.dat ("::")

struct users_stats {
    int64_t lines = 0;    // non-blank lines, good or bad
    int64_t matched = 0;  // users of the file who have ratings
    int64_t unrated = 0;  // users of the file without ratings (ignored)
    int64_t missing = 0;  // users with ratings who are not in the file (no features)
    int64_t skipped = 0;  // bad lines skipped (skip_bad_lines)
};

// Parses a users file in memory into d.demographics (rows = d.users, which holds the users of the
// ratings already).
void parse_users(const char * data, size_t n, users_format f, const std::string & name, dataset & d, line_errors & errs,
                 users_stats & st);

// The users file of a layout in `dir` ("dat": users.dat, "100k": u.user; "csv": none), read into
// d.demographics when it exists. Returns its path, "" when there is none. Throws load_error.
std::string movielens_users_attach(const std::string & dir, const std::string & layout, dataset & d,
                                   bool skip_bad_lines, users_stats * st = nullptr);

}  // namespace mf
