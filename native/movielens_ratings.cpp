// movielens_ratings.cpp - the parallel ratings parser.
//
// 1. The data (after the header) is cut into one byte range per thread at line starts.
// 2. Each thread counts its '\n's: an exact upper bound of its records, so every thread writes
//    straight into its slice of the dataset arrays with no merge copy.
// 3. Each thread parses its lines: a fast path for well-formed lines (hand-written integers, the
//    "d.d" rating shortcut, fast_float otherwise), and on any surprise the slow path, which
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
// Allocations are bounded by the file's size: the output arrays by its records (a record takes
// at least 8 bytes), the flat id tables by the number of ratings (sparse ids use hash maps).
#include <fast_float/fast_float.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <cstring>

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
// a mapped file's pages are released behind the parser in steps of this many bytes
constexpr ptrdiff_t release_chunk = 8 << 20;

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
    const char * b = nullptr;  // range [b, e) of the file, starting at a line start
    const char * e = nullptr;
    size_t newlines = 0;
    int64_t first_line = 0;          // file line number of the range's first line
    int64_t out = 0;                 // first output slot
    int64_t count = 0;               // records written
    int64_t lines = 0;               // non-blank lines seen
    int64_t unmapped = 0;            // items left as ~movie id (not in the flat table)
    std::vector<int32_t> new_users;  // user ids new to this range, in order (flat ids only)
    int32_t user_limit = 0;          // user ids below it go through the range's bitmap
    bool big_user = false;           // a user id >= user_limit was seen
    line_errors errs;
    bool failed = false;  // strict mode: stopped at `error`
    std::string error;
};

struct parse_job {
    ratings_format f;
    const std::string * name;
    bool skip;
    int32_t * user;  // raw user ids
    int32_t * item;  // catalog rows, or ~movie id when the flat table does not know the movie
    float * rating;
    int64_t * time;           // null: timestamps are checked, not kept
    const int32_t * item_of;  // movie id -> catalog row (-1: none), ids < item_of_size
    uint32_t item_of_size;
    bool release = false;  // mapped_release the bytes parsed
    std::atomic<int> first_failed{INT_MAX};
};

