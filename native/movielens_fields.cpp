// movielens_fields.cpp - text helpers of the MovieLens parsers: UTF-8/Latin-1, line splitting,
// field checks with the messages users see, bad-line collection.
#include <fast_float/fast_float.h>

#include <cmath>
#include <cstring>

#include "movielens_parse.h"

namespace mf {

void line_errors::add(const std::string & message) {
    if (!skip) throw load_error(message);
    ++skipped;
    if (examples.size() < load_max_examples) examples.push_back(message);
}

void line_errors::merge(const line_errors & later) {
    skipped += later.skipped;
    for (const std::string & m : later.examples) {
        if (examples.size() < load_max_examples) examples.push_back(m);
    }
}

bool utf8_valid(const char * str, size_t n) {
    const unsigned char * s = (const unsigned char *) str;
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        if (c < 0x80) {
            ++i;
            continue;
        }
        size_t len;
        unsigned cp;
        if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (i + len > n) return false;
        for (size_t k = 1; k < len; ++k) {
            unsigned cc = s[i + k];
            if ((cc & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (cc & 0x3F);
        }
        if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
            (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
            return false;
        i += len;
    }
    return true;
}

std::string utf8_or_latin1(const char * s, size_t n) {
    if (utf8_valid(s, n)) return std::string(s, n);
    std::string out;
    out.reserve(n + n / 4);
    for (size_t i = 0; i < n; ++i) {
        unsigned char c = (unsigned char) s[i];
        if (c < 0x80) {
            out.push_back((char) c);
        } else {
            out.push_back((char) (0xC0 | (c >> 6)));
            out.push_back((char) (0x80 | (c & 0x3F)));
        }
    }
    return out;
}

std::string genre_canonical(const std::string & name) {
    if (name == "Children's") return "Children";
    if (name == "unknown") return "(no genres listed)";
    return name;
}

std::string field_show(const char * s, size_t n) {
    static const char hex[] = "0123456789ABCDEF";
    std::string out = "\"";
    size_t shown = n > 40 ? 40 : n;
    for (size_t i = 0; i < shown; ++i) {
        unsigned char c = (unsigned char) s[i];
        if (c < 0x20 || c >= 0x7F || c == '"' || c == '\\') {
            if (c == '"' || c == '\\') {
                out.push_back('\\');
                out.push_back((char) c);
            } else {
                out += "\\x";
                out.push_back(hex[c >> 4]);
                out.push_back(hex[c & 15]);
            }
        } else {
            out.push_back((char) c);
        }
    }
    if (shown < n) out += "...";
    out.push_back('"');
    return out;
}

bool split_csv(const char * b, const char * e, std::vector<std::string> & out, std::string & err, size_t & err_field) {
    out.clear();
    const char * p = b;
    for (;;) {
        std::string f;
        if (p < e && *p == '"') {
            ++p;
            for (;;) {
                const char * q = (const char *) std::memchr(p, '"', (size_t) (e - p));
                if (!q) {
                    err = "unterminated quoted field";
                    err_field = out.size();
                    return false;
                }
                f.append(p, q);
                if (q + 1 < e && q[1] == '"') {
                    f.push_back('"');
                    p = q + 2;
                    continue;
                }
                p = q + 1;
                break;
            }
            if (p < e && *p != ',') {
                err = "unexpected text after a closing quote";
                err_field = out.size();
                return false;
            }
        } else {
            const char * q = (const char *) std::memchr(p, ',', (size_t) (e - p));
            const char * fe = q ? q : e;
            f.assign(p, fe);
            p = fe;
        }
        out.push_back(std::move(f));
        if (p >= e) return true;
        ++p;  // the comma
    }
}

void split_sep(const char * b, const char * e, const char * sep, size_t sep_len, std::vector<std::string> & out) {
    out.clear();
    const char * p = b;
    for (;;) {
        const char * q = p;
        while (q + sep_len <= e && std::memcmp(q, sep, sep_len) != 0) ++q;
        if (q + sep_len > e) {
            out.emplace_back(p, e);
            return;
        }
        out.emplace_back(p, q);
        p = q + sep_len;
    }
}

std::string parse_id_field(const std::string & f, int32_t & v) {
    uint64_t x = 0;
    size_t n = f.size();
    if (n == 0) return "\"\" is not a positive integer";
    for (size_t i = 0; i < n; ++i) {
        unsigned d = (unsigned char) f[i] - '0';
        if (d >= 10) return field_show(f.data(), n) + " is not a positive integer";
        if (x <= 0xFFFFFFFFull) x = x * 10 + d;
    }
    if (x == 0) return f + " is not a positive integer";
    if (x > 2147483647ull) return field_show(f.data(), n) + " is too large (at most 2147483647)";
    v = (int32_t) x;
    return "";
}

std::string parse_rating_field(const std::string & f, float & v) {
    const char * b = f.data();
    const char * e = b + f.size();
    float r = 0;
    auto res = fast_float::from_chars(b, e, r);
    if (f.empty() || res.ec != std::errc() || res.ptr != e || std::isnan(r))
        return field_show(b, f.size()) + " is not a number";
    if (!(r >= 0.5f && r <= 5.0f)) {
        // a number: printable; shown as written
        return (f.size() > 40 ? f.substr(0, 40) + "..." : f) + " is outside 0.5\u20135";
    }
    v = r;
    return "";
}

std::string parse_time_field(const std::string & f, int64_t & v) {
    size_t i = 0, n = f.size();
    bool neg = n > 0 && f[0] == '-';
    if (neg) i = 1;
    if (i == n) return field_show(f.data(), n) + " is not an integer timestamp";
    uint64_t x = 0;
    bool over = false;
    for (; i < n; ++i) {
        unsigned d = (unsigned char) f[i] - '0';
        if (d >= 10) return field_show(f.data(), n) + " is not an integer timestamp";
        if (x > ((uint64_t) INT64_MAX - d) / 10) over = true;  // x * 10 + d > INT64_MAX
        if (!over) x = x * 10 + d;
    }
    if (over)
        return field_show(f.data(), n) + (neg ? " is out of range (at least -" : " is out of range (at most ") +
               "9223372036854775807)";
    v = neg ? -(int64_t) x : (int64_t) x;
    return "";
}

}  // namespace mf
