#include "ratings_csv.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace mf {

namespace {

// A field for a message: quoted, control/non-ASCII bytes as \xNN, cut after 40 bytes (as the
// native loader shows fields).
std::string field_show(const char * s, size_t n) {
    static const char hex[] = "0123456789ABCDEF";
    std::string out = "\"";
    size_t shown = n > 40 ? 40 : n;
    for (size_t i = 0; i < shown; ++i) {
        unsigned char c = (unsigned char) s[i];
        if (c == '"' || c == '\\') {
            out.push_back('\\');
            out.push_back((char) c);
        } else if (c < 0x20 || c >= 0x7F) {
            out += "\\x";
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
        } else {
            out.push_back((char) c);
        }
    }
    if (shown < n) out += "...";
    out.push_back('"');
    return out;
}

std::string parse_id(const char * b, const char * e, int32_t & v) {
    size_t n = (size_t) (e - b);
    if (n == 0) return "\"\" is not a positive integer";
    uint64_t x = 0;
    for (const char * p = b; p < e; ++p) {
        unsigned d = (unsigned) (unsigned char) *p - '0';
        if (d >= 10) return field_show(b, n) + " is not a positive integer";
        if (x <= 0xFFFFFFFFull) x = x * 10 + d;
    }
    if (x == 0) return field_show(b, n) + " is not a positive integer";
    if (x > 2147483647ull) return field_show(b, n) + " is too large (at most 2147483647)";
    v = (int32_t) x;
    return "";
}

// [+-]digits[.digits] or [+-].digits, optionally with e[+-]digits; exact for the ratings files
// contain (the value is mantissa / 10^d in double, correctly rounded, then rounded to float).
std::string parse_rating(const char * b, const char * e, float & v) {
    const size_t n = (size_t) (e - b);
    const char * p = b;
    bool neg = false;
    if (p < e && (*p == '+' || *p == '-')) neg = *p++ == '-';
    uint64_t mant = 0;
    int digits = 0, frac = 0;
    bool any = false;
    while (p < e && (unsigned) (*p - '0') < 10) {
        if (digits < 18) {
            mant = mant * 10 + (uint64_t) (*p - '0');
            if (mant) ++digits;
        } else {
            --frac;  // drop digits beyond 18: scale instead
        }
        ++p;
        any = true;
    }
    if (p < e && *p == '.') {
        ++p;
        while (p < e && (unsigned) (*p - '0') < 10) {
            if (digits < 18) {
                mant = mant * 10 + (uint64_t) (*p - '0');
                if (mant) ++digits;
                ++frac;
            }
            ++p;
            any = true;
        }
    }
    int exp10 = 0;
    if (any && p < e && (*p == 'e' || *p == 'E')) {
        ++p;
        bool eneg = false;
        if (p < e && (*p == '+' || *p == '-')) eneg = *p++ == '-';
        if (p == e) any = false;
        while (p < e && (unsigned) (*p - '0') < 10) {
            if (exp10 < 1000) exp10 = exp10 * 10 + (*p - '0');
            ++p;
        }
        if (eneg) exp10 = -exp10;
    }
    if (!any || p != e) return field_show(b, n) + " is not a number";
    double x = (double) mant;
    int scale = exp10 - frac;
    if (scale < 0)
        x /= std::pow(10.0, -scale);
    else if (scale > 0)
        x *= std::pow(10.0, scale);
    if (neg) x = -x;
    float r = (float) x;
    if (!(r >= 0.5f && r <= 5.0f)) {
        std::string shown(b, n > 40 ? 40 : n);
        return shown + (n > 40 ? "..." : "") + " is outside 0.5\u20135";
    }
    v = r;
    return "";
}

std::string parse_time(const char * b, const char * e, int64_t & v) {
    const size_t n = (size_t) (e - b);
    const char * p = b;
    bool neg = p < e && *p == '-';
    if (neg) ++p;
    if (p == e) return field_show(b, n) + " is not an integer timestamp";
    uint64_t x = 0;
    bool over = false;
    for (; p < e; ++p) {
        unsigned d = (unsigned) (unsigned char) *p - '0';
        if (d >= 10) return field_show(b, n) + " is not an integer timestamp";
        if (x > ((uint64_t) INT64_MAX - d) / 10) over = true;  // x * 10 + d > INT64_MAX
        if (!over) x = x * 10 + d;
    }
    if (over)
        return field_show(b, n) + (neg ? " is out of range (at least -" : " is out of range (at most ") +
               "9223372036854775807)";
    v = neg ? -(int64_t) x : (int64_t) x;
    return "";
}

std::string trimmed(const char * b, const char * e) {
    while (b < e && (*b == ' ' || *b == '\t')) ++b;
    while (e > b && (e[-1] == ' ' || e[-1] == '\t')) --e;
    return std::string(b, (size_t) (e - b));
}

// The scan of one user's ratings, positions pos(b) .. pos(e - 1) in file order: the earlier
// ratings of an item rated again go to `dropped`. last[item] = index k of the item's latest
// rating seen; indices of earlier users are < b.
template <class Pos>
void scan_user(const std::vector<int32_t> & item, int64_t b, int64_t e, Pos pos, std::vector<int64_t> & last,
               std::vector<int64_t> & dropped) {
    for (int64_t k = b; k < e; ++k) {
        int32_t i = item[(size_t) pos(k)];
        int64_t prev = last[(size_t) i];
        if (prev >= b) dropped.push_back(pos(prev));
        last[(size_t) i] = k;
    }
}

}  // namespace

