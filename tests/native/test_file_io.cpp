// test_file_io.cpp - file_read_all (size bound, regular files only, errors naming the path),
// file_write_atomic (replaces the file whole, leaves no temporary file, removes those of killed
// writers, fails clearly) and file_check_writable.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <string>
#include <vector>

#include "file_io.h"
#include "movielens_io.h"
#include "native/temp_dir.h"

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

std::vector<uint8_t> bytes_of(const std::string & s) {
    return std::vector<uint8_t>(s.begin(), s.end());
}

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

TEST_CASE("file_io: a streamed write is the concatenation; a throwing producer leaves the old file", "[file_io]") {
    temp_dir d;
    const std::string p = (d.path / "model.mfm").string();
    file_write_atomic(p, "old", 3);
    file_write_atomic_stream(p, [](const file_writer & write) {
        write("ab", 2);
        write("", 0);
        write("cde", 3);
    });
    CHECK(file_read_all(p, 100) == bytes_of("abcde"));
    CHECK_THROWS_WITH(file_write_atomic_stream(p,
                                               [](const file_writer & write) {
                                                   write("partial", 7);
                                                   throw std::runtime_error("no more");
                                               }),
                      "no more");
    CHECK(file_read_all(p, 100) == bytes_of("abcde"));
    CHECK(d.names() == std::vector<std::string>{"model.mfm"});  // no temporary file left
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

    // writing over a directory fails before any temporary file is made
    const std::string sub = (d.path / "sub").string();
    fs::create_directory(sub);
    CHECK(error_of([&] { file_write_atomic(sub, "x", 1); }) == sub + ": Is a directory");
    auto names = d.names();
    std::sort(names.begin(), names.end());
    CHECK(names == std::vector<std::string>{"sub", "ten.bin"});
}

TEST_CASE("file_io: reads from a pipe-like file without a size (/proc) honour the bound", "[file_io]") {
    if (!file_exists("/proc/self/status")) return;
    const auto v = file_read_all("/proc/self/status", 1 << 20);
    CHECK(!v.empty());  // st_size is 0 for /proc files: the read goes to EOF anyway
    CHECK(error_of([&] { file_read_all("/proc/self/status", 10); }) ==
          "/proc/self/status: file larger than the limit of 10 bytes");
}

TEST_CASE("file_io: devices, FIFOs and directories are refused before any read, never a hang", "[file_io]") {
    temp_dir d;
    if (file_exists("/dev/zero")) {
        // used to be read until the bound (64 GiB for a model): memory ran out first
        CHECK(error_of([&] { file_read_all("/dev/zero", (uint64_t) 64 << 30); }) ==
              "/dev/zero: not a regular file (a character device)");
    }
    const std::string fifo = (d.path / "model.fifo").string();
    REQUIRE(::mkfifo(fifo.c_str(), 0644) == 0);
    // opening a FIFO without a writer blocks; a hang here would stop the suite, so the read runs
    // on another thread and the FIFO gets a writer if it takes too long
    auto fut = std::async(std::launch::async, [&] { return error_of([&] { file_read_all(fifo, 1000); }); });
    if (fut.wait_for(std::chrono::seconds(20)) != std::future_status::ready) {
        int fd = ::open(fifo.c_str(), O_RDWR | O_NONBLOCK);
        fut.wait();
        if (fd >= 0) ::close(fd);
        FAIL("file_read_all blocked on a FIFO");
    }
    CHECK(fut.get() == fifo + ": not a regular file (a FIFO)");
    CHECK(error_of([&] { file_read_all(d.str(), 10); }) == d.str() + ": Is a directory");
    // nor is a FIFO or a directory ever replaced by a write
    CHECK(error_of([&] { file_write_atomic(fifo, "x", 1); }) == fifo + ": not a regular file (a FIFO)");
    CHECK(fs::is_fifo(fifo));
    CHECK(d.names() == std::vector<std::string>{"model.fifo"});
}

namespace {

// a pid that no longer exists: a child that has exited and been reaped
pid_t dead_pid() {
    pid_t p = ::fork();
    if (p == 0) ::_exit(0);
    REQUIRE(p > 0);
    int status = 0;
    REQUIRE(::waitpid(p, &status, 0) == p);
    return p;
}

}  // namespace

