#include "catalog.h"

namespace mf {

int32_t catalog::find(int32_t id) const {
    auto it = index.find(id);
    return it == index.end() ? -1 : it->second;
}

void catalog::reserve(size_t n) {
    movie_id.reserve(n);
    title.reserve(n);
    year.reserve(n);
    genres.reserve(n);
    index.reserve(n);
}

int32_t catalog::add(int32_t id, std::string t, uint32_t genre_mask) {
    if (index.count(id)) return -1;
    int32_t row = size();
    index.emplace(id, row);
    movie_id.push_back(id);
    year.push_back(title_year(t));
    title.push_back(std::move(t));
    genres.push_back(genre_mask);
    return row;
}

int catalog::genre_bit(const std::string & name) {
    for (size_t g = 0; g < genre_names.size(); ++g) {
        if (genre_names[g] == name) return (int) g;
    }
    if ((int) genre_names.size() >= genre_max) return -1;
    genre_names.push_back(name);
    return (int) genre_names.size() - 1;
}

void catalog::genres_init_movielens() {
    static const char * names[] = {"Action", "Adventure",   "Animation", "Children", "Comedy",
                                   "Crime",  "Documentary", "Drama",     "Fantasy",  "Film-Noir",
                                   "Horror", "IMAX",        "Musical",   "Mystery",  "Romance",
                                   "Sci-Fi", "Thriller",    "War",       "Western",  "(no genres listed)"};
    genre_names.clear();
    for (const char * n : names) genre_names.emplace_back(n);
}

int16_t title_year(const std::string & t) {
    // scan back over trailing spaces, expect ')' then digits or a range, then '('
    size_t end = t.size();
    while (end > 0 && (t[end - 1] == ' ' || t[end - 1] == '\t')) --end;
    if (end < 6 || t[end - 1] != ')') return 0;
    size_t open = t.rfind('(', end - 1);
    if (open == std::string::npos || end - open < 6) return 0;
    int y = 0;
    for (size_t k = open + 1; k < open + 5; ++k) {
        if (t[k] < '0' || t[k] > '9') return 0;
        y = y * 10 + (t[k] - '0');
    }
    if (y < 1800 || y > 2200) return 0;
    return (int16_t) y;
}

int genre_count(uint32_t mask) {
    return __builtin_popcount(mask);
}

}  // namespace mf
