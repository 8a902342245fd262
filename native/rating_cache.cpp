// rating_cache.cpp - see rating_cache.h for the format.
#include "rating_cache.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>

#include "gram.h"
#include "movielens.h"
#include "movielens_io.h"

namespace mf {

namespace {

constexpr char cache_magic[8] = {'M', 'F', 'R', 'C', 'A', 'C', 'H', 'E'};
constexpr uint32_t endian_mark = 0x01020304u;
constexpr size_t n_sections = 10;
constexpr size_t header_hashed = 304;
constexpr size_t header_bytes = 320;
constexpr size_t block_bytes = 1u << 20;
constexpr uint64_t header_seed = 0x6d66726563686472ull;

enum sec { s_key, s_meta, s_user_ids, s_movie_id, s_year, s_genres, s_user, s_item, s_rating, s_time };
const char * section_names[n_sections] = {"key",    "meta", "user_ids", "movie_id", "year",
                                          "genres", "user", "item",     "rating",   "time"};

struct section {
    uint64_t offset = 0, bytes = 0, hash = 0;
};

struct header {
    uint64_t file_size = 0, n_ratings = 0, n_users = 0, n_items = 0, n_genres = 0;
    section s[n_sections];
};

void put_u32(char * p, uint32_t v) {
    std::memcpy(p, &v, 4);
}
void put_u64(char * p, uint64_t v) {
    std::memcpy(p, &v, 8);
}
uint32_t get_u32(const char * p) {
    uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
}
uint64_t get_u64(const char * p) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
}

std::string encode_header(const header & h) {
    std::string b(header_bytes, '\0');
    char * p = &b[0];
    std::memcpy(p, cache_magic, 8);
    put_u32(p + 8, rating_cache_version);
    put_u32(p + 12, endian_mark);
    put_u64(p + 16, h.file_size);
    put_u64(p + 24, h.n_ratings);
    put_u64(p + 32, h.n_users);
    put_u64(p + 40, h.n_items);
    put_u64(p + 48, h.n_genres);
    put_u32(p + 56, (uint32_t) n_sections);
    put_u32(p + 60, 0);
    for (size_t k = 0; k < n_sections; ++k) {
        put_u64(p + 64 + 24 * k, h.s[k].offset);
        put_u64(p + 64 + 24 * k + 8, h.s[k].bytes);
        put_u64(p + 64 + 24 * k + 16, h.s[k].hash);
    }
    put_u64(p + header_hashed, hash64(p, header_hashed, header_seed));
    return b;
}

// ---- meta: u64 numbers and u32-length strings
struct writer {
    std::string b;
    void u64(uint64_t v) {
        char t[8];
        put_u64(t, v);
        b.append(t, 8);
    }
    void str(const std::string & s) {
        char t[4];
        put_u32(t, (uint32_t) s.size());
        b.append(t, 4);
        b += s;
    }
};

struct reader {
    const char * p;
    const char * e;
    bool ok = true;
    uint64_t u64() {
        if (e - p < 8) {
            ok = false;
            return 0;
        }
        uint64_t v = get_u64(p);
        p += 8;
        return v;
    }
    std::string str() {
        if (e - p < 4) {
            ok = false;
            return {};
        }
        uint32_t n = get_u32(p);
        p += 4;
        if ((uint64_t) (e - p) < n) {
            ok = false;
            return {};
        }
        std::string s(p, n);
        p += n;
        return s;
    }
};

// ---- section hashing (and copying out), in parallel over sections
// A section's hash: hash64 of its 1 MiB blocks' hashes (block k with seed k), seeded with its size.
// Each section is processed by one thread, block by block: the block is appended to its
// destination vector (capacity reserved up front: no zero-fill pass over the whole array), hashed
// while it is in cache and, for index arrays, range-checked.
struct section_task {
    const char * src = nullptr;
    uint64_t bytes = 0;
    std::function<char *(size_t)> grow;  // appends n bytes to the destination, returns them
    int64_t limit = 0;                   // > 0: int32 entries must be in [0, limit)
    uint64_t hash = 0;
    bool in_range = true;
    bool release = false;  // src is a file mapping: mapped_release each block once done
};

void section_run(section_task & s) {
    uint64_t nb = (s.bytes + block_bytes - 1) / block_bytes;
    std::vector<uint64_t> block_hash((size_t) nb);
    uint32_t lim = (uint32_t) std::min<int64_t>(s.limit, INT32_MAX);
    for (uint64_t k = 0; k < nb; ++k) {
        uint64_t off = k * block_bytes;
        size_t len = (size_t) std::min<uint64_t>(block_bytes, s.bytes - off);
        const char * p = s.src + off;
        char * dst = s.grow ? s.grow(len) : nullptr;
        if (dst) std::memcpy(dst, p, len);
        block_hash[(size_t) k] = hash64(p, len, k);
        if (s.release) mapped_release(p, p + len);
        if (s.limit > 0 && dst) {
            // dst is a vector<int32_t>'s storage: aligned
            const int32_t * v = (const int32_t *) (const void *) dst;
            uint32_t mx = 0;
            for (size_t j = 0; j < len / 4; ++j) mx = std::max(mx, (uint32_t) v[j]);
            if (len >= 4 && mx >= lim) s.in_range = false;
        }
    }
    s.hash = hash64(block_hash.data(), block_hash.size() * 8, s.bytes);
}

void sections_run(std::vector<section_task> & tasks, int threads) {
    std::vector<size_t> order(tasks.size());
    uint64_t total = 0;
    for (size_t k = 0; k < tasks.size(); ++k) {
        order[k] = k;
        total += tasks[k].bytes;
    }
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return tasks[a].bytes > tasks[b].bytes; });
    std::atomic<size_t> next{0};
    run_threads(threads_for(threads, (size_t) total, 16 * block_bytes), [&](int) {
        for (;;) {
            size_t i = next.fetch_add(1);
            if (i >= order.size()) break;
            section_run(tasks[order[i]]);
        }
    });
}