TEST_CASE("file_io: temporary files of killed writes are removed by the next write to the path", "[file_io]") {
    temp_dir d;
    const std::string p = (d.path / "m.mfm").string();
    const std::string dead = std::to_string((long) dead_pid());
    const std::string live = std::to_string((long) ::getppid());  // our parent runs
    const std::string self = std::to_string((long) ::getpid());   // another thread may be writing
    // what a writer killed between its temporary file and the rename leaves
    d.file("m.mfm.tmp." + dead + ".0", std::string(5000, 'x'));
    d.file("m.mfm.tmp." + dead + ".17", "y");
    // not stale, or not ours: kept
    const std::vector<std::string> kept = {
        "m.mfm.tmp." + live + ".0",   "m.mfm.tmp." + self + ".99", "m.mfm.tmp." + dead + ".x",
        "m.mfm.tmp." + dead,          "m.mfm.tmp.abc.1",           "other.mfm.tmp." + dead + ".0",
        "m.mfm.tmp." + dead + ".1.2", "xm.mfm.tmp." + dead + ".0"};
    for (const std::string & k : kept) d.file(k, "z");
    fs::create_directory(d.path / ("m.mfm.tmp." + dead + ".5"));  // not a regular file: kept
    file_write_atomic(p, "data", 4);
    CHECK(file_read_all(p, 10) == bytes_of("data"));
    auto names = d.names();
    std::sort(names.begin(), names.end());
    std::vector<std::string> want = kept;
    want.push_back("m.mfm");
    want.push_back("m.mfm.tmp." + dead + ".5");
    std::sort(want.begin(), want.end());
    CHECK(names == want);

    // the helper on its own, and in a relative path
    d.file("m.mfm.tmp." + dead + ".3", "w");
    CHECK(remove_stale_temp_files(p) == 1);
    CHECK(remove_stale_temp_files(p) == 0);
    const fs::path old = fs::current_path();
    fs::current_path(d.path);
    d.file("m.mfm.tmp." + dead + ".4", "w");
    file_write_atomic("m.mfm", "new", 3);
    fs::current_path(old);
    CHECK(!fs::exists(d.path / ("m.mfm.tmp." + dead + ".4")));
    CHECK(file_read_all(p, 10) == bytes_of("new"));
}

TEST_CASE("file_io: file_check_writable tells, before a long run, whether the output can be written", "[file_io]") {
    temp_dir d;
    const std::string p = (d.path / "model.mfm").string();
    CHECK_NOTHROW(file_check_writable(p));
    CHECK(d.names().empty());  // its probe file is gone
    file_write_atomic(p, "x", 1);
    CHECK_NOTHROW(file_check_writable(p));  // an existing file is replaced
    CHECK(d.names() == std::vector<std::string>{"model.mfm"});

    const std::string missing = (d.path / "no" / "m.mfm").string();
    CHECK(error_of([&] { file_check_writable(missing); }) ==
          missing + ": directory " + (d.path / "no").string() + " does not exist");
    CHECK(error_of([&] { file_check_writable(d.str()); }) == d.str() + ": Is a directory");
    CHECK(error_of([&] { file_check_writable(d.str() + "/"); }) == d.str() + "/: Is a directory");
    const std::string under_file = p + "/m.mfm";
    CHECK(error_of([&] { file_check_writable(under_file); }) == under_file + ": " + p + " is not a directory");
    const std::string fifo = (d.path / "f").string();
    REQUIRE(::mkfifo(fifo.c_str(), 0644) == 0);
    CHECK(error_of([&] { file_check_writable(fifo); }) == fifo + ": not a regular file (a FIFO)");
    CHECK(error_of([&] { file_check_writable(""); }) == "an empty output path");
    if (file_exists("/dev/null")) {
        CHECK(error_of([&] { file_check_writable("/dev/null"); }) ==
              "/dev/null: not a regular file (a character device)");
    }

    // a directory we may not write in: a read-only one (not for root, who may write anyway), or
    // /sys (where root may not create files either)
    std::string ro_dir;
    if (::geteuid() != 0) {
        ro_dir = (d.path / "ro").string();
        fs::create_directory(ro_dir);
        fs::permissions(ro_dir, fs::perms::owner_read | fs::perms::owner_exec);
    } else if (fs::is_directory("/sys/kernel")) {
        ro_dir = "/sys";
    }
    if (!ro_dir.empty()) {
        const std::string e = error_of([&] { file_check_writable(ro_dir + "/m.mfm"); });
        CHECK(e.find(ro_dir + "/m.mfm: cannot create a file in " + ro_dir + ": ") == 0);
        CHECK_THAT(e, Catch::Contains("denied") || Catch::Contains("Read-only"));
        if (ro_dir != "/sys") fs::permissions(ro_dir, fs::perms::owner_all);
    } else {
        WARN("no unwritable directory to try");
    }
}
