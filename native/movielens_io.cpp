#include "movielens_io.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstring>

#include "movielens.h"
#include "parallel.h"

namespace mf {

namespace {

std::string errno_text(int e) {
    return std::strerror(e);
}

// "<pid>.<n>" with both decimal: the pid, else 0
long temp_suffix_pid(const char * s) {
    long pid = 0;
    const char * p = s;
    for (; *p >= '0' && *p <= '9'; ++p) {
        if (p - s >= 10) return 0;
        pid = pid * 10 + (*p - '0');
    }
    if (p == s || *p != '.' || pid <= 0 || pid > INT_MAX) return 0;
    const char * q = ++p;
    for (; *q >= '0' && *q <= '9'; ++q) {
    }
    if (q == p || *q != '\0') return 0;
    return pid;
}

struct fd_guard {
    int fd;
    ~fd_guard() {
        if (fd >= 0) ::close(fd);
    }
};

}  // namespace

void mapped_release(const char * b, const char * e) {
#ifdef MADV_DONTNEED
    const uintptr_t page = (uintptr_t)::sysconf(_SC_PAGESIZE);
    const uintptr_t lo = ((uintptr_t) b + page - 1) & ~(page - 1), hi = (uintptr_t) e & ~(page - 1);
    if (hi > lo) ::madvise((void *) lo, hi - lo, MADV_DONTNEED);
#else
    (void) b;
    (void) e;
#endif
}

void memory_advise_huge(void * p, size_t bytes) {
#ifdef MADV_HUGEPAGE
    const uintptr_t huge = (uintptr_t) 2 << 20;
    const uintptr_t lo = ((uintptr_t) p + huge - 1) & ~(huge - 1), hi = ((uintptr_t) p + bytes) & ~(huge - 1);
    if (hi > lo) ::madvise((void *) lo, hi - lo, MADV_HUGEPAGE);
#else
    (void) p;
    (void) bytes;
#endif
}

namespace {

// Opens a regular file read-only and stats it; load_error when it cannot be opened or is not a
// regular file (a device such as /dev/zero never ends, a FIFO or socket may block). Opening
// never blocks (O_NONBLOCK: a FIFO without a writer is refused, not waited for).
int open_regular(const std::string & path, struct stat & st) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) throw load_error(path + ": cannot open: " + errno_text(errno));
    fd_guard guard{fd};
    if (::fstat(fd, &st) != 0) throw load_error(path + ": cannot stat: " + errno_text(errno));
    if (S_ISDIR(st.st_mode)) throw load_error(path + ": is a directory, expected a file");
    if (!S_ISREG(st.st_mode)) throw load_error(path + ": not a regular file (" + file_kind_name(st.st_mode) + ")");
    guard.fd = -1;
    return fd;
}

// The whole file with read(): the size fstat reported when there is one, else to EOF up to
// unsized_read_limit bytes (files without a size, such as /proc's)
std::vector<char> read_whole(int fd, const struct stat & st, const std::string & path) {
    const bool sized = st.st_size > 0;
    const size_t want = sized ? (size_t) st.st_size : unsized_read_limit;
    std::vector<char> buf(sized ? want : std::min<size_t>(want, 65536));
    size_t have = 0;
    while (have < want) {
        if (have == buf.size()) buf.resize(std::min(want, buf.size() * 2));
        ssize_t r = ::read(fd, buf.data() + have, buf.size() - have);
        if (r < 0) {
            if (errno == EINTR) continue;
            throw load_error(path + ": cannot read: " + errno_text(errno));
        }
        if (r == 0) break;
        have += (size_t) r;
    }
    if (!sized && have == want) {
        char extra;
        if (::read(fd, &extra, 1) > 0)
            throw load_error(path + ": file without a size is larger than the limit of " +
                             std::to_string(unsized_read_limit) + " bytes");
    }
    buf.resize(have);
    return buf;
}

}  // namespace