template <class T>
std::function<char *(size_t)> appender(std::vector<T> & v, uint64_t bytes) {
    v.clear();
    v.reserve((size_t) (bytes / sizeof(T)));
    // huge pages for the large arrays: one fault per 2 MiB instead of per 4 KiB while they fill
    // (the advice is given before the first touch of the fresh allocation)
    kern::prefer_huge_pages(v.data(), (size_t) bytes);
    return [&v](size_t n) {
        size_t old = v.size();
        v.resize(old + n / sizeof(T));  // within capacity; zeroes a block that is in cache
        return (char *) (v.data() + old);
    };
}

std::string encode_meta(const dataset & d, const cache_meta & m) {
    writer w;
    w.str(m.layout);
    w.u64((uint64_t) m.lines);
    w.u64((uint64_t) m.skipped);
    w.u64(m.skipped_examples.size());
    for (const std::string & s : m.skipped_examples) w.str(s);
    w.u64((uint64_t) m.unknown_movies);
    w.u64((uint64_t) m.unknown_movie_ratings);
    w.u64((uint64_t) m.duplicates);
    w.u64(d.items.genre_names.size());
    for (const std::string & s : d.items.genre_names) w.str(s);
    w.u64(d.items.title.size());
    for (const std::string & s : d.items.title) w.str(s);
    return w.b;
}

bool fail(std::string * why, const std::string & msg) {
    if (why) *why = msg;
    return false;
}

}  // namespace

std::string rating_cache_path(const std::string & ratings_path) {
    return ratings_path + ".mfcache";
}

std::string rating_cache_key(const std::vector<std::string> & sources, const std::string & note) {
    std::string k = "mfrec rating cache key 1\n";
    for (const std::string & src : sources) {
        std::error_code ec;
        std::filesystem::path abs = std::filesystem::absolute(src, ec);
        std::string name = ec ? src : abs.lexically_normal().string();
        file_info fi = file_stat(src);
        k += "file " + name + "\n";
        if (!fi.exists) {
            k += "  missing\n";
            continue;
        }
        k += "  size " + std::to_string(fi.size) + " mtime_ns " + std::to_string(fi.mtime_ns) + " head_tail " +
             std::to_string(file_head_tail_hash(src, fi.size)) + "\n";
    }
    k += "note " + note + "\n";
    return k;
}

