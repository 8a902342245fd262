// movielens_ratings.cpp - the parallel ratings parser.
//
// 1. The data (after the header) is cut into one byte range per thread at line starts.
// 2. Each thread counts its '\n's: an exact upper bound of its records, so every thread writes
//    straight into its slice of the dataset arrays with no merge copy.
// 3. Each thread parses its lines: a fast path for well-formed lines (a line of up to 31 bytes
//    classified 32 bytes at a time with SSE2 and its ids converted 8 digits at once; else
//    hand-written integers, the "d.d" rating shortcut, fast_float), and on any surprise the slow path, which
//    splits the line properly and either accepts it or names the bad field. Movie ids become
//    catalog rows on the fly (flat table of the catalog's ids when they are < 2^26 and not
//    sparse); each thread lists the users new to its range, in order.
// 4. Slices are closed up (only when lines were blank or bad); movies the table did not know are
//    looked up or appended to the catalog in file order; users get dense indices by first
//    appearance in file order (the per-range lists merged in range order), mapped in parallel
//    through a flat table (ids < 2^26 and not sparse) or, for bigger ids, a hash map in one
//    ordered pass.
// 5. Duplicates: of the ratings of one (user, movie) the last in file order stays. Files grouped
//    by user (every MovieLens release) are checked run by run in parallel (a run whose movies
//    increase needs no table); other files are grouped by a counting sort first.
// A file is read with pread in windows of a few hundred KiB a thread (steps 2 and 3), never
// mapped: in a virtual machine the page faults of a mapping cost about 3x the copy
// (build/mfrec_read_bench, tests/bench/read_bench.cpp).
// Allocations are bounded by the file's size: the output arrays by its records (a record takes
// at least 8 bytes), the flat id tables by the number of ratings (sparse ids use hash maps).
#include <fast_float/fast_float.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <cstring>
#include <exception>
#include <functional>
#include <thread>

#include "movielens_io.h"
#include "movielens_parse.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace mf {

namespace {

constexpr int32_t flat_limit = 1 << 26;
// A flat id table is used only when it is small next to the data: ids up to
// sparse_factor x (the entries it serves) + sparse_slack (4 MB of int32 at least).
constexpr int64_t sparse_factor = 4;
constexpr int64_t sparse_slack = 1 << 20;
// the shortest record line: "1,1,1,1\n"
constexpr int64_t min_record_bytes = 8;
// readable bytes past a window's end: the SIMD line parser loads 32 bytes and then 8 more
constexpr size_t simd_pad = 64;

// SSE2 (the x86-64 baseline): per-byte counters of the compare masks, summed with psadbw before
// they could wrap; near memory bandwidth (a byte loop, or movemask + popcount without the POPCNT
// instruction of the baseline, took as long as the parse itself).
size_t count_newlines(const char * b, const char * e) {
    size_t c = 0;
#if defined(__SSE2__)
    const __m128i nl = _mm_set1_epi8('\n');
    while (e - b >= 64) {
        // 4 compares a block: a byte counter takes at most 4 x 63 = 252 before it is summed
        size_t blocks = std::min<size_t>((size_t) (e - b) / 64, 63);
        __m128i acc = _mm_setzero_si128();
        for (size_t i = 0; i < blocks; ++i, b += 64) {
            acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *) b), nl));
            acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *) (b + 16)), nl));
            acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *) (b + 32)), nl));
            acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *) (b + 48)), nl));
        }
        __m128i sums = _mm_sad_epu8(acc, _mm_setzero_si128());
        c += (size_t) _mm_cvtsi128_si64(sums) + (size_t) _mm_cvtsi128_si64(_mm_unpackhi_epi64(sums, sums));
    }
#endif
    for (; b < e; ++b) c += *b == '\n';
    return c;
}

inline unsigned digit(char c) {
    return (unsigned) (unsigned char) c - '0';
}

template <ratings_format F>
inline bool is_sep(const char * p) {
    if (F == ratings_format::csv) return *p == ',';
    if (F == ratings_format::tab) return *p == '\t';
    return p[0] == ':' && p[1] == ':';
}
template <ratings_format F>
constexpr int sep_len() {
    return F == ratings_format::dat ? 2 : 1;
}

// x/10 for x in [0, 100), correctly rounded: what fast_float gives for "a.b"
struct tenths {
    float v[100];
    tenths() {
        for (int x = 0; x < 100; ++x) v[x] = (float) x / 10.0f;
    }
};
const tenths tenths_table;

// 8 ASCII digits at p (8 readable bytes) -> their value; false when one is not a digit
inline bool eight_digits(const char * p, uint64_t & out) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    if ((((v + 0x4646464646464646ull) | (v - 0x3030303030303030ull)) & 0x8080808080808080ull) != 0) return false;
    v -= 0x3030303030303030ull;  // little-endian: first digit in the low byte
    v = (v * 10) + (v >> 8);
    v = (((v & 0x000000FF000000FFull) * (100 + (1000000ull << 32))) +
         (((v >> 16) & 0x000000FF000000FFull) * (1 + (10000ull << 32)))) >>
        32;
    out = v;
    return true;
}

// value of the 1 <= len <= 8 ASCII digits at p (8 readable bytes): they are shifted to the top
// of the word, the bytes below become leading zeros (c & 0x0F is the digit of an ASCII digit)
inline uint64_t swar_digits(const char * p, unsigned len) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    v = (v << (8 * (8 - len))) & 0x0F0F0F0F0F0F0F0Full;
    v = (v * 10) + (v >> 8);  // adjacent pairs
    return (((v & 0x000000FF000000FFull) * (100 + (1000000ull << 32))) +
            (((v >> 16) & 0x000000FF000000FFull) * (1 + (10000ull << 32)))) >>
           32;
}