mapped_file::mapped_file(const std::string & path, bool populate) {
    struct stat st;
    fd_guard guard{open_regular(path, st)};
    if (st.st_size > 0) {
        size_t n = (size_t) st.st_size;
        int flags = MAP_PRIVATE;
#ifdef MAP_POPULATE
        if (populate) flags |= MAP_POPULATE;
#else
        (void) populate;
#endif
        void * p = ::mmap(nullptr, n, PROT_READ, flags, guard.fd, 0);
        if (p != MAP_FAILED) {
            map_ = p;
            data_ = (const char *) p;
            size_ = n;
            return;
        }
    }
    // mmap refused, or a file without a size such as /proc's
    buf_ = read_whole(guard.fd, st, path);
    data_ = buf_.data();
    size_ = buf_.size();
}

file_reader::file_reader(const std::string & path) : path_(path) {
    struct stat st;
    fd_ = open_regular(path, st);
    if (st.st_size > 0) {
        size_ = (size_t) st.st_size;
        return;
    }
    fd_guard guard{fd_};
    fd_ = -1;
    buf_ = read_whole(guard.fd, st, path);
    size_ = buf_.size();
}

file_reader::~file_reader() {
    if (fd_ >= 0) ::close(fd_);
}

void file_reader::read_at(size_t off, char * buf, size_t len) const {
    if (off > size_ || len > size_ - off) throw load_error(path_ + ": read past the end of the file");
    if (fd_ < 0) {
        std::memcpy(buf, buf_.data() + off, len);
        return;
    }
    while (len > 0) {
        ssize_t r = ::pread(fd_, buf, len, (off_t) off);
        if (r < 0) {
            if (errno == EINTR) continue;
            throw load_error(path_ + ": cannot read: " + errno_text(errno));
        }
        if (r == 0) throw load_error(path_ + ": the file shrank while it was read");
        buf += r;
        off += (size_t) r;
        len -= (size_t) r;
    }
}

mapped_file::~mapped_file() {
    if (map_) ::munmap(map_, size_);
}

std::string file_kind_name(unsigned mode) {
    mode_t m = (mode_t) mode;
    if (S_ISREG(m)) return "a regular file";
    if (S_ISDIR(m)) return "a directory";
    if (S_ISFIFO(m)) return "a FIFO";
    if (S_ISCHR(m)) return "a character device";
    if (S_ISBLK(m)) return "a block device";
    if (S_ISSOCK(m)) return "a socket";
    if (S_ISLNK(m)) return "a symbolic link";
    return "not a file";
}