int64_t ratings_drop_duplicates(dataset & d) {
    const int64_t n = d.size();
    if (n < 2) return 0;
    const size_t n_users = (size_t) d.users.size();
    std::vector<int64_t> last((size_t) d.items.size(), -1);
    std::vector<int64_t> dropped;
    // grouped by user (each user's ratings consecutive): the runs are the groups
    std::vector<bool> seen(n_users, false);
    bool grouped = true;
    for (int64_t p = 0; p < n && grouped;) {
        const int32_t u = d.user[(size_t) p];
        if (seen[(size_t) u]) grouped = false;
        seen[(size_t) u] = true;
        int64_t q = p + 1;
        while (q < n && d.user[(size_t) q] == u) ++q;
        scan_user(
            d.item, p, q, [](int64_t k) { return k; }, last, dropped);
        p = q;
    }
    if (!grouped) {
        // group the positions by user, in file order within a user (stable counting sort)
        dropped.clear();
        std::fill(last.begin(), last.end(), -1);
        std::vector<int64_t> start(n_users + 1, 0), perm((size_t) n);
        for (int32_t u : d.user) ++start[(size_t) u + 1];
        for (size_t u = 0; u < n_users; ++u) start[u + 1] += start[u];
        std::vector<int64_t> at(start.begin(), start.end() - 1);
        for (int64_t p = 0; p < n; ++p) perm[(size_t) at[(size_t) d.user[(size_t) p]]++] = p;
        for (size_t u = 0; u < n_users; ++u)
            scan_user(
                d.item, start[u], start[u + 1], [&](int64_t k) { return perm[(size_t) k]; }, last, dropped);
    }
    if (dropped.empty()) return 0;
    std::sort(dropped.begin(), dropped.end());
    const bool with_time = d.time.size() == (size_t) n;
    size_t w = 0, j = 0;
    for (size_t p = 0; p < (size_t) n; ++p) {
        if (j < dropped.size() && (size_t) dropped[j] == p) {
            ++j;
            continue;
        }
        d.user[w] = d.user[p];
        d.item[w] = d.item[p];
        d.rating[w] = d.rating[p];
        if (with_time) d.time[w] = d.time[p];
        ++w;
    }
    d.user.resize(w);
    d.item.resize(w);
    d.rating.resize(w);
    if (with_time) d.time.resize(w);
    return (int64_t) dropped.size();
}