// positive int32 of at most 10 digits; stops at the first non-digit
inline bool fast_id(const char *& p, int32_t & v) {
    const char * s = p;
    uint64_t x = 0;
    unsigned d;
    while ((d = digit(*p)) < 10) {
        x = x * 10 + d;
        ++p;
        if (p - s > 10) return false;
    }
    if (x == 0 || x > (uint64_t) INT32_MAX) return false;
    v = (int32_t) x;
    return true;
}

// One line starting at p; a '\n' is guaranteed before `limit`. On success p moves past the '\n'.
template <ratings_format F>
inline bool fast_line(const char *& p, const char * limit, int32_t & u, int32_t & m, float & r, int64_t & ts) {
    const char * q = p;
    if (!fast_id(q, u) || !is_sep<F>(q)) return false;
    q += sep_len<F>();
    if (!fast_id(q, m) || !is_sep<F>(q)) return false;
    q += sep_len<F>();
    unsigned a = digit(q[0]);
    if (a >= 10) return false;
    float rr;
    unsigned b;
    if (q[1] == '.' && (b = digit(q[2])) < 10 && is_sep<F>(q + 3)) {
        unsigned tenths = a * 10 + b;  // "d.d"
        if (tenths < 5 || tenths > 50) return false;
        rr = tenths_table.v[tenths];
        q += 3;
    } else if (is_sep<F>(q + 1)) {
        if (a < 1 || a > 5) return false;  // "d"
        rr = (float) a;
        q += 1;
    } else {
        auto res = fast_float::from_chars(q, limit, rr);
        if (res.ec != std::errc() || !is_sep<F>(res.ptr)) return false;
        if (!(rr >= 0.5f && rr <= 5.0f)) return false;
        q = res.ptr;
    }
    q += sep_len<F>();
    bool neg = *q == '-';
    q += neg;
    const char * s = q;
    int64_t t = 0;
    uint64_t eight;
    if (limit - q >= 8 && eight_digits(q, eight)) {  // unix times have 9-10 digits
        t = (int64_t) eight;
        q += 8;
    }
    unsigned d;
    while ((d = digit(*q)) < 10) {
        if (q - s >= 18) return false;  // a 19th digit could overflow: the slow path checks the range
        t = t * 10 + d;
        ++q;
    }
    if (q == s) return false;
    if (*q == '\r') ++q;
    if (*q != '\n') return false;
    p = q + 1;
    r = rr;
    ts = neg ? -t : t;
    return true;
}

#if defined(__SSE2__)
inline uint32_t mask32(__m128i lo, __m128i hi) {
    return (uint32_t) _mm_movemask_epi8(lo) | ((uint32_t) _mm_movemask_epi8(hi) << 16);
}

// lowest set bit's index, and clears it; x != 0
inline unsigned pop_low(uint32_t & x) {
    unsigned i = (unsigned) __builtin_ctz(x);
    x &= x - 1;
    return i;
}

// The first try for a csv or tab line of at most 31 bytes before its '\n' (every line of the
// MovieLens releases with a separator of one byte): its 32 bytes classified at once into
// separators, digits and the '\n', the line checked as masks (exactly 3 separators, nothing but
// digits around them save the rating's '.'), the ids converted 8 digits at a time. Accepts the
// same lines as fast_line, less a few rare forms (more than 8 digits in an id, other ratings
// than "d" and "d.d", a signed or 17+ digit kept timestamp), which it leaves to fast_line.
// 64 bytes at p are readable. want_time false: the timestamp's digits are checked, not converted.
template <char Sep>
inline bool simd_line(const char *& p, bool want_time, int32_t & u, int32_t & m, float & r, int64_t & ts) {
    const __m128i lo = _mm_loadu_si128((const __m128i *) p), hi = _mm_loadu_si128((const __m128i *) (p + 16));
    const __m128i nl = _mm_set1_epi8('\n'), sep = _mm_set1_epi8(Sep);
    uint32_t nls = mask32(_mm_cmpeq_epi8(lo, nl), _mm_cmpeq_epi8(hi, nl));
    if (nls == 0) return false;
    // digit: (c - '0') < 10 unsigned, i.e. as signed bytes (c - '0' - 128) < 10 - 128
    const __m128i shift = _mm_set1_epi8((char) (0x30 + 0x80)), lim = _mm_set1_epi8((char) (10 - 128));
    const uint32_t dig =
        mask32(_mm_cmplt_epi8(_mm_sub_epi8(lo, shift), lim), _mm_cmplt_epi8(_mm_sub_epi8(hi, shift), lim));
    const uint32_t seps = mask32(_mm_cmpeq_epi8(lo, sep), _mm_cmpeq_epi8(hi, sep));
    const unsigned n = (unsigned) __builtin_ctz(nls);
    const unsigned end = n > 0 && p[n - 1] == '\r' ? n - 1 : n;
    const uint32_t body = (1u << end) - 1;  // end <= 31
    uint32_t s = seps & body;
    if (s == 0) return false;
    const unsigned s1 = pop_low(s);
    if (s == 0) return false;
    const unsigned s2 = pop_low(s);
    if (s == 0) return false;
    const unsigned s3 = pop_low(s);
    if (s != 0) return false;
    const uint32_t other = body & ~dig & ~seps;  // neither digit nor separator
    const unsigned ulen = s1, mlen = s2 - s1 - 1, rlen = s3 - s2 - 1, tlen = end - s3 - 1;
    if (ulen - 1 >= 8 || mlen - 1 >= 8 || tlen - 1 >= 18) return false;  // 1..8, 1..8, 1..18 digits
    const unsigned a = digit(p[s2 + 1]);
    float rr;
    if (rlen == 1) {  // "d"
        if (other != 0 || a < 1 || a > 5) return false;
        rr = (float) a;
    } else if (rlen == 3) {  // "d.d"
        if (other != 1u << (s2 + 2) || p[s2 + 2] != '.') return false;
        const unsigned t = a * 10 + digit(p[s2 + 3]);
        if (t < 5 || t > 50) return false;
        rr = tenths_table.v[t];
    } else {
        return false;
    }
    const uint64_t uu = swar_digits(p, ulen), mm = swar_digits(p + s1 + 1, mlen);
    if (uu == 0 || mm == 0) return false;
    int64_t t = 0;
    if (want_time) {
        const char * q = p + s3 + 1;
        if (tlen <= 8) {
            t = (int64_t) swar_digits(q, tlen);
        } else if (tlen <= 16) {
            t = (int64_t) (swar_digits(q, tlen - 8) * 100000000ull + swar_digits(q + tlen - 8, 8));
        } else {
            return false;
        }
    }
    u = (int32_t) uu;
    m = (int32_t) mm;
    r = rr;
    ts = t;
    p += n + 1;
    return true;
}
#endif

