#include "ratings_csv.h"

#include <cmath>
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
    if (scale < 0) x /= std::pow(10.0, -scale);
    else if (scale > 0) x *= std::pow(10.0, scale);
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
    if (p == e || e - p > 18) return field_show(b, n) + " is not an integer timestamp";
    int64_t x = 0;
    for (; p < e; ++p) {
        unsigned d = (unsigned) (unsigned char) *p - '0';
        if (d >= 10) return field_show(b, n) + " is not an integer timestamp";
        x = x * 10 + d;
    }
    v = neg ? -x : x;
    return "";
}

std::string trimmed(const char * b, const char * e) {
    while (b < e && (*b == ' ' || *b == '\t')) ++b;
    while (e > b && (e[-1] == ' ' || e[-1] == '\t')) --e;
    return std::string(b, (size_t) (e - b));
}

}  // namespace

result<dataset> ratings_csv_parse(const uint8_t * data, size_t size, const catalog & items, const std::string & name) {
    using R = result<dataset>;
    const char * p = reinterpret_cast<const char *>(data);
    const char * end = p + size;
    if (size >= 3 && std::memcmp(p, "\xEF\xBB\xBF", 3) == 0) p += 3;
    auto at = [&](int64_t line) { return name + ":" + std::to_string(line) + ": "; };

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
        if (!(bad = parse_id(fb[0], fe[0], user)).empty()) k = 0;
        else if (!(bad = parse_id(fb[1], fe[1], movie)).empty()) k = 1;
        else if (!(bad = parse_rating(fb[2], fe[2], r)).empty()) k = 2;
        else if (!(bad = parse_time(fb[3], fe[3], t)).empty()) k = 3;
        if (!bad.empty()) return R::fail(at(line) + "field '" + names[k] + "': " + bad);
        int32_t row = d.items.find(movie);
        if (row < 0)
            return R::fail(at(line) + "field 'movieId': movie " + std::to_string(movie) + " is not in the catalog");
        d.push(d.users.get_or_add(user), row, r, t);
        p = next;
    }
    return d;
}

}  // namespace mf
