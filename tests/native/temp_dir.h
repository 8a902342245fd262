// temp_dir.h - a fresh directory per test (unique across processes: ctest runs cases in
// parallel), removed with everything in it at the end.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

struct temp_dir {
    std::filesystem::path path;
    temp_dir() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "mfrec-test-XXXXXX").string();
        if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        path = tmpl;
    }
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    temp_dir(const temp_dir &) = delete;
    temp_dir & operator=(const temp_dir &) = delete;

    // writes `bytes` to path/name; returns the full path
    std::string file(const std::string & name, const std::string & bytes) const {
        std::ofstream(path / name, std::ios::binary) << bytes;
        return (path / name).string();
    }
    std::string str() const { return path.string(); }
    std::vector<std::string> names() const {
        std::vector<std::string> out;
        for (const auto & e : std::filesystem::directory_iterator(path)) out.push_back(e.path().filename().string());
        return out;
    }
};