enum class slow_result { record, blank, bad };

// A line [b, e) without its '\n': splits it into fields and checks each; sets `msg` when bad.
slow_result slow_line(const char * b, const char * e, ratings_format f, std::vector<std::string> & fields, int32_t & u,
                      int32_t & m, float & r, int64_t & ts, std::string & msg) {
    if (e > b && e[-1] == '\r') --e;
    if (b == e) return slow_result::blank;
    static const char * names[] = {"userId", "movieId", "rating", "timestamp"};
    if (f == ratings_format::csv) {
        std::string err;
        size_t ef = 0;
        if (!split_csv(b, e, fields, err, ef)) {
            msg = (ef < 4 ? std::string("field '") + names[ef] + "': " : std::string()) + err;
            return slow_result::bad;
        }
    } else if (f == ratings_format::dat) {
        split_sep(b, e, "::", 2, fields);
    } else {
        split_sep(b, e, "\t", 1, fields);
    }
    if (fields.size() != 4) {
        msg = "expected 4 fields, found " + std::to_string(fields.size());
        return slow_result::bad;
    }
    std::string bad;
    int k = 0;
    if (!(bad = parse_id_field(fields[0], u)).empty())
        k = 0;
    else if (!(bad = parse_id_field(fields[1], m)).empty())
        k = 1;
    else if (!(bad = parse_rating_field(fields[2], r)).empty())
        k = 2;
    else if (!(bad = parse_time_field(fields[3], ts)).empty())
        k = 3;
    if (bad.empty()) return slow_result::record;
    msg = std::string("field '") + names[k] + "': " + bad;
    return slow_result::bad;
}

struct range_state {
    size_t b = 0;  // range [b, e) of the source, starting at a line start
    size_t e = 0;
    size_t newlines = 0;
    bool partial = false;            // the range's last byte is not a '\n'
    int64_t first_line = 0;          // file line number of the range's first line
    int64_t out = 0;                 // first output slot
    int64_t count = 0;               // records written
    int64_t lines = 0;               // non-blank lines seen
    int64_t unmapped = 0;            // items left as ~movie id (not in the flat table)
    std::vector<int32_t> new_users;  // user ids new to this range, in order (flat ids only)
    int32_t user_limit = 0;          // user ids below it go through the range's bitmap
    bool big_user = false;           // a user id >= user_limit was seen
    // for proving the range free of duplicates without the duplicates pass: each user's ratings
    // form one run and a run's movie ids increase
    bool user_returned = false;                                                  // a user's ratings came in two runs
    bool not_increasing = false;                                                 // a run's movie ids did not increase
    int32_t first_user = -1, first_movie = -1, last_user = -1, last_movie = -1;  // raw ids
    line_errors errs;
    bool failed = false;  // strict mode: stopped at `error`
    std::string error;
};

// A thread's reads of the source: bytes [off, off + len) and simd_pad readable bytes after
// them (in memory: the source's own bytes up to its end; from a file: a buffer of the thread)
struct window_reader {
    const ratings_source & src;
    std::vector<char> buf;

    const char * view(size_t off, size_t len, const char *& readable_end) {
        if (src.data) {
            readable_end = src.data + src.size;
            return src.data + off;
        }
        if (buf.size() < len + simd_pad) buf.resize(len + simd_pad, 0);
        src.file->read_at(off, buf.data(), len);
        readable_end = buf.data() + len + simd_pad;
        return buf.data();
    }
};

// the start of the line after the first '\n' at or after `from`, or `end` when there is none
size_t next_line_start(window_reader & wr, size_t from, size_t end) {
    size_t win = std::max<size_t>(wr.src.window, 1);
    while (from < end) {
        size_t len = std::min(win, end - from);
        const char * re;
        const char * w = wr.view(from, len, re);
        const char * nl = (const char *) std::memchr(w, '\n', len);
        if (nl) return from + (size_t) (nl - w) + 1;
        from += len;
    }
    return end;
}

