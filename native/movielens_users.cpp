// movielens_users.cpp - u.user and users.dat into one-hot user features (movielens_users.h).
#include "movielens_users.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <unordered_map>

#include "movielens_io.h"

namespace mf {

namespace {

// The ML-1M age groups (README: 1 "Under 18", 18 "18-24", ..., 56 "56+"), as codes and names.
constexpr int age_codes[7] = {1, 18, 25, 35, 45, 50, 56};
const char * const age_names[7] = {"under 18", "18-24", "25-34", "35-44", "45-49", "50-55", "56+"};
constexpr int occupation_codes = 21;  // ML-1M: 0 "other or not specified" .. 20 "writer"

// column layout: gender (2), age groups (7), then occupations
constexpr int32_t col_gender = 0, col_age = 2, col_occupation = 9;

std::string where_of(const std::string & name, int64_t line) {
    return name + ":" + std::to_string(line) + ": ";
}

// a non-negative integer of at most 9 digits, else -1
int small_int(const std::string & f) {
    if (f.empty() || f.size() > 9) return -1;
    int v = 0;
    for (char c : f) {
        if (c < '0' || c > '9') return -1;
        v = v * 10 + (c - '0');
    }
    return v;
}

// ML-100K's age in years -> the ML-1M group
int age_group_of_years(int years) {
    int g = 0;
    for (int j = 1; j < 7; ++j)
        if (years >= age_codes[j]) g = j;
    return g;
}

}  // namespace

void parse_users(const char * data, size_t n, users_format f, const std::string & name, dataset & d, line_errors & errs,
                 users_stats & st) {
    user_features & uf = d.demographics;
    uf = user_features();
    uf.names = {"gender=F", "gender=M"};
    for (const char * a : age_names) uf.names.push_back(std::string("age=") + a);
    if (f == users_format::dat)
        for (int c = 0; c < occupation_codes; ++c) uf.names.push_back("occupation=" + std::to_string(c));
    std::map<std::string, int32_t> occupation_col;  // ML-100K: by name, in order of first appearance
    uf.cols.assign((size_t) d.users.size(), {});
    std::unordered_map<int32_t, int64_t> line_of;  // user id -> its line (a repeat is an error)
    const char * p = data;
    const char * end = data + n;
    if (n >= 3 && std::memcmp(p, "\xEF\xBB\xBF", 3) == 0) p += 3;
    int64_t line = 0;
    std::vector<std::string> fs;
    while (p < end) {
        const char * nl = (const char *) std::memchr(p, '\n', (size_t) (end - p));
        const char * e = nl ? nl : end;
        const char * next = nl ? nl + 1 : end;
        if (e > p && e[-1] == '\r') --e;
        ++line;
        const char * b = p;
        p = next;
        if (b == e) continue;
        ++st.lines;
        const std::string where = where_of(name, line);
        if (f == users_format::dat)
            split_sep(b, e, "::", 2, fs);
        else
            split_sep(b, e, "|", 1, fs);
        if (fs.size() != 5) {
            errs.add(where + "expected 5 fields, found " + std::to_string(fs.size()));
            continue;
        }
        // u.user: id|age|gender|occupation|zip; users.dat: id::gender::age::occupation::zip
        const std::string & f_id = fs[0];
        const std::string & f_gender = f == users_format::dat ? fs[1] : fs[2];
        const std::string & f_age = f == users_format::dat ? fs[2] : fs[1];
        const std::string & f_occ = fs[3];
        int32_t id = 0;
        std::string bad = parse_id_field(f_id, id);
        if (!bad.empty()) {
            errs.add(where + "field 'user id': " + bad);
            continue;
        }
        int32_t gender = f_gender == "F" ? 0 : f_gender == "M" ? 1 : -1;
        if (gender < 0) {
            errs.add(where + "field 'gender': " + field_show(f_gender.data(), f_gender.size()) + " is not M or F");
            continue;
        }
        const int age = small_int(f_age);
        int group = -1;
        if (f == users_format::dat) {
            for (int j = 0; j < 7; ++j)
                if (age == age_codes[j]) group = j;
            if (group < 0) {
                errs.add(where + "field 'age': " + field_show(f_age.data(), f_age.size()) +
                         " is not an ML-1M age group (1, 18, 25, 35, 45, 50 or 56)");
                continue;
            }
        } else {
            if (age < 1 || age > 120) {
                errs.add(where + "field 'age': " + field_show(f_age.data(), f_age.size()) +
                         " is not an age in years (1-120)");
                continue;
            }
            group = age_group_of_years(age);
        }
        int32_t occ = -1;
        if (f == users_format::dat) {
            const int c = small_int(f_occ);
            if (c < 0 || c >= occupation_codes) {
                errs.add(where + "field 'occupation': " + field_show(f_occ.data(), f_occ.size()) +
                         " is not an ML-1M occupation code (0-20)");
                continue;
            }
            occ = col_occupation + c;
        } else {
            if (f_occ.empty()) {
                errs.add(where + "field 'occupation': empty");
                continue;
            }
            auto it = occupation_col.find(f_occ);
            if (it == occupation_col.end()) {
                // a column for every new name: the table keeps the column order of the file
                it = occupation_col.emplace(f_occ, uf.size()).first;
                uf.names.push_back("occupation=" + f_occ);
            }
            occ = it->second;
        }
        auto seen = line_of.find(id);
        if (seen != line_of.end()) {
            errs.add(where + "field 'user id': user " + std::to_string(id) + " is already on line " +
                     std::to_string(seen->second));
            continue;
        }
        line_of.emplace(id, line);
        const int32_t row = d.users.find(id);
        if (row < 0) {
            ++st.unrated;
            continue;
        }
        ++st.matched;
        uf.cols[(size_t) row] = {col_gender + gender, col_age + group, occ};
    }
    st.missing = 0;
    for (const auto & c : uf.cols)
        if (c.empty()) ++st.missing;
    if (st.matched == 0) uf = user_features();  // no user of the ratings has features: none at all
}

std::string movielens_users_attach(const std::string & dir, const std::string & layout, dataset & d,
                                   bool skip_bad_lines, users_stats * st) {
    const char * file = layout == "dat" ? "users.dat" : layout == "100k" ? "u.user" : nullptr;
    if (!file) return "";
    const std::string path = path_join(dir, file);
    const file_info fi = file_stat(path);
    if (!fi.exists) return "";
    if (fi.is_dir) throw load_error(path + ": is a directory, expected a file");
    if (!fi.is_regular) throw load_error(path + ": not a regular file (" + file_kind_name(fi.mode) + ")");
    mapped_file m(path);
    line_errors errs;
    errs.skip = skip_bad_lines;
    users_stats s;
    parse_users(m.data(), m.size(), layout == "dat" ? users_format::dat : users_format::item, path, d, errs, s);
    s.skipped = errs.skipped;
    if (st) *st = s;
    return path;
}

}  // namespace mf