namespace {

// rating_cache_decode; `mapped`: data is a file mapping whose big sections' pages are released
// as they are copied out (the cache is never whole in the RSS beside its copy)
bool cache_decode(const char * data, size_t n, const std::string & key, dataset & d, cache_meta & meta, int threads,
                  std::string * why, bool timestamps, bool mapped) {
    if (n < header_bytes) return fail(why, "corrupt: " + std::to_string(n) + " bytes, shorter than the header");
    if (std::memcmp(data, cache_magic, 8) != 0) return fail(why, "corrupt: not an mfrec cache file");
    if (get_u32(data + 12) != endian_mark) return fail(why, "stale: written on a machine of another byte order");
    if (get_u32(data + 8) != rating_cache_version)
        return fail(why, "stale: version " + std::to_string(get_u32(data + 8)) + ", expected " +
                             std::to_string(rating_cache_version));
    if (get_u64(data + header_hashed) != hash64(data, header_hashed, header_seed))
        return fail(why, "corrupt: header checksum mismatch");
    header h;
    h.file_size = get_u64(data + 16);
    h.n_ratings = get_u64(data + 24);
    h.n_users = get_u64(data + 32);
    h.n_items = get_u64(data + 40);
    h.n_genres = get_u64(data + 48);
    if (h.file_size != n)
        return fail(why,
                    "corrupt: file is " + std::to_string(n) + " bytes, header says " + std::to_string(h.file_size));
    if (get_u32(data + 56) != n_sections) return fail(why, "corrupt: wrong section count");
    if (h.n_ratings > n / 4 || h.n_users > n / 4 || h.n_items > n / 4 || h.n_users > INT32_MAX ||
        h.n_items > INT32_MAX || h.n_genres > (uint64_t) genre_max)
        return fail(why, "corrupt: impossible counts");
    const uint64_t want[n_sections] = {0,
                                       0,
                                       h.n_users * 4,
                                       h.n_items * 4,
                                       h.n_items * 2,
                                       h.n_items * 4,
                                       h.n_ratings * 4,
                                       h.n_ratings * 4,
                                       h.n_ratings * 4,
                                       h.n_ratings * 8};
    uint64_t prev_end = header_bytes;
    for (size_t k = 0; k < n_sections; ++k) {
        section & s = h.s[k];
        s.offset = get_u64(data + 64 + 24 * k);
        s.bytes = get_u64(data + 64 + 24 * k + 8);
        s.hash = get_u64(data + 64 + 24 * k + 16);
        std::string which = std::string("corrupt: section ") + section_names[k] + ": ";
        if (s.offset % 64 != 0 || s.offset < prev_end || s.offset > n || s.bytes > n - s.offset)
            return fail(why, which + "offset " + std::to_string(s.offset) + " + " + std::to_string(s.bytes) +
                                 " bytes is outside the file");
        if (k >= s_user_ids && s.bytes != want[k])
            return fail(why,
                        which + std::to_string(want[k]) + " bytes expected, " + std::to_string(s.bytes) + " found");
        prev_end = s.offset + s.bytes;
    }
    const section & ks = h.s[s_key];
    if (ks.bytes != key.size() || std::memcmp(data + ks.offset, key.data(), key.size()) != 0)
        return fail(why, "stale: the source files changed");

    // arrays: hash every block while copying it out
    dataset out;
    catalog & cat = out.items;
    std::vector<section_task> tasks(n_sections);
    for (size_t k = 0; k < n_sections; ++k) {
        tasks[k].src = data + h.s[k].offset;
        tasks[k].bytes = h.s[k].bytes;
    }
    tasks[s_user_ids].grow = appender(out.users.ids, h.s[s_user_ids].bytes);
    tasks[s_movie_id].grow = appender(cat.movie_id, h.s[s_movie_id].bytes);
    tasks[s_year].grow = appender(cat.year, h.s[s_year].bytes);
    tasks[s_genres].grow = appender(cat.genres, h.s[s_genres].bytes);
    tasks[s_user].grow = appender(out.user, h.s[s_user].bytes);
    tasks[s_item].grow = appender(out.item, h.s[s_item].bytes);
    tasks[s_rating].grow = appender(out.rating, h.s[s_rating].bytes);
    if (timestamps) tasks[s_time].grow = appender(out.time, h.s[s_time].bytes);  // else hashed only
    for (size_t k : {s_user, s_item, s_rating, s_time}) tasks[k].release = mapped;
    tasks[s_user].limit = (int64_t) h.n_users;
    tasks[s_item].limit = (int64_t) h.n_items;
    sections_run(tasks, threads);
    for (size_t k = 0; k < n_sections; ++k) {
        if (tasks[k].hash != h.s[k].hash)
            return fail(why, std::string("corrupt: section ") + section_names[k] + ": checksum mismatch");
    }
    if (!tasks[s_user].in_range || !tasks[s_item].in_range) return fail(why, "corrupt: an index is out of range");

    // meta
    reader r{data + h.s[s_meta].offset, data + h.s[s_meta].offset + h.s[s_meta].bytes};
    cache_meta m;
    m.layout = r.str();
    m.lines = (int64_t) r.u64();
    m.skipped = (int64_t) r.u64();
    uint64_t n_ex = r.u64();
    if (n_ex > 64) return fail(why, "corrupt: meta");
    for (uint64_t k = 0; k < n_ex && r.ok; ++k) m.skipped_examples.push_back(r.str());
    m.unknown_movies = (int64_t) r.u64();
    m.unknown_movie_ratings = (int64_t) r.u64();
    m.duplicates = (int64_t) r.u64();
    if (r.u64() != h.n_genres || !r.ok) return fail(why, "corrupt: meta: genre count");
    for (uint64_t g = 0; g < h.n_genres && r.ok; ++g) cat.genre_names.push_back(r.str());
    if (r.u64() != h.n_items || !r.ok) return fail(why, "corrupt: meta: title count");
    cat.title.reserve((size_t) h.n_items);
    for (uint64_t i = 0; i < h.n_items && r.ok; ++i) cat.title.push_back(r.str());
    if (!r.ok || r.p != r.e) return fail(why, "corrupt: meta section does not parse");

    // contents
    uint32_t genre_all = h.n_genres >= 32 ? 0xFFFFFFFFu : ((1u << h.n_genres) - 1);
    cat.index.reserve((size_t) h.n_items);
    for (size_t i = 0; i < (size_t) h.n_items; ++i) {
        if (cat.movie_id[i] <= 0 || !cat.index.emplace(cat.movie_id[i], (int32_t) i).second)
            return fail(why, "corrupt: movie ids");
        if (cat.genres[i] & ~genre_all) return fail(why, "corrupt: genre masks");
    }
    out.users.index.reserve((size_t) h.n_users);
    for (size_t u = 0; u < (size_t) h.n_users; ++u) {
        if (out.users.ids[u] <= 0 || !out.users.index.emplace(out.users.ids[u], (int32_t) u).second)
            return fail(why, "corrupt: user ids");
    }
    d = std::move(out);
    meta = std::move(m);
    return true;
}

}  // namespace