struct parse_job {
    ratings_format f;
    const ratings_source * src;
    const std::string * name;
    bool skip;
    int32_t * user;  // raw user ids
    int32_t * item;  // catalog rows, or ~movie id when the flat table does not know the movie
    float * rating;
    int64_t * time;           // null: timestamps are checked, not kept
    const int32_t * item_of;  // movie id -> catalog row (-1: none), ids < item_of_size
    uint32_t item_of_size;
    std::atomic<int> first_failed{INT_MAX};
};

// one line: the SIMD try first (csv and tab) when 64 bytes are readable, then the byte path
template <ratings_format F>
inline bool any_fast_line(const char *& p, const char * limit, const char * readable_end, bool want_time, int32_t & u,
                          int32_t & m, float & r, int64_t & ts) {
#if defined(__SSE2__)
    if (F != ratings_format::dat && readable_end - p >= (ptrdiff_t) simd_pad && simd_line < F == ratings_format::csv
            ? ','
            : '\t' > (p, want_time, u, m, r, ts))
        return true;
#else
    (void) readable_end;
    (void) want_time;
#endif
    return fast_line<F>(p, limit, u, m, r, ts);
}

// A user id starting a run: listed in the range's new users (bitmap `seen` of the ids below
// rs.user_limit), or flagged when its ratings came in an earlier run too. Out of the parse loop.
void user_run_start(range_state & rs, std::vector<uint64_t> & seen, int32_t u) {
    if (u >= rs.user_limit) {  // its bitmap would dwarf the range: the hash map path
        rs.big_user = true;
        return;
    }
    const size_t seen_words = ((size_t) rs.user_limit + 63) / 64;
    size_t w = (size_t) u >> 6;
    if (w >= seen.size()) seen.resize(std::min(std::max(w + 1, seen.size() * 2), seen_words), 0);
    uint64_t bit = 1ull << (u & 63);
    if (!(seen[w] & bit)) {
        seen[w] |= bit;
        rs.new_users.push_back(u);
    } else {
        rs.user_returned = true;
    }
}

// The slow path of one line [ls, le) without its '\n', number `line`: a record (u, m, r, ts),
// a blank line, or a bad one (listed when skipping; else the range fails: returns bad).
template <ratings_format F>
slow_result parse_slow(parse_job & job, range_state & rs, int t, std::vector<std::string> & fields, const char * ls,
                       const char * le, int64_t line, int32_t & u, int32_t & m, float & r, int64_t & ts) {
    std::string msg;
    slow_result s = slow_line(ls, le, job.f, fields, u, m, r, ts, msg);
    if (s == slow_result::blank) return s;
    ++rs.lines;
    if (s == slow_result::record) return s;
    std::string full = *job.name + ":" + std::to_string(line) + ": " + msg;
    if (job.skip) {
        rs.errs.add(full);
        return slow_result::blank;
    }
    rs.failed = true;
    rs.error = full;
    int cur = job.first_failed.load();
    while (t < cur && !job.first_failed.compare_exchange_weak(cur, t)) {
    }
    return slow_result::bad;
}

// The hot loop keeps its state in locals that no out-of-line call sees (the compiler keeps them
// in registers); the rare work (a new user, the slow path) is in the functions above.
template <ratings_format F>
void parse_range(parse_job & job, range_state & rs, int t) {
    window_reader wr{*job.src, {}};
    int32_t * const user = job.user;
    int32_t * const item = job.item;
    float * const rating = job.rating;
    int64_t * const time = job.time;
    const bool want_time = time != nullptr;
    const int32_t * const item_of = job.item_of;
    const uint32_t item_of_size = job.item_of_size;
    int64_t k = rs.out;
    int64_t unmapped = 0;
    int64_t mapped = k;  // items before it are catalog rows
    int32_t prev_user = -1, prev_movie = -1;
    bool not_increasing = false;
    std::vector<uint64_t> seen;  // bitmap of user ids met in this range (ids < rs.user_limit)
    std::vector<std::string> fields;
    int64_t n_fast = 0, n_other = 0;  // lines: fast, and slow or blank
    // movie ids -> catalog rows, a cache-resident chunk at a time: independent table lookups in
    // a tight loop overlap their cache misses (inside the parse loop they stalled it)
    auto map_items = [&]() {
        for (int64_t j = mapped; j < k; ++j) {
            int32_t mv = item[j];
            int32_t row = (uint32_t) mv < item_of_size ? item_of[mv] : -1;
            if (row < 0) {
                row = ~mv;
                ++unmapped;
            }
            item[j] = row;
        }
        mapped = k;
    };
    auto record = [&](int32_t u, int32_t m, float r, int64_t ts) {
        user[k] = u;
        item[k] = m;
        rating[k] = r;
        if (want_time) time[k] = ts;
        ++k;
        if (u != prev_user) {  // MovieLens files are grouped by user: rare
            if (prev_user < 0) {
                rs.first_user = u;
                rs.first_movie = m;
            }
            prev_user = u;
            user_run_start(rs, seen, u);
        } else {
            not_increasing |= m <= prev_movie;
        }
        prev_movie = m;
    };
    // the slow path for [ls, le); false when parsing must stop
    auto slow = [&](const char * ls, const char * le) -> bool {
        int32_t u = 0, m = 0;
        float r = 0;
        int64_t ts = 0;
        const int64_t line = rs.first_line + n_fast + n_other++;
        slow_result s = parse_slow<F>(job, rs, t, fields, ls, le, line, u, m, r, ts);
        if (s == slow_result::record) record(u, m, r, ts);
        return s != slow_result::bad;
    };
    bool stop = false;
    size_t off = rs.b;
    size_t win = std::max<size_t>(job.src->window, 1);
    while (off < rs.e && !stop) {
        const size_t len = std::min(win, rs.e - off);
        const char * readable_end;
        const char * p = wr.view(off, len, readable_end);
        const char * const w = p;
        const char * const e = p + len;
        // the window's last '\n': lines before it are terminated (the fast path relies on it)
        const char * fast_end = e;
        while (fast_end > p && fast_end[-1] != '\n') --fast_end;
        if (fast_end == p) {
            if (off + len < rs.e) {  // a line longer than the window: a bigger window
                win *= 2;
                continue;
            }
            slow(p, e);  // the file's last line, without a '\n'
            break;
        }
        while (p < fast_end) {
            int32_t u, m;
            float r;
            int64_t ts;
            if (any_fast_line<F>(p, e, readable_end, want_time, u, m, r, ts)) {
                record(u, m, r, ts);
                if ((++n_fast & 0xFFF) == 0) {
                    map_items();
                    if (job.first_failed.load(std::memory_order_relaxed) < t) {
                        stop = true;  // strict mode: an earlier range failed, its error wins
                        break;
                    }
                }
                continue;
            }
            const char * ls = p;
            const char * nl = (const char *) std::memchr(ls, '\n', (size_t) (fast_end - ls));
            p = nl + 1;
            if (!slow(ls, nl)) {
                stop = true;
                break;
            }
        }
        off += (size_t) (fast_end - w);
    }
    map_items();
    rs.not_increasing = not_increasing;
    rs.last_user = prev_user;
    rs.last_movie = prev_movie;
    rs.lines += n_fast;
    rs.count = k - rs.out;
    rs.unmapped = unmapped;
}