int remove_stale_temp_files(const std::string & path) {
    size_t slash = path.find_last_of('/');
    const std::string prefix = slash == std::string::npos ? std::string() : path.substr(0, slash + 1);
    const std::string stem = (slash == std::string::npos ? path : path.substr(slash + 1)) + ".tmp.";
    if (stem.size() == 5) return 0;  // path ends with '/'
    DIR * dir = ::opendir(prefix.empty() ? "." : prefix.c_str());
    if (!dir) return 0;
    const long self = (long) ::getpid();
    int removed = 0;
    while (const struct dirent * e = ::readdir(dir)) {
        if (std::strncmp(e->d_name, stem.c_str(), stem.size()) != 0) continue;
        long pid = temp_suffix_pid(e->d_name + stem.size());
        if (pid == 0 || pid == self) continue;
        // the writer is gone (EPERM: it exists under another user)
        if (::kill((pid_t) pid, 0) == 0 || errno != ESRCH) continue;
        const std::string full = prefix + e->d_name;
        struct stat st {};
        if (::lstat(full.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
        if (::unlink(full.c_str()) == 0) ++removed;
    }
    ::closedir(dir);
    return removed;
}

file_info file_stat(const std::string & path) {
    file_info fi;
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return fi;
    fi.exists = true;
    fi.is_dir = S_ISDIR(st.st_mode);
    fi.is_regular = S_ISREG(st.st_mode);
    fi.mode = (unsigned) st.st_mode;
    fi.size = (uint64_t) st.st_size;
    fi.mtime_ns = (int64_t) st.st_mtim.tv_sec * 1000000000LL + (int64_t) st.st_mtim.tv_nsec;
    return fi;
}

std::string path_join(const std::string & dir, const std::string & name) {
    if (dir.empty()) return name;
    if (dir.back() == '/') return dir + name;
    return dir + "/" + name;
}

// ---- hash: the xxHash64 structure (primes, 4 lanes, avalanche), enough to catch corruption
namespace {

constexpr uint64_t P1 = 11400714785074694791ULL;
constexpr uint64_t P2 = 14029467366897019727ULL;
constexpr uint64_t P3 = 1609587929392839161ULL;
constexpr uint64_t P4 = 9650029242287828579ULL;
constexpr uint64_t P5 = 2870177450012600261ULL;

inline uint64_t rotl(uint64_t x, int r) {
    return (x << r) | (x >> (64 - r));
}
inline uint64_t rd64(const unsigned char * p) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
}
inline uint32_t rd32(const unsigned char * p) {
    uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
}
inline uint64_t round64(uint64_t acc, uint64_t in) {
    acc += in * P2;
    acc = rotl(acc, 31);
    return acc * P1;
}
inline uint64_t merge64(uint64_t acc, uint64_t v) {
    acc ^= round64(0, v);
    return acc * P1 + P4;
}

}  // namespace

uint64_t hash64(const void * data, size_t n, uint64_t seed) {
    const unsigned char * p = (const unsigned char *) data;
    const unsigned char * end = p + n;
    uint64_t h;
    if (n >= 32) {
        uint64_t v1 = seed + P1 + P2, v2 = seed + P2, v3 = seed, v4 = seed - P1;
        const unsigned char * limit = end - 32;
        do {
            v1 = round64(v1, rd64(p));
            v2 = round64(v2, rd64(p + 8));
            v3 = round64(v3, rd64(p + 16));
            v4 = round64(v4, rd64(p + 24));
            p += 32;
        } while (p <= limit);
        h = rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18);
        h = merge64(h, v1);
        h = merge64(h, v2);
        h = merge64(h, v3);
        h = merge64(h, v4);
    } else {
        h = seed + P5;
    }
    h += (uint64_t) n;
    while (p + 8 <= end) {
        h ^= round64(0, rd64(p));
        h = rotl(h, 27) * P1 + P4;
        p += 8;
    }
    if (p + 4 <= end) {
        h ^= (uint64_t) rd32(p) * P1;
        h = rotl(h, 23) * P2 + P3;
        p += 4;
    }
    while (p < end) {
        h ^= (*p) * P5;
        h = rotl(h, 11) * P1;
        ++p;
    }
    h ^= h >> 33;
    h *= P2;
    h ^= h >> 29;
    h *= P3;
    h ^= h >> 32;
    return h;
}

uint64_t file_head_tail_hash(const std::string & path, uint64_t size) {
    constexpr size_t span = 64 * 1024;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) return 0;
    fd_guard guard{fd};
    struct stat st;
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return 0;  // never read a FIFO or a device
    std::vector<char> buf(2 * span);
    auto read_at = [&](char * dst, size_t n, uint64_t off) -> size_t {
        size_t got = 0;
        while (got < n) {
            ssize_t r = ::pread(fd, dst + got, n - got, (off_t) (off + got));
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) break;
            got += (size_t) r;
        }
        return got;
    };
    size_t head = read_at(buf.data(), (size_t) std::min<uint64_t>(size, span), 0);
    size_t tail = 0;
    if (size > span) {
        uint64_t off = size > 2 * span ? size - span : span;
        tail = read_at(buf.data() + head, (size_t) (size - off), off);
    }
    return hash64(buf.data(), head + tail, size);
}

int threads_for(int requested, size_t bytes, size_t min_bytes) {
    int t = requested > 0 ? requested : parallel_default_threads();
    if (min_bytes == 0) min_bytes = 1;
    size_t cap = bytes / min_bytes;
    if (cap < 1) cap = 1;
    if ((size_t) t > cap) t = (int) cap;
    if (t > 256) t = 256;
    return t < 1 ? 1 : t;
}

}  // namespace mf
