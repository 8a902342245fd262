// movielens_io.h - file access for the loaders and the cache: a read-only mapped file (POSIX
// mmap, read() fallback), file identity (size, mtime), a fast 64-bit hash, threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>
#include <vector>

namespace mf {

// The whole of a regular file, read-only (mapped, or read when it cannot be mapped). Throws
// load_error when the file cannot be opened or read, or is not a regular file (a directory, a
// FIFO, a device such as /dev/zero): "PATH: not a regular file (a FIFO)". Opening never blocks.
class mapped_file {
public:
    explicit mapped_file(const std::string & path, bool populate = false);
    ~mapped_file();
    mapped_file(const mapped_file &) = delete;
    mapped_file & operator=(const mapped_file &) = delete;

    const char * data() const { return data_; }
    size_t size() const { return size_; }
    bool mapped() const { return map_ != nullptr; }

private:
    const char * data_ = nullptr;
    size_t size_ = 0;
    void * map_ = nullptr;
    std::vector<char> buf_;
};

// A regular file read in pieces with pread (a file with a size), or whole into memory when the
// system reports no size (/proc's). Same checks and errors as mapped_file. For one pass over a
// big file: reading into a small buffer that stays in the cache costs a copy, while touching a
// mapping costs a page fault per 16 pages, about 3x the time of the copy in a virtual machine
// (build/mfrec_read_bench).
class file_reader {
public:
    explicit file_reader(const std::string & path);
    ~file_reader();
    file_reader(const file_reader &) = delete;
    file_reader & operator=(const file_reader &) = delete;

    size_t size() const { return size_; }
    // the bytes when the file was read whole, else null
    const char * data() const { return fd_ < 0 ? buf_.data() : nullptr; }
    // bytes [off, off + len) into buf; load_error when they cannot be read (or are gone)
    void read_at(size_t off, char * buf, size_t len) const;

private:
    std::string path_;
    int fd_ = -1;
    size_t size_ = 0;
    std::vector<char> buf_;
};

// Drops the pages wholly inside [b, e) of a read-only file mapping (a mapped() mapped_file's
// data) from the process's resident memory: they stay in the page cache and a later read maps
// them again. A parser calls it behind itself so that a file read once never sits whole in the
// process's RSS beside what was parsed from it. Never call it on other memory (it would be zeroed).
void mapped_release(const char * b, const char * e);

// Asks the kernel to back the whole 2 MiB pages inside [p, p + bytes) with transparent huge
// pages (madvise MADV_HUGEPAGE) before the memory is first written: one page fault per 2 MiB
// instead of one per 4 KiB (faults are costly in virtual machines). Only a hint; a no-op where
// unsupported. For fresh heap arrays of many MiB (the parsed ratings).
void memory_advise_huge(void * p, size_t bytes);

// The read() fallback's bound for a file whose size the system does not report (/proc).
constexpr size_t unsized_read_limit = (size_t) 1 << 30;

struct file_info {
    bool exists = false;
    bool is_dir = false;
    bool is_regular = false;
    unsigned mode = 0;  // st_mode
    uint64_t size = 0;
    int64_t mtime_ns = 0;
};

file_info file_stat(const std::string & path);

// "a directory", "a FIFO", "a character device", ... for a st_mode
std::string file_kind_name(unsigned mode);

// Writes that replace a file by rename (file_write_atomic, the rating cache) write a temporary
// file "PATH.tmp.<pid>.<n>" first. This removes the ones of `path` whose process no longer
// exists (killed writers) and returns how many it removed; it never throws.
int remove_stale_temp_files(const std::string & path);

// "dir/name" without doubling the slash.
std::string path_join(const std::string & dir, const std::string & name);

// xxHash64-style hash (four 64-bit lanes over 32-byte stripes); runs at memory bandwidth.
uint64_t hash64(const void * data, size_t n, uint64_t seed);

// Hash of the first and last 64 KiB of a file (read with pread); 0 when unreadable.
uint64_t file_head_tail_hash(const std::string & path, uint64_t size);

// Runs fn(t) for t in [0, threads) on std::threads (t = 0 on the caller); rethrows the first
// exception a worker threw.
template <class F>
void run_threads(int threads, F fn);

// Threads to use: `requested` (0 = hardware threads) capped so each gets >= min_bytes of `bytes`.
int threads_for(int requested, size_t bytes, size_t min_bytes);

}  // namespace mf

// ---- templates
#include <thread>

namespace mf {

template <class F>
void run_threads(int threads, F fn) {
    if (threads <= 1) {
        fn(0);
        return;
    }
    std::vector<std::exception_ptr> errs((size_t) threads);
    std::vector<std::thread> pool;
    pool.reserve((size_t) threads - 1);
    auto guarded = [&](int t) {
        try {
            fn(t);
        } catch (...) {
            errs[(size_t) t] = std::current_exception();
        }
    };
    for (int t = 1; t < threads; ++t) pool.emplace_back(guarded, t);
    guarded(0);
    for (std::thread & th : pool) th.join();
    for (auto & e : errs) {
        if (e) std::rethrow_exception(e);
    }
}

}  // namespace mf