result<dataset> ratings_csv_parse(const uint8_t * data, size_t size, const catalog & items, const std::string & name,
                                  int64_t * duplicates) {
    using R = result<dataset>;
    const char * p = reinterpret_cast<const char *>(data);
    const char * end = p + size;
    if (size >= 3 && std::memcmp(p, "\xEF\xBB\xBF", 3) == 0) p += 3;
    auto at = [&](int64_t line) { return name + ":" + std::to_string(line) + ": "; };
    if (duplicates) *duplicates = 0;
    if (p == end) return R::fail(name + ": no ratings (the file is empty)");

    // header
    {
        const char * nl = (const char *) std::memchr(p, '\n', (size_t) (end - p));
        const char * e = nl ? nl : end;
        const char * ce = (e > p && e[-1] == '\r') ? e - 1 : e;
        const char * f[5];
        const char * fe[5];
        int nf = 0;
        const char * s = p;
        for (const char * q = p;; ++q) {
            if (q == ce || *q == ',') {
                if (nf < 5) {
                    f[nf] = s;
                    fe[nf] = q;
                }
                ++nf;
                s = q + 1;
                if (q == ce) break;
            }
        }
        static const char * want[4] = {"userId", "movieId", "rating", "timestamp"};
        bool ok = nf == 4;
        for (int i = 0; ok && i < 4; ++i) ok = trimmed(f[i], fe[i]) == want[i];
        if (!ok)
            return R::fail(at(1) + "expected the header \"userId,movieId,rating,timestamp\", found " +
                           (p == end ? std::string("an empty file") : field_show(p, (size_t) (ce - p))));
        p = nl ? nl + 1 : end;
    }

    dataset d;
    d.items = items;
    // about 30 bytes a line in MovieLens files
    d.reserve(size / 24 + 1);
    static const char * names[4] = {"userId", "movieId", "rating", "timestamp"};
    int64_t line = 1;
    while (p < end) {
        ++line;
        const char * nl = (const char *) std::memchr(p, '\n', (size_t) (end - p));
        const char * e = nl ? nl : end;
        const char * next = nl ? nl + 1 : end;
        if (e > p && e[-1] == '\r') --e;
        if (e == p) {
            p = next;
            continue;
        }
        const char * fb[4];
        const char * fe[4];
        int nf = 0;
        const char * s = p;
        for (const char * q = p;; ++q) {
            if (q == e || *q == ',') {
                if (nf < 4) {
                    fb[nf] = s;
                    fe[nf] = q;
                }
                ++nf;
                s = q + 1;
                if (q == e) break;
            }
        }
        if (nf != 4) return R::fail(at(line) + "expected 4 fields, found " + std::to_string(nf));
        int32_t user = 0, movie = 0;
        float r = 0;
        int64_t t = 0;
        std::string bad;
        int k = 0;
        if (!(bad = parse_id(fb[0], fe[0], user)).empty())
            k = 0;
        else if (!(bad = parse_id(fb[1], fe[1], movie)).empty())
            k = 1;
        else if (!(bad = parse_rating(fb[2], fe[2], r)).empty())
            k = 2;
        else if (!(bad = parse_time(fb[3], fe[3], t)).empty())
            k = 3;
        if (!bad.empty()) return R::fail(at(line) + "field '" + names[k] + "': " + bad);
        int32_t row = d.items.find(movie);
        if (row < 0)
            return R::fail(at(line) + "field 'movieId': movie " + std::to_string(movie) + " is not in the catalog");
        d.push(d.users.get_or_add(user), row, r, t);
        p = next;
    }
    if (d.size() == 0) return R::fail(name + ": no ratings (no data lines after the header)");
    int64_t dropped = ratings_drop_duplicates(d);
    if (duplicates) *duplicates = dropped;
    return d;
}

}  // namespace mf