void parse_range_any(parse_job & job, range_state & rs, int t) {
    switch (job.f) {
        case ratings_format::csv:
            parse_range<ratings_format::csv>(job, rs, t);
            break;
        case ratings_format::dat:
            parse_range<ratings_format::dat>(job, rs, t);
            break;
        case ratings_format::tab:
            parse_range<ratings_format::tab>(job, rs, t);
            break;
    }
}

// n entries of fresh memory advised to huge pages before resize() first writes them: the
// 640 MB of a 32M-rating load then faults in 2 MiB pages, not 160k 4 KiB ones.
template <class T>
void vector_size_huge(std::vector<T> & v, size_t n) {
    std::vector<T>().swap(v);
    v.reserve(n);
    memory_advise_huge(v.data(), n * sizeof(T));
    v.resize(n);
}

std::string trim(const std::string & s) {
    size_t b = 0, e = s.size();
    while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
    while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
    return s.substr(b, e - b);
}

// Checks the CSV header; returns the offset of the first data byte.
size_t skip_csv_header(const char * data, size_t n, size_t start, const std::string & name) {
    const char * b = data + start;
    const char * end = data + n;
    const char * nl = (const char *) std::memchr(b, '\n', (size_t) (end - b));
    const char * e = nl ? nl : end;
    const char * ce = (e > b && e[-1] == '\r') ? e - 1 : e;
    std::vector<std::string> f;
    std::string err;
    size_t ef = 0;
    bool ok = split_csv(b, ce, f, err, ef);
    if (!ok || f.size() != 4 || trim(f[0]) != "userId" || trim(f[1]) != "movieId" || trim(f[2]) != "rating" ||
        trim(f[3]) != "timestamp") {
        throw load_error(name + ":1: expected the header \"userId,movieId,rating,timestamp\", found " +
                         (b == end ? std::string("an empty file") : field_show(b, (size_t) (ce - b))));
    }
    return nl ? (size_t) (nl + 1 - data) : n;
}

// ---- duplicates

// Runs [b, e) of the ratings of one user each: the earlier ratings of a movie the run rates
// again are appended to `dropped`. last[item] is the position of the item's latest rating seen
// (positions of earlier runs are < b). pos(k) maps the run's index k to a dataset position.
struct dup_scan {
    const int32_t * item;
    std::vector<int64_t> last;  // allocated on first use
    std::vector<int64_t> dropped;
    int32_t n_items;

    template <class Pos>
    void run(int64_t b, int64_t e, Pos pos) {
        if (last.empty()) last.assign((size_t) n_items, -1);
        for (int64_t k = b; k < e; ++k) {
            int32_t i = item[pos(k)];
            int64_t prev = last[(size_t) i];
            if (prev >= b) dropped.push_back(pos(prev));
            last[(size_t) i] = k;
        }
    }
};

// Files not grouped by user: positions grouped by user with a stable counting sort, then the
// same scan over each user's positions (in file order).
template <class Index>
void drop_duplicates_sorted(const dataset & d, dup_scan & scan) {
    const int64_t n = d.size();
    const int32_t n_users = d.users.size();
    std::vector<Index> start((size_t) n_users + 1, 0);
    for (int64_t p = 0; p < n; ++p) ++start[(size_t) d.user[(size_t) p] + 1];
    for (int32_t u = 0; u < n_users; ++u) start[(size_t) u + 1] += start[(size_t) u];
    std::vector<Index> perm((size_t) n);
    {
        std::vector<Index> at(start.begin(), start.end() - 1);
        for (int64_t p = 0; p < n; ++p) perm[(size_t) at[(size_t) d.user[(size_t) p]]++] = (Index) p;
    }
    auto pos = [&](int64_t k) { return (int64_t) perm[(size_t) k]; };
    for (int32_t u = 0; u < n_users; ++u) {
        int64_t b = (int64_t) start[(size_t) u], e = (int64_t) start[(size_t) u + 1];
        if (e - b > 1) scan.run(b, e, pos);
    }
}

