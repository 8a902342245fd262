// movielens.cpp - layout detection, catalog + ratings loading, the cache around them.
#include "movielens.h"

#include <chrono>

#include "movielens_io.h"
#include "movielens_parse.h"
#include "movielens_users.h"
#include "rating_cache.h"

namespace mf {

namespace {

struct layout_files {
    std::string layout;
    std::string ratings, movies, genre;
    movies_format mfmt = movies_format::csv;
    ratings_format rfmt = ratings_format::csv;
};

bool is_file(const std::string & path) {
    file_info fi = file_stat(path);
    return fi.exists && !fi.is_dir;
}

// Refuses what is missing or not a regular file (a directory, a FIFO, a device) before any read.
void require_regular_file(const std::string & path) {
    file_info fi = file_stat(path);
    if (!fi.exists) throw load_error(path + ": no such file");
    if (fi.is_dir) throw load_error(path + ": is a directory, expected a file");
    if (!fi.is_regular) throw load_error(path + ": not a regular file (" + file_kind_name(fi.mode) + ")");
}

std::string base_name(const std::string & path) {
    size_t slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string dir_name(const std::string & path) {
    size_t slash = path.find_last_of('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

layout_files detect_layout(const std::string & dir, const load_options & opt) {
    file_info di = file_stat(dir);
    if (!di.exists) throw load_error(dir + ": no such directory");
    if (!di.is_dir) throw load_error(dir + ": not a directory");
    struct candidate {
        const char * layout;
        const char * ratings;
        const char * movies;
        movies_format mfmt;
        ratings_format rfmt;
    };
    static const candidate cands[] = {
        {"csv", "ratings.csv", "movies.csv", movies_format::csv, ratings_format::csv},
        {"dat", "ratings.dat", "movies.dat", movies_format::dat, ratings_format::dat},
        {"100k", "u.data", "u.item", movies_format::item, ratings_format::tab},
    };
    // a layout whose two files are there (of any kind: a directory or FIFO in their place is
    // refused below, by name)
    auto there = [&](const std::string & name) { return file_stat(path_join(dir, name)).exists; };
    for (const candidate & c : cands) {
        if (!there(c.movies) || (opt.ratings_file.empty() && !there(c.ratings))) continue;
        layout_files l;
        l.layout = c.layout;
        l.movies = path_join(dir, c.movies);
        l.ratings = opt.ratings_file.empty() ? path_join(dir, c.ratings) : opt.ratings_file;
        l.mfmt = c.mfmt;
        l.rfmt = c.rfmt;
        if (c.mfmt == movies_format::item) l.genre = path_join(dir, "u.genre");
        require_regular_file(l.movies);
        require_regular_file(l.ratings);
        return l;
    }
    if (!opt.ratings_file.empty())
        throw load_error(dir + ": no MovieLens movies file found (expected movies.csv, movies.dat or u.item)");
    // half a layout: name the missing file
    for (const candidate & c : cands) {
        bool r = there(c.ratings), m = there(c.movies);
        if (r == m) continue;
        throw load_error(dir + ": " + (r ? c.movies : c.ratings) + " not found (a MovieLens folder has " + c.ratings +
                         " and " + c.movies + ")");
    }
    throw load_error(
        dir + ": no MovieLens files found (expected ratings.csv+movies.csv, ratings.dat+movies.dat or u.data+u.item)");
}

catalog load_catalog_file(const std::string & path, movies_format f, const std::string & genre_path,
                          line_errors & errs) {
    mapped_file file(path);
    catalog cat;
    cat.genres_init_movielens();
    std::vector<std::string> item_genres;
    if (f == movies_format::item) {
        if (!genre_path.empty() && is_file(genre_path)) {
            mapped_file g(genre_path);
            item_genres = parse_u_genre(g.data(), g.size(), genre_path);
        } else {
            item_genres = ml100k_genres();
        }
    }
    parse_movies(file.data(), file.size(), f, path, item_genres, cat, errs);
    return cat;
}

// the users file beside the ratings, when the layout has one and it is there
void users_attach(const std::string & dir, const load_options & opt, load_report & rep, dataset & d) {
    users_stats us;
    rep.users_path = movielens_users_attach(dir, rep.layout, d, opt.skip_bad_lines, &us);
    if (rep.users_path.empty()) return;
    rep.users_without_features = us.missing;
    rep.skipped += us.skipped;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

catalog movielens_load_catalog(const std::string & path) {
    std::string base = base_name(path);
    auto ends = [&](const char * suffix) {
        std::string s = suffix;
        return base.size() >= s.size() && base.compare(base.size() - s.size(), s.size(), s) == 0;
    };
    movies_format f;
    if (ends(".csv"))
        f = movies_format::csv;
    else if (ends(".dat"))
        f = movies_format::dat;
    else if (ends(".item"))
        f = movies_format::item;
    else
        throw load_error(path + ": not a MovieLens movies file (expected movies.csv, movies.dat or u.item)");
    require_regular_file(path);
    line_errors errs;
    return load_catalog_file(path, f, f == movies_format::item ? path_join(dir_name(path), "u.genre") : "", errs);
}

dataset movielens_load(const std::string & dir, const load_options & opt, load_report * report) {
    auto t0 = std::chrono::steady_clock::now();
    layout_files L = detect_layout(dir, opt);
    load_report rep;
    rep.layout = L.layout;
    rep.ratings_path = L.ratings;
    rep.movies_path = L.movies;

    std::string cache_path, key;
    dataset d;
    if (opt.use_cache) {
        cache_path = rating_cache_path(L.ratings);
        std::vector<std::string> sources = {L.ratings, L.movies};
        if (!L.genre.empty()) sources.push_back(L.genre);
        key = rating_cache_key(sources, "layout " + L.layout);
        cache_meta m;
        std::string why;
        if (rating_cache_read(cache_path, key, d, m, opt.threads, &why, opt.timestamps)) {
            if (m.skipped == 0 || opt.skip_bad_lines) {
                rep.lines = m.lines;
                rep.skipped = m.skipped;
                rep.skipped_examples = m.skipped_examples;
                rep.duplicates = m.duplicates;
                rep.unknown_movies = m.unknown_movies;
                rep.unknown_movie_ratings = m.unknown_movie_ratings;
                rep.from_cache = true;
                users_attach(dir, opt, rep, d);
                rep.seconds = seconds_since(t0);
                if (report) *report = rep;
                return d;
            }
            why = "the cache holds a load that skipped bad lines";
        }
        d = dataset();
        rep.cache_note = why;
    }

    line_errors errs;
    errs.skip = opt.skip_bad_lines;
    ratings_stats st;
    {
        file_reader file(L.ratings);
        ratings_format f = L.rfmt;
        if (!opt.ratings_file.empty()) {
            std::string head(std::min<size_t>(file.size(), 4096), '\0');
            if (!head.empty()) file.read_at(0, &head[0], head.size());
            f = ratings_format_sniff(L.ratings, head.data(), head.size(), L.rfmt);
        }
        // the cache keeps the timestamps for later loads that need them
        const bool keep_time = opt.timestamps || opt.use_cache;
        // the catalog is read beside the ratings' first pass (its errors come first in errs)
        std::function<catalog()> load_catalog = [&]() { return load_catalog_file(L.movies, L.mfmt, L.genre, errs); };
        parse_ratings(file, f, L.ratings, opt.threads, 64 * 1024, d, errs, st, keep_time, (size_t) 1 << 18,
                      load_catalog);
    }
    rep.lines = st.lines;
    rep.skipped = errs.skipped;
    rep.skipped_examples = errs.examples;
    rep.duplicates = st.duplicates;
    rep.unknown_movies = st.unknown_movies;
    rep.unknown_movie_ratings = st.unknown_movie_ratings;

    if (opt.use_cache) {
        cache_meta m;
        m.layout = rep.layout;
        m.lines = rep.lines;
        m.skipped = rep.skipped;
        m.skipped_examples = rep.skipped_examples;
        m.duplicates = rep.duplicates;
        m.unknown_movies = rep.unknown_movies;
        m.unknown_movie_ratings = rep.unknown_movie_ratings;
        std::string why;
        if (!rating_cache_write(cache_path, key, d, m, &why)) rep.cache_note = why;
    }
    // parsed for the cache (which keeps them for the loads that need them), not kept: 8 bytes a
    // rating that a split without time never reads
    if (!opt.timestamps) d.release_time();
    users_attach(dir, opt, rep, d);
    rep.seconds = seconds_since(t0);
    if (report) *report = rep;
    return d;
}

}  // namespace mf
