// test_isa_cli.cpp - `mfrec info --cpu` names the kernel path that runs; MFREC_ISA forces one
// and a path the CPU lacks (or an unknown name) is refused before any work.
#include <sys/wait.h>

#include <array>
#include <catch2/catch.hpp>
#include <cstdio>
#include <string>

#include "cpu.h"

namespace {

// stdout + stderr of `MFREC_ISA=<isa> mfrec <args>` and its exit code
int run_isa(const std::string & isa_env, const std::string & args, std::string & out) {
    std::string cmd = "MFREC_ISA=" + isa_env + " " + std::string(MFREC_BINARY) + " " + args + " 2>&1";
    out.clear();
    FILE * p = popen(cmd.c_str(), "r");
    if (!p) return -1;
    std::array<char, 4096> buf;
    size_t n;
    while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST_CASE("info --cpu reports the forced path, or the best one the CPU runs", "[cli][isa]") {
    std::string out;
    REQUIRE(run_isa("auto", "info --cpu --format json", out) == 0);
    INFO(out);
    REQUIRE(out.find(std::string("\"path\": \"") + mf::isa_name(mf::isa_best()) + "\"") != std::string::npos);
    if (mf::isa_compiled(mf::isa::avx512))  // x86-64
        REQUIRE(out.find("\"paths compiled\": \"portable avx2 avx512\"") != std::string::npos);
    REQUIRE(run_isa("portable", "info --cpu --format json", out) == 0);
    REQUIRE(out.find("\"path\": \"portable\"") != std::string::npos);
    REQUIRE(out.find("\"half-precision gathers\": \"no\"") != std::string::npos);
    for (mf::isa i : {mf::isa::avx2, mf::isa::avx512}) {
        const int code = run_isa(mf::isa_name(i), "info --cpu --format json", out);
        INFO(out);
        if (mf::isa_runs(i)) {
            REQUIRE(code == 0);
            REQUIRE(out.find(std::string("\"path\": \"") + mf::isa_name(i) + "\"") != std::string::npos);
        } else {  // refused, naming the path and what the CPU has
            REQUIRE(code != 0);
            REQUIRE(out.find(std::string("kernel path '") + mf::isa_name(i) + "' needs instructions") !=
                    std::string::npos);
        }
    }
}

TEST_CASE("an unknown MFREC_ISA is refused before any work", "[cli][isa]") {
    std::string out;
    REQUIRE(run_isa("sse9", "info --cpu", out) == 1);
    REQUIRE(out.find("MFREC_ISA='sse9': expected portable, avx2, avx512 or auto") != std::string::npos);
}