// Keeps the last rating of each (user, item) in file order; returns how many were dropped.
// d.user and d.item are dense indices (< users.size(), < items.size()).
int64_t drop_duplicates(dataset & d, int threads) {
    const int64_t n = d.size();
    if (n < 2) return 0;
    const int32_t n_users = d.users.size();
    const int32_t * user = d.user.data();
    const int32_t * item = d.item.data();
    int T = (int) std::max<int64_t>(1, std::min<int64_t>(threads, n / 65536));
    // chunk t takes the runs that start in [cut[t], cut[t+1]); each cut is a run start
    std::vector<int64_t> cut((size_t) T + 1, n);
    cut[0] = 0;
    for (int t = 1; t < T; ++t) {
        int64_t c = std::max(cut[(size_t) t - 1], n * t / T);
        while (c > 0 && c < n && user[c] == user[c - 1]) ++c;
        cut[(size_t) t] = c;
    }
    // a user seen at the start of two runs: the file is not grouped by user
    std::vector<std::atomic<uint64_t>> run_seen(((size_t) n_users + 63) / 64);
    for (auto & w : run_seen) w.store(0, std::memory_order_relaxed);
    std::atomic<bool> grouped{true};
    std::vector<dup_scan> scans((size_t) T);
    run_threads(T, [&](int t) {
        dup_scan & sc = scans[(size_t) t];
        sc.item = item;
        sc.n_items = d.items.size();
        auto same = [](int64_t k) { return k; };
        int64_t p = cut[(size_t) t];
        const int64_t e = cut[(size_t) t + 1];
        int runs = 0;
        while (p < e) {
            const int32_t u = user[p];
            uint64_t bit = 1ull << (u & 63);
            if (run_seen[(size_t) u >> 6].fetch_or(bit, std::memory_order_relaxed) & bit) {
                grouped.store(false, std::memory_order_relaxed);
                return;
            }
            if ((++runs & 1023) == 0 && !grouped.load(std::memory_order_relaxed)) return;
            // the run, and whether its movies increase (then it has no duplicate)
            int64_t q = p + 1;
            bool increasing = true;
            for (; q < n && user[q] == u; ++q) increasing &= item[q] > item[q - 1];
            if (!increasing) sc.run(p, q, same);
            p = q;
        }
    });
    std::vector<int64_t> dropped;
    if (grouped.load()) {
        for (dup_scan & sc : scans) dropped.insert(dropped.end(), sc.dropped.begin(), sc.dropped.end());
    } else {
        dup_scan sc;
        sc.item = item;
        sc.n_items = d.items.size();
        if ((uint64_t) n <= UINT32_MAX)
            drop_duplicates_sorted<uint32_t>(d, sc);
        else
            drop_duplicates_sorted<uint64_t>(d, sc);
        dropped = std::move(sc.dropped);
    }
    if (dropped.empty()) return 0;
    std::sort(dropped.begin(), dropped.end());
    // close up the gaps, a segment at a time (duplicates are rare)
    const bool with_time = d.time.size() == (size_t) n;
    int64_t w = dropped[0];
    for (size_t j = 0; j < dropped.size(); ++j) {
        int64_t from = dropped[j] + 1;
        int64_t to = j + 1 < dropped.size() ? dropped[j + 1] : n;
        size_t len = (size_t) (to - from);
        if (len > 0) {
            std::memmove(&d.user[(size_t) w], &d.user[(size_t) from], len * sizeof(int32_t));
            std::memmove(&d.item[(size_t) w], &d.item[(size_t) from], len * sizeof(int32_t));
            std::memmove(&d.rating[(size_t) w], &d.rating[(size_t) from], len * sizeof(float));
            if (with_time) std::memmove(&d.time[(size_t) w], &d.time[(size_t) from], len * sizeof(int64_t));
        }
        w += (int64_t) len;
    }
    d.user.resize((size_t) w);
    d.item.resize((size_t) w);
    d.rating.resize((size_t) w);
    if (with_time) d.time.resize((size_t) w);
    return (int64_t) dropped.size();
}

}  // namespace

