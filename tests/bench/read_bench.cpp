// read_bench - why the ratings loader reads with pread: one pass over a file by 2 threads
// (count its '\n's), once through a mapping of the page cache and once through pread into a
// 256 KiB buffer per thread, median of 3 each. Prints JSON. Not a test (scripts/bench.py).
//   build/mfrec_read_bench FILE
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

namespace {

double now() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

size_t count(const char * b, const char * e) {
    size_t c = 0;
    for (; b < e; ++b) c += *b == '\n';
    return c;
}

template <class F>
void on_2_threads(F fn) {
    std::thread other(fn, 1);
    fn(0);
    other.join();
}

}  // namespace

int main(int argc, char ** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: mfrec_read_bench FILE\n");
        return 2;
    }
    int fd = ::open(argv[1], O_RDONLY);
    struct stat st;
    if (fd < 0 || ::fstat(fd, &st) != 0 || st.st_size <= 0) {
        std::fprintf(stderr, "%s: cannot read\n", argv[1]);
        return 1;
    }
    const size_t n = (size_t) st.st_size;
    std::vector<double> map_s, read_s;
    size_t lines[2] = {0, 0};
    for (int rep = 0; rep < 3; ++rep) {
        double t0 = now();
        void * m = ::mmap(nullptr, n, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m == MAP_FAILED) return 1;
        const char * p = (const char *) m;
        size_t got[2] = {0, 0};
        on_2_threads([&](int t) { got[t] = count(p + n * t / 2, p + n * (t + 1) / 2); });
        ::munmap(m, n);  // part of the cost: the mapping is torn down
        map_s.push_back(now() - t0);
        lines[0] = got[0] + got[1];
        t0 = now();
        on_2_threads([&](int t) {
            std::vector<char> buf((size_t) 256 << 10);
            size_t off = n * t / 2, end = n * (t + 1) / 2;
            got[t] = 0;
            while (off < end) {
                ssize_t r = ::pread(fd, buf.data(), std::min(buf.size(), end - off), (off_t) off);
                if (r <= 0) break;
                got[t] += count(buf.data(), buf.data() + r);
                off += (size_t) r;
            }
        });
        read_s.push_back(now() - t0);
        lines[1] = got[0] + got[1];
    }
    std::sort(map_s.begin(), map_s.end());
    std::sort(read_s.begin(), read_s.end());
    std::printf(
        "{\"bytes\": %zu, \"lines\": %zu, \"same_lines\": %s, \"mmap_seconds\": %.4f, \"pread_seconds\": %.4f}\n", n,
        lines[0], lines[0] == lines[1] ? "true" : "false", map_s[1], read_s[1]);
    return lines[0] == lines[1] ? 0 : 1;
}
