// fuzz_bundle.cpp - libFuzzer target for the web-bundle reader (bundle_read, web_model_read).
//
// The input is an .mfm file (a web bundle or a model file: the page accepts either). Every input
// goes through
//   (1) web_model_read and bundle_read as they are: they must return, with a message on failure;
//   (2) the same after the container is rewritten with fresh CRCs (mfm_open without the payload
//       CRCs, then mfm_writer), so that mutated payloads reach the decoders.
// Whatever is accepted must be a consistent page model (no users, one row per catalog entry,
// model_file_check passes, map and basis of the right shapes), and a web bundle that is accepted
// must re-encode (float32, no stored xy) to a bundle that reads back to the same items.
//
// Build: cmake -DMFREC_FUZZ=ON (clang-14 + libclang-rt-14-dev from Debian), ninja fuzz.
// MFREC_FUZZ_SEED_DIR=DIR makes the target write small valid seeds into DIR first (a bundle of
// each quantization, a model file, and regressions that must be refused); pass them with -seed_inputs or use DIR as the
// corpus:
//   MFREC_FUZZ_SEED_DIR=corpus build-fuzz/tests/fuzz/fuzz_bundle -max_total_time=60 corpus
// Real bundles (`mfrec export-web`) and models (`mfrec train --out`) are good seeds as well.
#include <sys/stat.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bundle.h"
#include "mfm.h"
#include "model_file.h"