template <ratings_format F>
void parse_range(parse_job & job, range_state & rs, int t) {
    const char * p = rs.b;
    const char * e = rs.e;
    // the last '\n' of the range: lines before it are terminated (the fast path relies on it)
    const char * fast_end = p;
    if (e > p) {
        const char * q = e;
        while (q > p && q[-1] != '\n') --q;
        fast_end = q;
    }
    int64_t k = rs.out;
    int64_t unmapped = 0;
    int32_t prev_user = -1;
    std::vector<uint64_t> seen;  // bitmap of user ids met in this range (ids < rs.user_limit)
    const size_t seen_words = ((size_t) rs.user_limit + 63) / 64;
    std::vector<std::string> fields;
    const char * counted = p;  // newlines before `counted` are in `line_base`
    int64_t line_base = rs.first_line;
    const int32_t * item_of = job.item_of;
    const uint32_t item_of_size = job.item_of_size;
    // movie ids -> catalog rows, a cache-resident chunk at a time: independent table lookups in
    // a tight loop overlap their cache misses (inside the parse loop they stalled it)
    int64_t mapped = k;
    const char * released = p;  // bytes before it were given back (job.release)
    auto map_items = [&]() {
        int32_t * it = job.item;
        for (int64_t j = mapped; j < k; ++j) {
            int32_t m = it[j];
            int32_t row = (uint32_t) m < item_of_size ? item_of[m] : -1;
            if (row < 0) {
                row = ~m;
                ++unmapped;
            }
            it[j] = row;
        }
        mapped = k;
    };
    auto record = [&](int32_t u, int32_t m, float r, int64_t ts) {
        job.user[k] = u;
        job.item[k] = m;
        job.rating[k] = r;
        if (job.time) job.time[k] = ts;
        ++k;
        if (u != prev_user) {  // MovieLens files are grouped by user: rare
            prev_user = u;
            if (u >= rs.user_limit) {  // its bitmap would dwarf the range: the hash map path
                rs.big_user = true;
            } else {
                size_t w = (size_t) u >> 6;
                if (w >= seen.size()) seen.resize(std::min(std::max(w + 1, seen.size() * 2), seen_words), 0);
                uint64_t bit = 1ull << (u & 63);
                if (!(seen[w] & bit)) {
                    seen[w] |= bit;
                    rs.new_users.push_back(u);
                }
            }
        }
    };
    // returns false when parsing must stop
    auto slow = [&](const char * ls, const char * le) -> bool {
        int32_t u = 0, m = 0;
        float r = 0;
        int64_t ts = 0;
        std::string msg;
        slow_result s = slow_line(ls, le, job.f, fields, u, m, r, ts, msg);
        if (s == slow_result::blank) return true;
        ++rs.lines;
        if (s == slow_result::record) {
            record(u, m, r, ts);
            return true;
        }
        line_base += (int64_t) count_newlines(counted, ls);
        counted = ls;
        std::string full = *job.name + ":" + std::to_string(line_base) + ": " + msg;
        if (job.skip) {
            rs.errs.add(full);
            return true;
        }
        rs.failed = true;
        rs.error = full;
        int cur = job.first_failed.load();
        while (t < cur && !job.first_failed.compare_exchange_weak(cur, t)) {
        }
        return false;
    };
    int64_t n_fast = 0;
    bool stop = false;
    while (p < fast_end) {
        int32_t u, m;
        float r;
        int64_t ts;
        if (fast_line<F>(p, e, u, m, r, ts)) {
            record(u, m, r, ts);
            if ((++n_fast & 0xFFF) == 0) {
                map_items();
                if (job.release && p - released >= release_chunk) {
                    mapped_release(released, p);
                    released = p;
                }
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
    if (!stop && fast_end < e) slow(fast_end, e);
    map_items();
    if (job.release) mapped_release(released, e);
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
                   size_t min_bytes_per_thread, dataset & d, line_errors & errs, ratings_stats & st, bool data_mapped,
                   bool keep_time) {
    size_t start = 0;
    if (n >= 3 && std::memcmp(data, "\xEF\xBB\xBF", 3) == 0) start = 3;
    if (start == n) throw load_error(name + ": no ratings (the file is empty)");
    int64_t first_line = 1;
    if (f == ratings_format::csv) {
        start = skip_csv_header(data, n, start, name);
        first_line = 2;
    }
    const char * b = data + start;
    const char * e = data + n;
    size_t bytes = (size_t) (e - b);
    int T = threads_for(threads, bytes, min_bytes_per_thread);

    // 1. ranges at line starts
    std::vector<range_state> rs((size_t) T);
    const char * cut = b;
    for (int t = 0; t < T; ++t) {
        rs[(size_t) t].b = cut;
        const char * want = b + (size_t) ((double) bytes * (t + 1) / T);
        if (t == T - 1 || want >= e) {
            want = e;
        } else if (want < cut) {
            want = cut;
        } else {
            const char * nl = (const char *) std::memchr(want, '\n', (size_t) (e - want));
            want = nl ? nl + 1 : e;
        }
        rs[(size_t) t].e = want;
        cut = want;
    }
    // 2. newline counts: line numbers and output slots
    run_threads(T, [&](int t) {
        range_state & r = rs[(size_t) t];
        if (!data_mapped) {
            r.newlines = count_newlines(r.b, r.e);
            return;
        }
        // a chunk at a time, each released once counted: the file never sits whole in the RSS
        for (const char * c = r.b; c < r.e; c += release_chunk) {
            const char * ce = r.e - c > release_chunk ? c + release_chunk : r.e;
            r.newlines += count_newlines(c, ce);
            mapped_release(c, ce);
        }
    });
    int64_t slots = 0, line = first_line;
    for (range_state & r : rs) {
        r.first_line = line;
        r.out = slots;
        line += (int64_t) r.newlines;
        bool partial = r.e > r.b && r.e[-1] != '\n';
        // records: at most one a line, and one per min_record_bytes (blank lines take no slot)
        const int64_t bytes_r = (int64_t) (r.e - r.b);
        slots += std::min<int64_t>((int64_t) r.newlines + (partial ? 1 : 0),
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
    job.name = &name;
    job.skip = errs.skip;
    job.user = d.user.data();
    job.item = d.item.data();
    job.rating = d.rating.data();
    job.time = keep_time ? d.time.data() : nullptr;
    job.item_of = item_of.data();
    job.item_of_size = (uint32_t) item_of.size();
    job.release = data_mapped;
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
    if (!big) {
        std::vector<int32_t> user_of((size_t) max_user + 1, -1);
        for (const range_state & r : rs) {
            for (int32_t u : r.new_users) {
                if (user_of[(size_t) u] < 0) user_of[(size_t) u] = d.users.get_or_add(u);
            }
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
    st.duplicates = drop_duplicates(d, T);
    if (st.duplicates > 0 && st.unknown_movies > 0) {
        st.unknown_movie_ratings = 0;
        for (int32_t it : d.item) st.unknown_movie_ratings += it >= known_rows;
    }
}

}  // namespace mf
