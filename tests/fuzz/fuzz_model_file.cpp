// fuzz_model_file.cpp - libFuzzer target for the .mfm reader and the model file decoder.
//
// Every input goes through (1) model_file_read with all checks, and (2) mfm_open with the payload
// CRCs skipped followed by model_file_decode, so mutated payloads reach the decoder. Any input
// the reader accepts must re-encode to a file that reads back and re-encodes to the same bytes.
//
// Build: cmake -DMFREC_FUZZ=ON (clang-14 + libclang-rt-14-dev from Debian), ninja fuzz; run:
//   MFREC_FUZZ_SEED_DIR=corpus build-fuzz/tests/fuzz/fuzz_model_file -max_total_time=60 corpus
// MFREC_FUZZ_SEED_DIR makes the target write a small valid model (seed.mfm) into the corpus
// before fuzzing starts; real models from `mfrec train --out` are good seeds as well.
#include <sys/stat.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "mfm.h"
#include "model_file.h"

namespace {

// a small valid model file, so an empty corpus starts from a structured input
std::vector<uint8_t> seed_file() {
    mf::model m;
    m.k = 2;
    m.mu = 3.5f;
    m.users = mf::matrix_f::Constant(2, 3, 0.5f);
    m.items = mf::matrix_f::Constant(3, 3, -0.25f);
    m.genres = mf::matrix_f::Constant(2, 3, 0.125f);
    m.user_ids = {1, 2};
    m.user_counts = {3, 4};
    m.item_counts = {1, 0, 2};
    m.items_info.genre_names = {"Comedy", "Drama"};
    m.items_info.add(10, "A (1999)", 1);
    m.items_info.add(20, "B \"quoted\" é", 2);
    m.items_info.add(30, "", 3);
    return mf::model_file_write(m);
}

void check_reencode(const mf::model & m) {
    const std::vector<uint8_t> a = mf::model_file_write(m);
    auto back = mf::model_file_read(a.data(), a.size());
    if (!back.ok()) __builtin_trap();
    if (mf::model_file_write(*back) != a) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
    if (const char * dir = std::getenv("MFREC_FUZZ_SEED_DIR")) {
        ::mkdir(dir, 0755);
        const std::vector<uint8_t> seed = seed_file();
        const std::string path = std::string(dir) + "/seed.mfm";
        if (FILE * f = std::fopen(path.c_str(), "wb")) {
            std::fwrite(seed.data(), 1, seed.size(), f);
            std::fclose(f);
        }
    }
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t * data, size_t size) {
    // an 8-byte aligned copy, as the reader requires (std::vector storage is)
    std::vector<uint8_t> bytes(data, data + size);
    auto full = mf::model_file_read(bytes.data(), bytes.size());
    if (full.ok()) {
        check_reencode(*full);
    } else if (full.error().empty()) {
        __builtin_trap();  // a failure must say what is wrong
    }
    auto r = mf::mfm_open(bytes.data(), bytes.size(), false);
    if (r.ok()) {
        for (const auto & s : r->sections) {
            // the typed getters must agree with what the table declared
            if (s.type == mf::mfm_type::f32 && !r->f32(s.name, s.shape[0], s.shape[1], s.shape[2]).ok())
                __builtin_trap();
        }
        auto m = mf::model_file_decode(*r);
        if (m.ok()) check_reencode(*m);
    }
    return 0;
}