bool rating_cache_decode(const char * data, size_t n, const std::string & key, dataset & d, cache_meta & meta,
                         int threads, std::string * why, bool timestamps) {
    return cache_decode(data, n, key, d, meta, threads, why, timestamps, false);
}

bool rating_cache_read(const std::string & path, const std::string & key, dataset & d, cache_meta & meta, int threads,
                       std::string * why, bool timestamps) {
    file_info fi = file_stat(path);
    if (!fi.exists) return fail(why, "no cache");
    try {
        mapped_file f(path, false);
        return cache_decode(f.data(), f.size(), key, d, meta, threads, why, timestamps, f.mapped());
    } catch (const load_error & e) {
        return fail(why, e.what());
    }
}

bool rating_cache_write(const std::string & path, const std::string & key, const dataset & d, const cache_meta & meta,
                        std::string * why) {
    const catalog & cat = d.items;
    size_t n = d.rating.size();
    if (d.user.size() != n || d.item.size() != n || d.time.size() != n || cat.title.size() != cat.movie_id.size() ||
        cat.year.size() != cat.movie_id.size() || cat.genres.size() != cat.movie_id.size())
        return fail(why, "inconsistent dataset");
    std::string meta_blob = encode_meta(d, meta);
    header h;
    h.n_ratings = n;
    h.n_users = d.users.ids.size();
    h.n_items = cat.movie_id.size();
    h.n_genres = cat.genre_names.size();
    const void * src[n_sections] = {key.data(),      meta_blob.data(),  d.users.ids.data(), cat.movie_id.data(),
                                    cat.year.data(), cat.genres.data(), d.user.data(),      d.item.data(),
                                    d.rating.data(), d.time.data()};
    const uint64_t bytes[n_sections] = {
        key.size(), meta_blob.size(), h.n_users * 4, h.n_items * 4, h.n_items * 2, h.n_items * 4, n * 4, n * 4, n * 4,
        n * 8};
    std::vector<section_task> tasks(n_sections);
    uint64_t off = header_bytes;
    for (size_t k = 0; k < n_sections; ++k) {
        tasks[k].src = (const char *) src[k];
        tasks[k].bytes = bytes[k];
        h.s[k].offset = off;
        h.s[k].bytes = bytes[k];
        off = (off + bytes[k] + 63) / 64 * 64;
    }
    h.file_size = h.s[n_sections - 1].offset + h.s[n_sections - 1].bytes;
    sections_run(tasks, 0);
    for (size_t k = 0; k < n_sections; ++k) h.s[k].hash = tasks[k].hash;
    std::string head = encode_header(h);

    // never replace what is not a cache file (a directory, a FIFO, a device) with one
    file_info existing = file_stat(path);
    if (existing.exists && !existing.is_regular)
        return fail(why, "not written: " + path + " is not a regular file (" + file_kind_name(existing.mode) + ")");
    remove_stale_temp_files(path);  // left by killed loads: each as big as the cache
    static std::atomic<unsigned> counter{0};
    std::string tmp = path + ".tmp." + std::to_string((long) ::getpid()) + "." + std::to_string(counter++);
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) return fail(why, "cannot write " + tmp + ": " + std::strerror(errno));
    auto write_all = [&](const char * p, size_t len) -> bool {
        while (len > 0) {
            ssize_t w = ::write(fd, p, std::min<size_t>(len, (size_t) 1 << 30));
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) return false;
            p += w;
            len -= (size_t) w;
        }
        return true;
    };
    bool ok = write_all(head.data(), head.size());
    uint64_t pos = header_bytes;
    static const char zeros[64] = {};
    for (size_t k = 0; k < n_sections && ok; ++k) {
        ok = write_all(zeros, (size_t) (h.s[k].offset - pos)) && write_all(tasks[k].src, (size_t) bytes[k]);
        pos = h.s[k].offset + bytes[k];
    }
    // No fsync (of the file or its directory): the cache is derived data. The rename keeps a
    // half-written file from ever being seen under the cache's name; a cache torn by a crash
    // fails its checksums on the next load and is rebuilt. Flushing 640 MB to disk would
    // otherwise double the time of a first load.
    int err = errno;
    if (::close(fd) != 0 && ok) {
        ok = false;
        err = errno;
    }
    if (ok && std::rename(tmp.c_str(), path.c_str()) != 0) {
        ok = false;
        err = errno;
    }
    if (!ok) {
        ::unlink(tmp.c_str());
        return fail(why, "cannot write " + path + ": " + std::strerror(err));
    }
    return true;
}

}  // namespace mf
