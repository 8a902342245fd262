// movielens_catalog.cpp - movies.csv, movies.dat, u.item (+ u.genre) into a catalog.
#include <cstring>
#include <unordered_map>

#include "movielens_parse.h"

namespace mf {

namespace {

// Calls fn(line_no, begin, end) for each line (1-based numbers, '\n' and a trailing '\r'
// removed, a leading UTF-8 BOM skipped); stops early when fn returns false.
template <class F>
void for_each_line(const char * data, size_t n, F fn) {
    const char * p = data;
    const char * end = data + n;
    if (n >= 3 && std::memcmp(p, "\xEF\xBB\xBF", 3) == 0) p += 3;
    int64_t line = 0;
    while (p < end) {
        const char * nl = (const char *) std::memchr(p, '\n', (size_t) (end - p));
        const char * le = nl ? nl : end;
        const char * ce = le;
        if (ce > p && ce[-1] == '\r') --ce;
        ++line;
        if (!fn(line, p, ce)) return;
        p = nl ? nl + 1 : end;
    }
}

bool blank(const char * b, const char * e) {
    return b == e;
}

std::string at(const std::string & name, int64_t line) {
    return name + ":" + std::to_string(line) + ": ";
}

std::string trim(const std::string & s) {
    size_t b = 0, e = s.size();
    while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
    while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
    return s.substr(b, e - b);
}

uint32_t genre_mask_of(const std::string & genres, catalog & cat) {
    uint32_t mask = 0;
    size_t p = 0;
    while (p <= genres.size()) {
        size_t q = genres.find('|', p);
        if (q == std::string::npos) q = genres.size();
        std::string g = trim(genres.substr(p, q - p));
        if (!g.empty()) {
            int bit = cat.genre_bit(genre_canonical(utf8_or_latin1(g.data(), g.size())));
            if (bit >= 0) mask |= 1u << bit;
        }
        p = q + 1;
    }
    return mask;
}

// Adds one movie after the checks shared by all formats. `where` makes the "NAME:LINE: " prefix
// of a message (only built for a bad line: most of the catalog's load time went into it).
template <class Where>
void add_movie(const Where & where, const std::string & id_text, const std::string & title, uint32_t mask,
               catalog & cat, line_errors & errs) {
    int32_t id = 0;
    std::string bad = parse_id_field(id_text, id);
    if (!bad.empty()) {
        errs.add(where() + "field 'movieId': " + bad);
        return;
    }
    if (cat.add(id, utf8_or_latin1(title.data(), title.size()), mask) < 0)
        errs.add(where() + "movie " + std::to_string(id) + " is listed twice");
}

}  // namespace

const std::vector<std::string> & ml100k_genres() {
    static const std::vector<std::string> names = {"unknown",   "Action",   "Adventure",   "Animation", "Children's",
                                                   "Comedy",    "Crime",    "Documentary", "Drama",     "Fantasy",
                                                   "Film-Noir", "Horror",   "Musical",     "Mystery",   "Romance",
                                                   "Sci-Fi",    "Thriller", "War",         "Western"};
    return names;
}

std::vector<std::string> parse_u_genre(const char * data, size_t n, const std::string & name) {
    std::vector<std::string> names;
    std::vector<bool> set;
    for_each_line(data, n, [&](int64_t line, const char * b, const char * e) {
        if (blank(b, e)) return true;
        std::vector<std::string> f;
        split_sep(b, e, "|", 1, f);
        if (f.size() != 2) throw load_error(at(name, line) + "expected 2 fields, found " + std::to_string(f.size()));
        int32_t idx = 0;
        std::string bad = f[1] == "0" ? std::string() : parse_id_field(f[1], idx);
        if (!bad.empty() || idx >= 64)
            throw load_error(at(name, line) + "field 'index': " + field_show(f[1].data(), f[1].size()) +
                             " is not a genre index (0-63)");
        if ((size_t) idx >= names.size()) {
            names.resize((size_t) idx + 1);
            set.resize((size_t) idx + 1, false);
        }
        if (set[(size_t) idx])
            throw load_error(at(name, line) + "genre index " + std::to_string(idx) + " is listed twice");
        set[(size_t) idx] = true;
        names[(size_t) idx] = utf8_or_latin1(f[0].data(), f[0].size());
        return true;
    });
    for (size_t g = 0; g < set.size(); ++g) {
        if (!set[g]) throw load_error(name + ": genre index " + std::to_string(g) + " is missing");
    }
    if (names.empty()) throw load_error(name + ": no genres");
    return names;
}

void parse_movies(const char * data, size_t n, movies_format fmt, const std::string & name,
                  const std::vector<std::string> & item_genres, catalog & cat, line_errors & errs) {
    std::vector<std::string> f;
    std::vector<int> item_bits;
    if (fmt == movies_format::item) {
        for (const std::string & g : item_genres) item_bits.push_back(cat.genre_bit(genre_canonical(g)));
    }
    bool header_seen = fmt != movies_format::csv;
    // at most a movie a line
    size_t lines = 0;
    for (const char * p = data; (p = (const char *) std::memchr(p, '\n', (size_t) (data + n - p))); ++p) ++lines;
    cat.reserve((size_t) cat.size() + lines + 1);
    // genre lists repeat (about 1,800 distinct among ML-32M's 87,585 movies): each is split once
    std::unordered_map<std::string, uint32_t> mask_of;
    auto mask_cached = [&](const std::string & genres) {
        auto it = mask_of.find(genres);
        if (it != mask_of.end()) return it->second;
        uint32_t m = genre_mask_of(genres, cat);
        mask_of.emplace(genres, m);
        return m;
    };
    for_each_line(data, n, [&](int64_t line, const char * b, const char * e) {
        auto where = [&]() { return at(name, line); };
        if (!header_seen) {
            header_seen = true;
            std::string err;
            size_t ef = 0;
            bool ok = split_csv(b, e, f, err, ef);
            if (!ok || f.size() != 3 || trim(f[0]) != "movieId" || trim(f[1]) != "title" || trim(f[2]) != "genres")
                throw load_error(where() + "expected the header \"movieId,title,genres\", found " +
                                 field_show(b, (size_t) (e - b)));
            return true;
        }
        if (blank(b, e)) return true;
        if (fmt == movies_format::csv) {
            static const char * names[] = {"movieId", "title", "genres"};
            std::string err;
            size_t ef = 0;
            if (!split_csv(b, e, f, err, ef)) {
                errs.add(where() + (ef < 3 ? std::string("field '") + names[ef] + "': " : std::string()) + err);
                return true;
            }
            if (f.size() != 3) {
                errs.add(where() + "expected 3 fields, found " + std::to_string(f.size()));
                return true;
            }
            add_movie(where, f[0], f[1], mask_cached(f[2]), cat, errs);
        } else if (fmt == movies_format::dat) {
            // id::title::genres; the title is everything between the first and the last "::"
            split_sep(b, e, "::", 2, f);
            if (f.size() < 3) {
                errs.add(where() + "expected 3 fields, found " + std::to_string(f.size()));
                return true;
            }
            std::string title = f[1];
            for (size_t k = 2; k + 1 < f.size(); ++k) title += "::" + f[k];
            add_movie(where, f[0], title, mask_cached(f.back()), cat, errs);
        } else {
            split_sep(b, e, "|", 1, f);
            size_t want = 5 + item_genres.size();
            if (f.size() != want) {
                errs.add(where() + "expected " + std::to_string(want) + " fields, found " + std::to_string(f.size()));
                return true;
            }
            uint32_t mask = 0;
            for (size_t g = 0; g < item_genres.size(); ++g) {
                const std::string & v = f[5 + g];
                if (v != "0" && v != "1") {
                    errs.add(where() + "field '" + item_genres[g] + "': " + field_show(v.data(), v.size()) +
                             " is not 0 or 1");
                    return true;
                }
                if (v == "1" && item_bits[g] >= 0) mask |= 1u << item_bits[g];
            }
            add_movie(where, f[0], f[1], mask, cat, errs);
        }
        return true;
    });
    if (!header_seen) throw load_error(name + ":1: expected the header \"movieId,title,genres\", found an empty file");
}

}  // namespace mf