ratings_format ratings_format_sniff(const std::string & path, const char * data, size_t n, ratings_format fallback) {
    size_t dot = path.rfind('.');
    std::string ext = dot == std::string::npos ? "" : path.substr(dot);
    for (char & c : ext) c = (char) (c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    if (ext == ".csv") return ratings_format::csv;
    size_t len = std::min<size_t>(n, 4096);
    const char * nl = (const char *) std::memchr(data, '\n', len);
    std::string first(data, nl ? (size_t) (nl - data) : len);
    if (first.find("::") != std::string::npos) return ratings_format::dat;
    if (first.find('\t') != std::string::npos) return ratings_format::tab;
    if (first.find(',') != std::string::npos) return ratings_format::csv;
    return fallback;
}

void parse_ratings(const char * data, size_t n, ratings_format f, const std::string & name, int threads,
                   size_t min_bytes_per_thread, dataset & d, line_errors & errs, ratings_stats & st, bool keep_time) {
    ratings_source src;
    src.data = data;
    src.size = n;
    parse_ratings(src, f, name, threads, min_bytes_per_thread, d, errs, st, keep_time);
}

void parse_ratings(const file_reader & file, ratings_format f, const std::string & name, int threads,
                   size_t min_bytes_per_thread, dataset & d, line_errors & errs, ratings_stats & st, bool keep_time,
                   size_t window, const std::function<catalog()> & catalog_load) {
    ratings_source src;
    if (catalog_load) src.catalog_load = &catalog_load;
    src.data = file.data();
    src.file = src.data ? nullptr : &file;
    src.size = file.size();
    src.window = window;
    parse_ratings(src, f, name, threads, min_bytes_per_thread, d, errs, st, keep_time);
}

static std::string source_head(const ratings_source & src, size_t max_bytes) {
    size_t len = std::min(src.size, max_bytes);
    if (src.data) return std::string(src.data, len);
    std::string head(len, '\0');
    if (len > 0) src.file->read_at(0, &head[0], len);
    return head;
}

namespace {

// A catalog load on a thread of its own, beside the newline count (the catalog is needed from the
// parse on). take() waits and rethrows its error; the destructor waits too, so an error of the
// ratings never leaves it running. When both fail, report_first() gives the catalog's error, as
// when the catalog was loaded first.
class catalog_task {
public:
    explicit catalog_task(const std::function<catalog()> * load) {
        if (!load) return;
        th_ = std::thread([this, load] {
            try {
                cat_ = (*load)();
            } catch (...) {
                err_ = std::current_exception();
            }
        });
    }
    ~catalog_task() {
        if (th_.joinable()) th_.join();
    }
    catalog_task(const catalog_task &) = delete;
    catalog_task & operator=(const catalog_task &) = delete;

    bool active() const { return th_.joinable(); }
    catalog take() {
        report_first();
        return std::move(cat_);
    }
    void report_first() {
        if (th_.joinable()) th_.join();
        if (err_) std::rethrow_exception(err_);
    }

private:
    std::thread th_;
    catalog cat_;
    std::exception_ptr err_;
};

void parse_ratings_steps(const ratings_source & src, ratings_format f, const std::string & name, int threads,
                         size_t min_bytes_per_thread, dataset & d, line_errors & errs, ratings_stats & st,
                         bool keep_time, catalog_task & cat_task);

}  // namespace

void parse_ratings(const ratings_source & src, ratings_format f, const std::string & name, int threads,
                   size_t min_bytes_per_thread, dataset & d, line_errors & errs, ratings_stats & st, bool keep_time) {
    catalog_task cat_task(src.catalog_load);
    try {
        parse_ratings_steps(src, f, name, threads, min_bytes_per_thread, d, errs, st, keep_time, cat_task);
    } catch (...) {
        cat_task.report_first();
        throw;
    }
}

namespace {

void parse_ratings_steps(const ratings_source & src, ratings_format f, const std::string & name, int threads,
                         size_t min_bytes_per_thread, dataset & d, line_errors & errs, ratings_stats & st,
                         bool keep_time, catalog_task & cat_task) {
    const size_t n = src.size;
    // the first line (the header, or the first record), grown until its '\n' or the file's end
    std::string head;
    for (size_t want = 1 << 16;; want *= 4) {
        head = source_head(src, want);
        if (head.size() == n || head.find('\n') != std::string::npos) break;
    }
    size_t start = 0;
    if (n >= 3 && std::memcmp(head.data(), "\xEF\xBB\xBF", 3) == 0) start = 3;
    if (start == n) throw load_error(name + ": no ratings (the file is empty)");
    int64_t first_line = 1;
    if (f == ratings_format::csv) {
        start = skip_csv_header(head.data(), head.size(), start, name);
        first_line = 2;
    }
    const size_t bytes = n - start;
    int T = threads_for(threads, bytes, min_bytes_per_thread);

    // 1. ranges at line starts
    std::vector<range_state> rs((size_t) T);
    {
        window_reader wr{src, {}};
        size_t cut = start;
        for (int t = 0; t < T; ++t) {
            rs[(size_t) t].b = cut;
            size_t want = start + (size_t) ((double) bytes * (t + 1) / T);
            if (t == T - 1 || want >= n)
                want = n;
            else if (want < cut)
                want = cut;
            else
                want = next_line_start(wr, want, n);
            rs[(size_t) t].e = want;
            cut = want;
        }
    }
    // 2. newline counts: line numbers and output slots
    run_threads(T, [&](int t) {
        range_state & r = rs[(size_t) t];
        if (r.e == r.b) return;
        window_reader wr{src, {}};
        const size_t win = std::max<size_t>(src.window, 1);
        for (size_t off = r.b; off < r.e; off += win) {
            const size_t len = std::min(win, r.e - off);
            const char * re;
            const char * w = wr.view(off, len, re);
            r.newlines += count_newlines(w, w + len);
            if (off + len == r.e) r.partial = w[len - 1] != '\n';
        }
    });
    int64_t slots = 0, line = first_line;
    for (range_state & r : rs) {
        r.first_line = line;
        r.out = slots;
        line += (int64_t) r.newlines;
        // records: at most one a line, and one per min_record_bytes (blank lines take no slot)
        const int64_t bytes_r = (int64_t) (r.e - r.b);
        slots += std::min<int64_t>((int64_t) r.newlines + (r.partial ? 1 : 0),
                                   (bytes_r + min_record_bytes - 1) / min_record_bytes);
        r.user_limit = (int32_t) std::min<int64_t>(flat_limit, 8 * bytes_r + 8 * sparse_slack);
        r.errs.skip = errs.skip;
    }
    const size_t time_slots = keep_time ? (size_t) slots : 0;
    if (T > 1) {
        run_threads(2, [&](int t) {
            if (t == 0) {
                vector_size_huge(d.user, (size_t) slots);
                vector_size_huge(d.item, (size_t) slots);
            } else {
                vector_size_huge(d.rating, (size_t) slots);
                vector_size_huge(d.time, time_slots);
            }
        });
    } else {
        vector_size_huge(d.user, (size_t) slots);
        vector_size_huge(d.item, (size_t) slots);
        vector_size_huge(d.rating, (size_t) slots);
        vector_size_huge(d.time, time_slots);
    }

    // 3. parse; items are mapped on the fly through a flat table of the catalog
    if (cat_task.active()) d.items = cat_task.take();
    catalog & cat = d.items;
    const int32_t known_rows = cat.size();
    int32_t max_movie = 0;
    for (int32_t id : cat.movie_id) max_movie = std::max(max_movie, id);
    std::vector<int32_t> item_of;
    if (max_movie < flat_limit && max_movie <= sparse_factor * ((int64_t) known_rows + slots) + sparse_slack) {
        item_of.assign((size_t) max_movie + 1, -1);
        for (int32_t row = 0; row < known_rows; ++row) item_of[(size_t) cat.movie_id[(size_t) row]] = row;
    }
    parse_job job;
    job.f = f;
    job.src = &src;
    job.name = &name;
    job.skip = errs.skip;
    job.user = d.user.data();
    job.item = d.item.data();
    job.rating = d.rating.data();
    job.time = keep_time ? d.time.data() : nullptr;
    job.item_of = item_of.data();
    job.item_of_size = (uint32_t) item_of.size();
    run_threads(T, [&](int t) { parse_range_any(job, rs[(size_t) t], t); });
    for (range_state & r : rs) {
        if (r.failed) throw load_error(r.error);
        errs.merge(r.errs);
        st.lines += r.lines;
    }

    // 4a. close up the slices
    int64_t total = 0;
    for (range_state & r : rs) {
        if (r.out != total && r.count > 0) {
            size_t from = (size_t) r.out, to = (size_t) total, cnt = (size_t) r.count;
            std::memmove(&d.user[to], &d.user[from], cnt * sizeof(int32_t));
            std::memmove(&d.item[to], &d.item[from], cnt * sizeof(int32_t));
            std::memmove(&d.rating[to], &d.rating[from], cnt * sizeof(float));
            if (keep_time) std::memmove(&d.time[to], &d.time[from], cnt * sizeof(int64_t));
        }
        r.out = total;
        total += r.count;
    }
    d.user.resize((size_t) total);
    d.item.resize((size_t) total);
    d.rating.resize((size_t) total);
    if (keep_time) d.time.resize((size_t) total);

    // 4b. movies the flat table did not know, in file order: found in the catalog's map
    // (big ids) or added to the catalog
    int64_t unmapped = 0;
    for (const range_state & r : rs) unmapped += r.unmapped;
    if (unmapped > 0) {
        for (int32_t & it : d.item) {
            if (it >= 0) continue;
            int32_t id = ~it;
            int32_t row = cat.find(id);
            if (row < 0) {
                row = cat.add(id, "", 0);
                ++st.unknown_movies;
            }
            if (row >= known_rows) ++st.unknown_movie_ratings;
            it = row;
        }
    }

    if (total == 0) {
        std::string why;
        if (st.lines > 0)
            why = " (all " + std::to_string(st.lines) + " lines are bad)";
        else
            why = f == ratings_format::csv ? " (no data lines after the header)" : " (no data lines)";
        throw load_error(name + ": no ratings" + why);
    }

    // 4c. users: dense index by first appearance in file order
    bool big = false;
    int32_t max_user = 0;
    for (const range_state & r : rs) {
        big = big || r.big_user;
        for (int32_t u : r.new_users) max_user = std::max(max_user, u);
    }
    // sparse ids (a few users with ids near 2^26): a table by id would be mostly empty
    if (max_user > sparse_factor * total + sparse_slack) big = true;
    // no duplicate when every range is grouped by user with increasing movie ids, and a user met
    // in two ranges is the one whose run the cut split (the ids keep increasing across the cut)
    bool no_duplicates = !big;
    for (const range_state & r : rs) no_duplicates = no_duplicates && !r.user_returned && !r.not_increasing;
    if (!big) {
        std::vector<int32_t> user_of((size_t) max_user + 1, -1);
        const range_state * before = nullptr;  // the last range with records
        for (const range_state & r : rs) {
            for (int32_t u : r.new_users) {
                if (user_of[(size_t) u] < 0) {
                    user_of[(size_t) u] = d.users.get_or_add(u);
                } else if (!(before && u == r.first_user && u == before->last_user &&
                             r.first_movie > before->last_movie)) {
                    no_duplicates = false;
                }
            }
            if (r.count > 0) before = &r;
        }
        run_threads(T, [&](int t) {
            const range_state & r = rs[(size_t) t];
            int32_t * us = d.user.data() + r.out;
            for (int64_t k = 0; k < r.count; ++k) us[k] = user_of[(size_t) us[k]];
        });
    } else {
        int32_t prev = -1, prev_idx = -1;
        for (int32_t & u : d.user) {
            if (u != prev) {
                prev = u;
                prev_idx = d.users.get_or_add(u);
            }
            u = prev_idx;
        }
    }

    // 5. duplicates: the last rating of a (user, movie) in file order stays
    st.duplicates = no_duplicates ? 0 : drop_duplicates(d, T);
    if (st.duplicates > 0 && st.unknown_movies > 0) {
        st.unknown_movie_ratings = 0;
        for (int32_t it : d.item) st.unknown_movie_ratings += it >= known_rows;
    }
}

}  // namespace

}  // namespace mf
