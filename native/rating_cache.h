// rating_cache.h - a binary cache of a loaded dataset, `<ratings file>.mfcache` beside the
// ratings file, so that a second load of ML-32M takes a fraction of a second.
//
// Format (version 2, little-endian, all offsets in bytes from the start of the file):
//   0    char[8]  magic "MFRCACHE"
//   8    u32      version = 2
//   12   u32      0x01020304 (byte order of the writer; another order is rejected)
//   16   u64      file size (a truncated or extended file is rejected)
//   24   u64      n_ratings, n_users, n_items, n_genres  (4 x u64)
//   56   u32      number of sections = 10, u32 reserved (0)
//   64   10 x {u64 offset, u64 bytes, u64 hash}   sections, in this order:
//          0 key        the identity of the sources (below), text
//          1 meta       layout, report counts (lines, skipped, skipped examples, unknown
//                       movies and their ratings, duplicates), genre names, titles
//                       (u64 counts and u32-length-prefixed strings)
//          2 user_ids   int32[n_users]      MovieLens user id of each dense user
//          3 movie_id   int32[n_items]      catalog rows
//          4 year       int16[n_items]
//          5 genres     uint32[n_items]
//          6 user       int32[n_ratings]    dense user per rating, file order
//          7 item       int32[n_ratings]    catalog row per rating
//          8 rating     float32[n_ratings]
//          9 time       int64[n_ratings]
//   304  u64      hash64 of bytes [0, 304)
//   sections start at 64-byte aligned offsets >= 320, in order, without overlap; each section's
//   size must equal count x element size.
// Checksum: every byte of every section is verified on every read (no sampling). A section's
// hash is hash64 (xxHash64-style, movielens_io.h) of the array of its 1 MiB blocks' hashes
// (block k hashed with seed k), seeded with the section's size. Reading maps the file (lazily:
// MAP_POPULATE cost 2 s of system time at 32M) and copies each section out block by block,
// hashing each block while it is in cache and then releasing its pages of the big sections
// (the file is never whole in the RSS beside its copy); sections
// run in parallel (a load that needs no timestamps hashes the time section without copying
// it). Nothing read is used before every checksum has matched.
// After the checksums, the contents are checked too: user < n_users, item < n_items, ids
// positive and unique, n_genres <= 32, genre masks within n_genres bits.
//
// Key: the ratings file's and the movies file's (and u.genre's) absolute path, size, mtime in
// ns and a hash of the first and last 64 KiB, plus the parse format. Any difference = stale.
// Stale or corrupt caches are never used: the loader parses the text and rewrites the cache
// (temp file in the same directory, then rename; no fsync: a cache torn by a crash fails its
// checksums and is rebuilt), silently skipping the write when the directory is not writable.
// A cache path that is not a regular file (a directory, a FIFO, a symbolic link to /dev/zero) is
// neither read (a "not a regular file" reason; opening never blocks) nor replaced. Temporary
// files of killed writes are removed by the next write.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "ratings.h"

namespace mf {

// What the loader reports about the text it parsed, kept with the data.
struct cache_meta {
    std::string layout;
    int64_t lines = 0;
    int64_t skipped = 0;
    std::vector<std::string> skipped_examples;
    int64_t unknown_movies = 0;
    int64_t unknown_movie_ratings = 0;
    int64_t duplicates = 0;  // ratings the load dropped as earlier ratings of the same pair
};

// 2: duplicates dropped (last wins) and counted in the meta section; a version 1 cache may hold
// them and is rebuilt
constexpr uint32_t rating_cache_version = 2;

// `ratings path` + ".mfcache"
std::string rating_cache_path(const std::string & ratings_path);

// The key of a set of source files (missing files are part of the key as missing) and a note
// (parse format, ...).
std::string rating_cache_key(const std::vector<std::string> & sources, const std::string & note);

// Reads a cache file. On failure returns false with the reason in *why ("no cache", "stale: …",
// "corrupt: …"); `d` and `meta` are then unspecified. timestamps = false: the time section is
// verified like every other but not copied out (d.time stays empty): a third of the bytes,
// for the splits that never read a timestamp.
bool rating_cache_read(const std::string & path, const std::string & key, dataset & d, cache_meta & meta, int threads,
                       std::string * why, bool timestamps = true);

// The same from bytes in memory (fuzzing, tests).
bool rating_cache_decode(const char * data, size_t n, const std::string & key, dataset & d, cache_meta & meta,
                         int threads, std::string * why, bool timestamps = true);

// Writes the cache (temp file + rename). Returns false with the reason when it could not.
bool rating_cache_write(const std::string & path, const std::string & key, const dataset & d, const cache_meta & meta,
                        std::string * why);

}  // namespace mf
