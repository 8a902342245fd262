#include "dataset_summary.h"

#include <cstdio>
#include <map>

namespace mf {

std::string month_of(int64_t t) {
    // days since 1970-01-01 to a civil date (Howard Hinnant's days_from_civil, inverted)
    int64_t z = (t >= 0 ? t : t - 86399) / 86400 + 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const int64_t doe = z - era * 146097;
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int64_t mp = (5 * doy + 2) / 153;
    const int64_t m = mp < 10 ? mp + 3 : mp - 9;
    const int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
    char b[32];
    std::snprintf(b, sizeof b, "%04lld-%02lld", (long long) y, (long long) m);
    return b;
}

dataset_summary dataset_summarize(const dataset & d) {
    dataset_summary s;
    std::map<float, int64_t> by_value;
    std::vector<int64_t> per_item((size_t) d.items.size(), 0), per_user((size_t) d.users.size(), 0);
    for (int64_t p = 0; p < d.size(); ++p) {
        ++by_value[d.rating[(size_t) p]];
        ++per_item[(size_t) d.item[(size_t) p]];
        ++per_user[(size_t) d.user[(size_t) p]];
    }
    s.by_value.assign(by_value.begin(), by_value.end());
    auto tail = [](const std::vector<int64_t> & c) {
        std::map<int64_t, int64_t> m;
        for (int64_t n : c)
            if (n > 0) ++m[n];
        return std::vector<std::pair<int64_t, int64_t>>(m.begin(), m.end());
    };
    s.movie_counts = tail(per_item);
    s.user_counts = tail(per_user);
    if ((int64_t) d.time.size() == d.size() && d.size() > 0) {
        std::map<std::string, int64_t> months;
        std::map<int64_t, std::string> memo;  // per day: most ratings share a few thousand days
        for (int64_t t : d.time) {
            const int64_t day = t >= 0 ? t / 86400 : (t - 86399) / 86400;
            auto it = memo.find(day);
            if (it == memo.end()) it = memo.emplace(day, month_of(day * 86400)).first;
            ++months[it->second];
        }
        s.by_month.assign(months.begin(), months.end());
    }
    s.genres = d.items.genre_names;
    const size_t G = s.genres.size();
    s.genre_movies.assign(G, 0);
    s.genre_pairs.assign(G * G, 0);
    for (uint32_t mask : d.items.genres)
        for (size_t g = 0; g < G && g < 32; ++g) {
            if (!(mask & (1u << g))) continue;
            ++s.genre_movies[g];
            for (size_t h = 0; h < G && h < 32; ++h)
                if (mask & (1u << h)) ++s.genre_pairs[g * G + h];
        }
    return s;
}

}  // namespace mf
