#include "file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <stdexcept>
#include <system_error>

#include "movielens_io.h"

namespace mf {

namespace {

[[noreturn]] void fail_errno(const std::string & path, const std::string & what, int err) {
    std::string msg = path + ": ";
    if (!what.empty()) msg += what + ": ";
    msg += std::generic_category().message(err);
    throw std::runtime_error(msg);
}

// "PATH: Is a directory" for a directory, "PATH: not a regular file (a FIFO)" for the others
[[noreturn]] void fail_not_regular(const std::string & path, mode_t mode) {
    if (S_ISDIR(mode)) fail_errno(path, "", EISDIR);
    throw std::runtime_error(path + ": not a regular file (" + file_kind_name(mode) + ")");
}

struct fd_guard {
    int fd = -1;
    ~fd_guard() {
        if (fd >= 0) ::close(fd);
    }
    int release() {
        int f = fd;
        fd = -1;
        return f;
    }
};

std::string dir_of(const std::string & path) {
    size_t slash = path.find_last_of('/');
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "/";
    return path.substr(0, slash);
}

std::atomic<unsigned> temp_counter{0};

// Creates a new temporary file "PATH.tmp.<pid>.<n>" (O_EXCL); returns its fd (-1 with errno)
int temp_create(const std::string & path, std::string & tmp) {
    for (int attempt = 0; attempt < 100; ++attempt) {
        tmp = path + ".tmp." + std::to_string((long) ::getpid()) + "." + std::to_string(temp_counter++);
        int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0) return fd;
        if (errno != EEXIST && errno != EINTR) return -1;
    }
    errno = EEXIST;
    return -1;
}

}  // namespace

std::vector<uint8_t> file_read_all(const std::string & path, uint64_t max_bytes) {
    fd_guard f;
    // O_NONBLOCK: opening a FIFO without a writer must not hang (refused below anyway)
    do {
        f.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    } while (f.fd < 0 && errno == EINTR);
    if (f.fd < 0) fail_errno(path, "", errno);
    struct stat st {};
    if (::fstat(f.fd, &st) != 0) fail_errno(path, "", errno);
    // a device (/dev/zero, /dev/urandom) or a FIFO has no end we could trust
    if (!S_ISREG(st.st_mode)) fail_not_regular(path, st.st_mode);
    const std::string too_big = path + ": file larger than the limit of " + std::to_string(max_bytes) + " bytes";
    std::vector<uint8_t> out;
    // room for one byte past the expected end, so that the EOF read needs no reallocation
    const uint64_t limit = max_bytes < UINT64_MAX ? max_bytes + 1 : max_bytes;
    if ((uint64_t) st.st_size > max_bytes) throw std::runtime_error(too_big);
    out.reserve((size_t) st.st_size + 1);
    // read to EOF (the size may change under us, and /proc files report 0), never past max_bytes
    for (;;) {
        if (out.size() == out.capacity()) {
            uint64_t want = std::max<uint64_t>(out.size() + out.size() / 2, out.size() + (1 << 16));
            out.reserve((size_t) std::min(want, limit));
        }
        const size_t old = out.size();
        const size_t room = out.capacity() - old;
        out.resize(old + room);
        ssize_t got = ::read(f.fd, out.data() + old, room);
        if (got < 0) {
            out.resize(old);
            if (errno == EINTR) continue;
            fail_errno(path, "read failed", errno);
        }
        out.resize(old + (size_t) got);
        if (got == 0) break;
        if (out.size() > max_bytes) throw std::runtime_error(too_big);
    }
    return out;
}

void file_write_atomic(const std::string & path, const void * data, size_t n) {
    file_write_atomic_stream(path, [&](const file_writer & write) { write(data, n); });
}

void file_write_atomic_stream(const std::string & path, const std::function<void(const file_writer &)> & produce) {
    const std::string dir = dir_of(path);
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) fail_not_regular(path, st.st_mode);
    remove_stale_temp_files(path);
    std::string tmp;
    fd_guard f;
    f.fd = temp_create(path, tmp);
    if (f.fd < 0) fail_errno(path, "cannot create a file", errno);
    auto abandon = [&](const char * what, int err) {
        if (f.fd >= 0) ::close(f.release());
        ::unlink(tmp.c_str());
        fail_errno(path, what, err);
    };
    const file_writer write = [&](const void * data, size_t n) {
        const uint8_t * p = static_cast<const uint8_t *>(data);
        size_t left = n;
        while (left > 0) {
            ssize_t put = ::write(f.fd, p, left < ((size_t) 1 << 30) ? left : ((size_t) 1 << 30));
            if (put < 0) {
                if (errno == EINTR) continue;
                abandon("write failed", errno);
            }
            p += put;
            left -= (size_t) put;
        }
    };
    try {
        produce(write);
    } catch (...) {
        if (f.fd >= 0) ::close(f.release());
        ::unlink(tmp.c_str());
        throw;
    }
    if (::fsync(f.fd) != 0) abandon("fsync failed", errno);
    if (::close(f.release()) != 0) abandon("close failed", errno);
    if (::rename(tmp.c_str(), path.c_str()) != 0) abandon("rename failed", errno);
    // make the rename itself durable
    fd_guard d;
    d.fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (d.fd < 0) fail_errno(path, "cannot open its directory to fsync it", errno);
    if (::fsync(d.fd) != 0 && errno != EINVAL) fail_errno(path, "fsync of its directory failed", errno);
}

void file_check_writable(const std::string & path) {
    if (path.empty()) throw std::runtime_error("an empty output path");
    if (path.back() == '/') fail_errno(path, "", EISDIR);
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) fail_not_regular(path, st.st_mode);
    const std::string dir = dir_of(path);
    if (::stat(dir.c_str(), &st) != 0) {
        if (errno == ENOENT) throw std::runtime_error(path + ": directory " + dir + " does not exist");
        fail_errno(path, "directory " + dir, errno);
    }
    if (!S_ISDIR(st.st_mode)) throw std::runtime_error(path + ": " + dir + " is not a directory");
    // the real test: create a file there (catches permissions, read-only file systems, quotas
    // on inodes; an ACL or root's rights are taken into account as they will be at write time)
    std::string tmp;
    int fd = temp_create(path, tmp);
    if (fd < 0) fail_errno(path, "cannot create a file in " + dir, errno);
    ::close(fd);
    ::unlink(tmp.c_str());
}

bool file_exists(const std::string & path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

}  // namespace mf