namespace {

void check(bool ok, const char * what) {
    if (!ok) {
        std::fprintf(stderr, "fuzz_bundle: check failed: %s\n", what);
        std::abort();
    }
}

// a small trained-looking model: 3 users, 5 items, 2 genres, k = 3, no two rows alike
mf::model seed_model() {
    mf::model m;
    m.k = 3;
    m.mu = 3.5f;
    const int K = m.k + 1;
    auto fill = [](mf::matrix_f & a, int rows, int cols, float s) {
        a.resize(rows, cols);
        for (int r = 0; r < rows; ++r)
            for (int c = 0; c < cols; ++c) a(r, c) = s * (float) ((r * 7 + c * 3) % 11 - 5) / 5.0f;
    };
    fill(m.users, 3, K, 0.4f);
    fill(m.items, 5, K, 0.3f);
    fill(m.genres, 2, K, 0.1f);
    m.user_ids = {1, 2, 7};
    m.user_counts = {3, 4, 1};
    m.item_counts = {1, 0, 2, 9, 5};
    m.items_info.genre_names = {"Comedy", "Drama"};
    m.items_info.add(10, "A (1999)", 1);
    m.items_info.add(20, "B \"quoted\" \xC3\xA9", 2);
    m.items_info.add(30, "", 3);
    m.items_info.add(40, "D (2001)", 0);
    m.items_info.add(50, "E", 1);
    return m;
}

struct seed {
    const char * name;
    std::vector<uint8_t> bytes;
};

std::vector<seed> seeds() {
    const mf::model m = seed_model();
    std::vector<seed> out;
    mf::bundle_options o;
    o.quant = mf::bundle_quant::int8;
    out.push_back({"bundle_int8.mfm", mf::bundle_write(m, o)});
    o.quant = mf::bundle_quant::f16;
    o.xy = mf::bundle_xy::f16;
    out.push_back({"bundle_f16_xy16.mfm", mf::bundle_write(m, o)});
    o.quant = mf::bundle_quant::f32;
    o.xy = mf::bundle_xy::f32;
    o.rotate = false;
    out.push_back({"bundle_f32_xy32.mfm", mf::bundle_write(m, o)});
    out.push_back({"model.mfm", mf::model_file_write(m)});
    for (const seed & s : out) {
        check(!s.bytes.empty(), "the seeds encode");
        check(mf::web_model_read(s.bytes.data(), s.bytes.size()).ok(), "the seeds read back");
    }
    // regression: an int8 scale that is finite but overflows float32 times a code (accepted
    // once, giving infinite item vectors); must be refused
    {
        const std::vector<uint8_t> & b = out[0].bytes;
        mf::result<mf::mfm_reader> r = mf::mfm_open(b.data(), b.size());
        check(r.ok(), "the int8 seed opens");
        mf::mfm_writer w;
        for (const mf::mfm_section & s : r->sections) {
            std::vector<uint8_t> payload(s.data, s.data + s.size);
            if (s.name == "item_q8_scale" && payload.size() >= sizeof(float)) {
                const float huge = 3e38f;
                std::memcpy(payload.data(), &huge, sizeof huge);
            }
            w.add(s.name, s.type, payload.data(), s.shape[0], s.shape[1], s.shape[2]);
        }
        out.push_back({"bundle_int8_scale_overflow.mfm", w.finish()});
        check(!mf::bundle_read(out.back().bytes.data(), out.back().bytes.size()).ok(),
              "an int8 scale that overflows is refused");
    }
    return out;
}

void check_web_model(const mf::web_model & w) {
    const mf::model & m = w.m;
    const size_t n = (size_t) m.n_items();
    check(m.k >= 0, "k");
    check(m.n_users() == 0 && m.user_ids.empty() && m.user_counts.empty(), "a page model has no users");
    check(m.items.cols() == m.k + 1 && m.genres.cols() == m.k + 1, "factor widths");
    check(m.items_info.movie_id.size() == n && m.items_info.title.size() == n && m.item_counts.size() == n,
          "one catalog row per item row");
    check(mf::model_file_check(m).ok(), "model_file_check");
    check(w.extras.item_xy.size() == 2 * n, "two map coordinates per item");
    check(w.extras.basis.rows() == m.k && w.extras.basis.cols() == m.k, "basis k x k");
    check(w.extras.map.k == m.k && w.extras.map.mean.size() == m.k && w.extras.map.axes.rows() == 2 &&
              w.extras.map.axes.cols() == m.k,
          "map shapes");
    check(w.extras.cold_threshold >= 0, "cold threshold");
}

// an accepted bundle re-encodes and reads back to the same items
void check_reencode(const mf::web_model & w) {
    mf::bundle_options o;
    o.quant = mf::bundle_quant::f32;
    o.xy = mf::bundle_xy::none;
    o.rotate = false;
    o.cold_threshold = w.extras.cold_threshold;
    const std::vector<uint8_t> b = mf::bundle_write(w, o);
    check(!b.empty(), "an accepted bundle re-encodes");
    mf::result<mf::web_model> back = mf::bundle_read(b.data(), b.size());
    if (!back.ok()) std::fprintf(stderr, "fuzz_bundle: re-read: %s\n", back.error().c_str());
    check(back.ok(), "a re-encoded bundle reads back");
    check(back->m.items.rows() == w.m.items.rows() && back->m.items == w.m.items, "same item rows");
    check(back->m.genres.rows() == w.m.genres.rows() && back->m.genres == w.m.genres, "same genre rows");
    check(back->m.items_info.movie_id == w.m.items_info.movie_id && back->m.items_info.title == w.m.items_info.title &&
              back->m.items_info.genres == w.m.items_info.genres && back->m.items_info.year == w.m.items_info.year &&
              back->m.items_info.genre_names == w.m.items_info.genre_names && back->m.item_counts == w.m.item_counts,
          "same catalog");
}

void read_all(const std::vector<uint8_t> & bytes) {
    mf::result<mf::web_model> any = mf::web_model_read(bytes.data(), bytes.size());
    if (any.ok()) {
        check_web_model(*any);
    } else {
        check(!any.error().empty(), "a failure says what is wrong");
    }
    mf::result<mf::web_model> b = mf::bundle_read(bytes.data(), bytes.size());
    if (b.ok()) {
        check(any.ok(), "what bundle_read accepts, web_model_read accepts");
        check_web_model(*b);
        check_reencode(*b);
    } else {
        check(!b.error().empty(), "a failure says what is wrong");
    }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
    if (const char * dir = std::getenv("MFREC_FUZZ_SEED_DIR")) {
        ::mkdir(dir, 0755);
        for (const seed & s : seeds()) {
            const std::string path = std::string(dir) + "/" + s.name;
            FILE * f = std::fopen(path.c_str(), "wb");
            check(f != nullptr, "MFREC_FUZZ_SEED_DIR is writable");
            std::fwrite(s.bytes.data(), 1, s.bytes.size(), f);
            std::fclose(f);
        }
    }
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t * data, size_t size) {
    // an 8-byte aligned copy, as the reader requires (std::vector storage is)
    const std::vector<uint8_t> bytes(data, data + size);
    read_all(bytes);

    // the same container with fresh payload CRCs: mutated payloads reach the decoders
    mf::result<mf::mfm_reader> r = mf::mfm_open(bytes.data(), bytes.size(), false);
    if (!r.ok()) return 0;
    mf::mfm_writer w;
    for (const mf::mfm_section & s : r->sections)
        if (!w.add(s.name, s.type, s.data, s.shape[0], s.shape[1], s.shape[2])) return 0;
    const std::vector<uint8_t> fixed = w.finish();
    if (!fixed.empty() && fixed != bytes) read_all(fixed);
    return 0;
}
