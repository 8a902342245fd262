// test_file_io.cpp - file_read_all (size bound, errors naming the path) and file_write_atomic
// (replaces the file whole, leaves no temporary file, fails clearly).
#include "native/temp_dir.h"
#include "file_io.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <filesystem>
#include <fstream>
#include <string>
#include <sys/stat.h>
#include <vector>

namespace fs = std::filesystem;
using namespace mf;

namespace {


std::string error_of(const std::function<void()> & f) {
    try {
        f();
    } catch (const std::exception & e) {
        return e.what();
    }
    return "";
}

std::vector<uint8_t> bytes_of(const std::string & s) { return std::vector<uint8_t>(s.begin(), s.end()); }

}  // namespace

TEST_CASE("file_io: write then read back, overwrite replaces the whole file, no temporary left", "[file_io]") {
    temp_dir d;
    const std::string p = (d.path / "model.mfm").string();
    CHECK(!file_exists(p));
    std::vector<uint8_t> big(300000);
    for (size_t i = 0; i < big.size(); ++i) big[i] = (uint8_t) (i * 131 + 7);
    file_write_atomic(p, big.data(), big.size());
    CHECK(file_exists(p));
    CHECK(file_read_all(p, big.size()) == big);
    // a shorter file replaces the longer one entirely (no stale tail)
    const std::string small = "short";
    file_write_atomic(p, small.data(), small.size());
    CHECK(file_read_all(p, 1000) == bytes_of(small));
    // empty files are fine both ways
    file_write_atomic(p, nullptr, 0);
    CHECK(file_read_all(p, 0).empty());
    CHECK(d.names() == std::vector<std::string>{"model.mfm"});
    // the new file has the usual permissions (0666 minus the umask), not mkstemp's 0600
    const mode_t mask = ::umask(022);
    ::umask(mask);
    struct stat st {};
    REQUIRE(::stat(p.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == (0666 & ~mask));
}

TEST_CASE("file_io: a relative path in the current directory works", "[file_io]") {
    temp_dir d;
    const fs::path old = fs::current_path();
    fs::current_path(d.path);
    const std::string data = "x,y\n1,2\n";
    file_write_atomic("plain.csv", data.data(), data.size());
    CHECK(file_read_all("plain.csv", 100) == bytes_of(data));
    fs::current_path(old);
    CHECK(d.names() == std::vector<std::string>{"plain.csv"});
}

TEST_CASE("file_io: errors name the path and the reason", "[file_io]") {
    temp_dir d;
    const std::string missing_dir = (d.path / "no_such_dir" / "m.mfm").string();
    const std::string e1 = error_of([&] { file_write_atomic(missing_dir, "x", 1); });
    CHECK(e1.find(missing_dir) == 0);
    CHECK(e1.find("No such file or directory") != std::string::npos);
    CHECK(d.names().empty());

    const std::string missing = (d.path / "absent.csv").string();
    CHECK(error_of([&] { file_read_all(missing, 10); }) == missing + ": No such file or directory");
    CHECK(error_of([&] { file_read_all(d.path.string(), 10); }) == d.path.string() + ": Is a directory");

    const std::string p = (d.path / "ten.bin").string();
    file_write_atomic(p, "0123456789", 10);
    CHECK(file_read_all(p, 10).size() == 10);
    CHECK(error_of([&] { file_read_all(p, 9); }) == p + ": file larger than the limit of 9 bytes");

    // writing over a directory fails at the rename and cleans up its temporary file
    const std::string sub = (d.path / "sub").string();
    fs::create_directory(sub);
    const std::string e2 = error_of([&] { file_write_atomic(sub, "x", 1); });
    CHECK(e2.find(sub + ": rename failed: ") == 0);
    auto names = d.names();
    std::sort(names.begin(), names.end());
    CHECK(names == std::vector<std::string>{"sub", "ten.bin"});
}

TEST_CASE("file_io: reads from a pipe-like file without a size (/proc) honour the bound", "[file_io]") {
    if (!file_exists("/proc/self/status")) return;
    const auto v = file_read_all("/proc/self/status", 1 << 20);
    CHECK(!v.empty());  // st_size is 0 for /proc files: the read goes to EOF anyway
    CHECK(error_of([&] { file_read_all("/proc/self/status", 10); }) == "/proc/self/status: file larger than the limit of 10 bytes");
}
