#include "file_io.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <fcntl.h>
#include <stdexcept>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

namespace mf {

namespace {

[[noreturn]] void fail_errno(const std::string & path, const std::string & what, int err) {
    std::string msg = path + ": ";
    if (!what.empty()) msg += what + ": ";
    msg += std::generic_category().message(err);
    throw std::runtime_error(msg);
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

}  // namespace

std::vector<uint8_t> file_read_all(const std::string & path, uint64_t max_bytes) {
    fd_guard f;
    do {
        f.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    } while (f.fd < 0 && errno == EINTR);
    if (f.fd < 0) fail_errno(path, "", errno);
    struct stat st {};
    if (::fstat(f.fd, &st) != 0) fail_errno(path, "", errno);
    if (S_ISDIR(st.st_mode)) fail_errno(path, "", EISDIR);
    const std::string too_big = path + ": file larger than the limit of " + std::to_string(max_bytes) + " bytes";
    std::vector<uint8_t> out;
    // room for one byte past the expected end, so that the EOF read needs no reallocation
    const uint64_t limit = max_bytes < UINT64_MAX ? max_bytes + 1 : max_bytes;
    if (S_ISREG(st.st_mode)) {
        if ((uint64_t) st.st_size > max_bytes) throw std::runtime_error(too_big);
        out.reserve((size_t) st.st_size + 1);
    }
    // read to EOF (the size may change under us, and pipes have none), never past max_bytes
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
    static std::atomic<unsigned> counter{0};
    const std::string dir = dir_of(path);
    std::string tmp;
    fd_guard f;
    for (int attempt = 0; attempt < 100 && f.fd < 0; ++attempt) {
        tmp = path + ".tmp." + std::to_string((long) ::getpid()) + "." + std::to_string(counter++);
        f.fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (f.fd < 0 && errno != EEXIST && errno != EINTR) fail_errno(path, "cannot create a file", errno);
    }
    if (f.fd < 0) fail_errno(path, "cannot create a temporary file", EEXIST);
    auto abandon = [&](const char * what, int err) {
        if (f.fd >= 0) ::close(f.release());
        ::unlink(tmp.c_str());
        fail_errno(path, what, err);
    };
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
    if (::fsync(f.fd) != 0) abandon("fsync failed", errno);
    if (::close(f.release()) != 0) abandon("close failed", errno);
    if (::rename(tmp.c_str(), path.c_str()) != 0) abandon("rename failed", errno);
    // make the rename itself durable
    fd_guard d;
    d.fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (d.fd < 0) fail_errno(path, "cannot open its directory to fsync it", errno);
    if (::fsync(d.fd) != 0 && errno != EINVAL) fail_errno(path, "fsync of its directory failed", errno);
}

bool file_exists(const std::string & path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

}  // namespace mf
