// test_model_file.cpp - model <-> .mfm: bit-exact round trip, every truncation and every bit flip
// rejected, cross-section checks naming the wrong section, web bundle vs model.
#include <catch2/catch.hpp>
#include <cstring>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "mfm.h"
#include "model_file.h"

using namespace mf;

namespace {

// 7 users, 11 items, k = 4, 3 genres; titles with UTF-8, quotes and an empty one
model make_model(uint32_t seed = 1, int k = 4) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    model m;
    m.params.kind = model_kind::als;
    m.params.factors = k;
    m.params.iterations = 9;
    m.params.reg = 11.5f;
    m.params.reg_bias = 4.25f;
    m.params.reg_genre = 0.5f;
    m.params.genre_prior = 0.75f;
    m.params.reg_by_count = true;
    m.params.solver = solver_kind::cg;
    m.params.cg_steps = 4;
    m.params.init_std = 0.05f;
    m.params.seed = 0xFEDCBA9876543210ull;
    m.params.threads = 0;  // run-time only: not stored
    m.scale = rating_scale{1.0f, 5.0f, 1.0f};
    m.mu = 3.5123f;
    m.k = k;
    m.users = matrix_f(7, k + 1);
    m.items = matrix_f(11, k + 1);
    m.genres = matrix_f(3, k + 1);
    for (matrix_f * x : {&m.users, &m.items, &m.genres}) {
        for (Eigen::Index i = 0; i < x->size(); ++i) x->data()[i] = normal(rng);
    }
    m.items(3, 1) = -0.0f;
    m.items(4, 2) = 1e-42f;  // subnormal: must survive bit for bit
    for (int u = 0; u < 7; ++u) {
        m.user_ids.push_back(100 + 3 * u);
        m.user_counts.push_back(5 + u);
    }
    catalog & c = m.items_info;
    c.genre_names = {"Comedy", "Drama", "Film-Noir"};
    const char * titles[11] = {"Toy Story (1995)",
                               "Amélie (Fabuleux destin d'Amélie Poulain, Le) (2001)",
                               "\"Great\" Escape, The (1963)",
                               "",
                               "Léon: The Professional (a.k.a. The Professional) (Léon) (1994)",
                               "千と千尋の神隠し (2001)",
                               "Back\\slash <b>not html</b> & co",
                               "No year",
                               "Tab\there",
                               "Emoji 🎬 (2020)",
                               "Last (1900)"};
    for (int i = 0; i < 11; ++i) {
        c.add(1 + i * 7, titles[i], (uint32_t) (i % 8));
        m.item_counts.push_back(i == 3 ? 0 : 10 * i);
    }
    c.year[7] = 1234;  // years are stored, not re-derived from titles
    return m;
}

bool bits_equal(const matrix_f & a, const matrix_f & b) {
    return a.rows() == b.rows() && a.cols() == b.cols() &&
           (a.size() == 0 || std::memcmp(a.data(), b.data(), sizeof(float) * (size_t) a.size()) == 0);
}

void require_same(const model & a, const model & b) {
    const train_params &p = a.params, &q = b.params;
    REQUIRE(p.kind == q.kind);
    REQUIRE(p.factors == q.factors);
    REQUIRE(p.iterations == q.iterations);
    REQUIRE(std::memcmp(&p.reg, &q.reg, 4) == 0);
    REQUIRE(std::memcmp(&p.reg_bias, &q.reg_bias, 4) == 0);
    REQUIRE(std::memcmp(&p.reg_genre, &q.reg_genre, 4) == 0);
    REQUIRE(std::memcmp(&p.genre_prior, &q.genre_prior, 4) == 0);
    REQUIRE(p.reg_by_count == q.reg_by_count);
    REQUIRE(p.solver == q.solver);
    REQUIRE(p.cg_steps == q.cg_steps);
    REQUIRE(std::memcmp(&p.init_std, &q.init_std, 4) == 0);
    REQUIRE(p.seed == q.seed);
    REQUIRE(p.threads == q.threads);
    REQUIRE(a.scale.min == b.scale.min);
    REQUIRE(a.scale.max == b.scale.max);
    REQUIRE(a.scale.step == b.scale.step);
    REQUIRE(std::memcmp(&a.mu, &b.mu, 4) == 0);
    REQUIRE(a.k == b.k);
    REQUIRE(bits_equal(a.users, b.users));
    REQUIRE(bits_equal(a.items, b.items));
    REQUIRE(bits_equal(a.genres, b.genres));
    REQUIRE(a.user_ids == b.user_ids);
    REQUIRE(a.user_counts == b.user_counts);
    REQUIRE(a.item_counts == b.item_counts);
    const catalog &c = a.items_info, &d = b.items_info;
    REQUIRE(c.movie_id == d.movie_id);
    REQUIRE(c.title == d.title);
    REQUIRE(c.year == d.year);
    REQUIRE(c.genres == d.genres);
    REQUIRE(c.genre_names == d.genre_names);
    REQUIRE(c.index == d.index);
}

std::string read_error(const std::vector<uint8_t> & f) {
    auto r = model_file_read(f.data(), f.size());
    return r ? std::string() : r.error();
}

// Copies the sections of a valid file into a new container, letting `edit` drop (return false)
// or replace (call w.add itself and return false) any of them.
using section_edit = std::function<bool(const mfm_section &, mfm_writer &)>;
std::vector<uint8_t> rewrite(const std::vector<uint8_t> & f, const section_edit & edit) {
    auto r = mfm_open(f.data(), f.size());
    REQUIRE(r.ok());
    mfm_writer w;
    for (const auto & s : r->sections) {
        if (edit(s, w)) w.add(s.name, s.type, s.data, s.shape[0], s.shape[1], s.shape[2]);
    }
    auto out = w.finish();
    REQUIRE(!out.empty());
    return out;
}

std::vector<uint8_t> without(const std::vector<uint8_t> & f, const std::string & name) {
    return rewrite(f, [&](const mfm_section & s, mfm_writer &) { return s.name != name; });
}

template <class T>
std::vector<uint8_t> replaced(const std::vector<uint8_t> & f, const std::string & name, mfm_type type,
                              const std::vector<T> & v, uint64_t rows, uint64_t cols = 1) {
    return rewrite(f, [&](const mfm_section & s, mfm_writer & w) {
        if (s.name != name) return true;
        w.add(name, type, v.data(), rows, cols);
        return false;
    });
}

}  // namespace

TEST_CASE("model file: round trip is bit-exact, write -> read -> write gives the same bytes", "[model_file]") {
    const model m = make_model();
    REQUIRE(model_file_check(m).ok());
    const std::vector<uint8_t> f = model_file_write(m);
    REQUIRE(!f.empty());
    auto r = model_file_read(f.data(), f.size());
    INFO(r.error());
    REQUIRE(r.ok());
    require_same(m, *r);
    CHECK(r->items_info.find(1 + 5 * 7) == 5);
    CHECK(r->items_info.title[5] == "千と千尋の神隠し (2001)");
    CHECK(r->find_user(106) == 2);
    CHECK(r->predict_raw(2, 5) == m.predict_raw(2, 5));
    CHECK(model_file_write(*r) == f);
    // a second, different model gives different bytes (the test would catch a writer ignoring data)
    CHECK(model_file_write(make_model(2)) != f);
}

TEST_CASE("model file: degenerate models round trip (k = 0, no users, no genres)", "[model_file]") {
    model m;
    m.params.kind = model_kind::bias;
    m.mu = 3.0f;
    m.k = 0;
    m.users = matrix_f(0, 1);
    m.genres = matrix_f(0, 1);
    m.items = matrix_f::Constant(2, 1, 0.25f);
    m.items_info.add(10, "A (2000)", 0);
    m.items_info.add(20, "B", 0);
    m.item_counts = {1, 0};
    const auto f = model_file_write(m);
    auto r = model_file_read(f.data(), f.size());
    INFO(r.error());
    REQUIRE(r.ok());
    require_same(m, *r);
    CHECK(model_file_write(*r) == f);

    model empty;  // the default model: k = 0, no rows at all, 0×0 matrices written as 0×0
    empty.users = empty.items = empty.genres = matrix_f(0, 1);
    const auto g = model_file_write(empty);
    auto e = model_file_read(g.data(), g.size());
    INFO(e.error());
    REQUIRE(e.ok());
    require_same(empty, *e);
}

TEST_CASE("model file: every truncation is rejected with a message", "[model_file]") {
    const std::vector<uint8_t> f = model_file_write(make_model());
    for (size_t n = 0; n < f.size(); ++n) {
        std::vector<uint8_t> g(f.begin(), f.begin() + (std::ptrdiff_t) n);
        auto r = model_file_read(g.data(), g.size());
        REQUIRE(!r.ok());
        REQUIRE(!r.error().empty());
    }
    std::vector<uint8_t> g(f.begin(), f.end() - 100);
    CHECK(read_error(g) == "truncated: the header says " + std::to_string(f.size()) + " bytes, " +
                               std::to_string(f.size() - 100) + " present" +
                               " (section genre_name_offsets and every later one cut off: an incomplete download?)");
}

TEST_CASE("model file: every single-bit flip is rejected, never a different model", "[model_file]") {
    const model m = make_model();
    const std::vector<uint8_t> f = model_file_write(m);
    std::vector<uint8_t> g(f);
    size_t accepted = 0;
    for (size_t bit = 0; bit < f.size() * 8; ++bit) {
        g[bit / 8] ^= (uint8_t) (1u << (bit % 8));
        auto r = model_file_read(g.data(), g.size());
        if (r.ok()) {
            // allowed only if nothing that matters changed; the format makes even this impossible
            require_same(m, *r);
            ++accepted;
        } else {
            REQUIRE(!r.error().empty());
        }
        g[bit / 8] ^= (uint8_t) (1u << (bit % 8));
    }
    CHECK(accepted == 0);
    CHECK(g == f);
}

TEST_CASE("model file: header problems are reported plainly", "[model_file]") {
    const std::vector<uint8_t> f = model_file_write(make_model());
    std::vector<uint8_t> g(f);
    std::memcpy(g.data(), "movieId,", 8);
    CHECK(read_error(g) == "not an mfrec file: magic \"MFRECMFM\" expected, \"movieId,\" found");
    g = f;
    g[8] = 7;
    CHECK(read_error(g) == "version 7 not supported (this build reads version 1; upgrade mfrec)");
    g = f;
    const uint32_t be = 0x04030201u;
    std::memcpy(g.data() + 12, &be, 4);
    CHECK(read_error(g).find("big-endian") != std::string::npos);
    CHECK(read_error({}) == "empty file (0 bytes)");
}

TEST_CASE("model file: a missing section is named", "[model_file]") {
    const std::vector<uint8_t> f = model_file_write(make_model());
    for (const char * name : {"k", "mu", "params", "user_ids", "user_counts", "user_factors", "item_ids", "item_counts",
                              "item_factors", "item_years", "item_genres", "item_titles", "item_title_offsets",
                              "genre_names", "genre_name_offsets", "genre_factors"}) {
        CHECK(read_error(without(f, name)) == std::string("section ") + name + ": missing");
    }
    CHECK(read_error(without(f, "kind")) == "section kind: missing (not an mfrec model file)");
}

TEST_CASE("model file: shapes are cross-checked and the wrong section is named", "[model_file]") {
    const std::vector<uint8_t> f = model_file_write(make_model());
    const std::vector<float> twelve(3, 0.5f);
    CHECK(read_error(replaced(f, "item_factors", mfm_type::f32, twelve, 3)) ==
          "section item_factors: 11×5×4 bytes expected, 12 found");
    const std::vector<float> wide(11 * 6, 0.5f);
    CHECK(read_error(replaced(f, "item_factors", mfm_type::f32, wide, 11, 6)) ==
          "section item_factors: 11×5×4 bytes expected, 264 found");
    const std::vector<float> narrow(7 * 3, 0.5f);
    CHECK(read_error(replaced(f, "user_factors", mfm_type::f32, narrow, 7, 3)) ==
          "section user_factors: 7×5×4 bytes expected, 84 found");
    CHECK(read_error(replaced(f, "genre_factors", mfm_type::f32, narrow, 7, 3)) ==
          "section genre_factors: 7×5×4 bytes expected, 84 found");
    const std::vector<int32_t> ten(10, 1);
    CHECK(read_error(replaced(f, "item_counts", mfm_type::i32, ten, 10)) ==
          "section item_counts: 11×4 bytes expected, 40 found");
    CHECK(read_error(replaced(f, "user_counts", mfm_type::i32, ten, 10)) ==
          "section user_counts: 7×4 bytes expected, 40 found");
    const std::vector<int16_t> years(10, 1);
    CHECK(read_error(replaced(f, "item_years", mfm_type::i16, years, 10)) ==
          "section item_years: 11×2 bytes expected, 20 found");
    CHECK(read_error(replaced(f, "item_genres", mfm_type::i32, ten, 10)) ==
          "section item_genres: type u32 expected, i32 found");
    const std::vector<uint64_t> off(5, 0);
    CHECK(read_error(replaced(f, "item_title_offsets", mfm_type::u64, off, 5)) ==
          "section item_title_offsets: 12×8 bytes expected, 40 found");
    const std::vector<int32_t> k(1, 3);
    CHECK(read_error(replaced(f, "k", mfm_type::i32, k, 1)) == "section user_factors: 7×4×4 bytes expected, 140 found");
}

TEST_CASE("model file: ids, counts, offsets and genre masks are checked", "[model_file]") {
    const model m = make_model();
    const std::vector<uint8_t> f = model_file_write(m);
    {
        std::vector<int32_t> ids = m.items_info.movie_id;
        ids[9] = ids[2];
        CHECK(read_error(replaced(f, "item_ids", mfm_type::i32, ids, 11)) ==
              "section item_ids: id 15 appears twice (rows 2 and 9)");
    }
    {
        std::vector<int32_t> ids = m.user_ids;
        ids[6] = ids[0];
        CHECK(read_error(replaced(f, "user_ids", mfm_type::i32, ids, 7)) ==
              "section user_ids: id 100 appears twice (rows 0 and 6)");
    }
    {
        std::vector<int32_t> c = m.item_counts;
        c[4] = -1;
        CHECK(read_error(replaced(f, "item_counts", mfm_type::i32, c, 11)) ==
              "section item_counts: row 4 has a negative count (-1)");
    }
    {
        std::vector<uint64_t> off(12);
        uint64_t at = 0;
        for (int i = 0; i < 11; ++i) {
            off[i] = at;
            at += m.items_info.title[i].size();
        }
        off[11] = at;
        std::vector<uint64_t> bad = off;
        std::swap(bad[4], bad[5]);
        CHECK(read_error(replaced(f, "item_title_offsets", mfm_type::u64, bad, 12))
                  .find("section item_title_offsets: offset 5 (") == 0);
        bad = off;
        bad[0] = 1;
        CHECK(read_error(replaced(f, "item_title_offsets", mfm_type::u64, bad, 12)) ==
              "section item_title_offsets: first offset 1, 0 expected");
        bad = off;
        bad[11] += 1;
        CHECK(read_error(replaced(f, "item_title_offsets", mfm_type::u64, bad, 12)) ==
              "section item_title_offsets: last offset " + std::to_string(at + 1) + ", but item_titles has " +
                  std::to_string(at) + " bytes");
    }
    {
        std::vector<uint32_t> g = m.items_info.genres;
        g[6] = 1u << 3;  // only 3 genre names
        CHECK(read_error(replaced(f, "item_genres", mfm_type::u32, g, 11)) ==
              "section item_genres: row 6 (movie 43) uses genre bit 3, but genre_names has 3 names");
    }
    {
        auto params = [&](const std::string & text) {
            return read_error(rewrite(f, [&](const mfm_section & s, mfm_writer & w) {
                if (s.name != "params") return true;
                w.add_text("params", text);
                return false;
            }));
        };
        CHECK(params("model=als\nsolver=lu\n") == "section params: solver: 'lu' is not one of cholesky|cg");
        CHECK(params("model=als\nreg_by_count=2\n") == "section params: reg_by_count: 2 is outside 0..1");
        CHECK(params("model=als\nfactors=1099511627776\n") ==
              "section params: factors: 1099511627776 is outside 1..1024");
        CHECK(params("model=als\nregularization=inf\n") ==
              "section params: regularization: inf is not a finite number");
        CHECK(params("model=als\nregularization=nan\n") ==
              "section params: regularization: nan is not a finite number");
        CHECK(params("model=svdpp\n") == "section params: model kind 'svdpp' unknown");
        CHECK(params("model=als\nfactors 4\n") == "section params: line 2 has no '='");
        // a parameter of a newer writer is skipped (forward compatibility)
        CHECK(params("model=als\nfactors=4\nfuture_knob=3\n") == "");
    }
    {
        const std::vector<int32_t> k(1, -1);
        CHECK(read_error(replaced(f, "k", mfm_type::i32, k, 1)) ==
              "section k: -1 is not a valid number of factors (0-1024)");
    }
}

TEST_CASE("model file: a web bundle or another kind is told apart from a model", "[model_file]") {
    const std::vector<uint8_t> f = model_file_write(make_model());
    auto as_kind = [&](const std::string & kind) {
        return rewrite(f, [&](const mfm_section & s, mfm_writer & w) {
            if (s.name != "kind") return true;
            w.add_text("kind", kind);
            return false;
        });
    };
    CHECK(read_error(as_kind(web_bundle_kind)).find("this is a web bundle, not a model") == 0);
    CHECK(read_error(as_kind("model.v2")) == "section kind: \"model.v2\" is not a model (\"model\" expected)");
    // unknown extra sections are ignored (forward compatibility)
    auto extra = rewrite(f, [&](const mfm_section & s, mfm_writer & w) {
        if (s.name == "mu") w.add_text("future_thing", "ignored");
        return true;
    });
    CHECK(read_error(extra) == "");
}

TEST_CASE("model file: an inconsistent model in memory is caught by model_file_check and by the reader",
          "[model_file]") {
    model m = make_model();
    m.item_counts.pop_back();
    CHECK(model_file_check(m).error == "section item_counts: 11 rows expected (one per item id), 10 found");
    auto f = model_file_write(m);
    CHECK(read_error(f) == "section item_counts: 11×4 bytes expected, 40 found");

    m = make_model();
    m.genres = matrix_f::Zero(3, 2);
    CHECK(model_file_check(m).error == "section genre_factors: 3×5 expected (k = 4), 3×2 found");
    m = make_model();
    m.items_info.title.pop_back();
    CHECK(model_file_check(m).error ==
          "section item_title_offsets: 11 rows expected (one title per item id), 10 found");
    m = make_model();
    m.params.kind = (model_kind) 9;
    CHECK(model_file_check(m).error == "section params: model kind 9 unknown");
    m = make_model();
    m.items(5, 2) = std::numeric_limits<float>::quiet_NaN();
    CHECK(model_file_check(m).error == "section item_factors: value 27 is not finite");
    CHECK(read_error(model_file_write(m)) == "section item_factors: value 27 is not finite");
    m = make_model();
    m.mu = std::numeric_limits<float>::infinity();
    CHECK(model_file_check(m).error == "section mu: not finite");
}

TEST_CASE("model file: a forged k is refused before anything is allocated", "[model_file]") {
    // a sealed model with empty matrices and k = 2^31 - 2 (it once made export-web allocate k×k)
    model m = make_model();
    m.users.resize(0, 5);
    m.items.resize(0, 5);
    m.genres.resize(0, 5);
    m.user_ids.clear();
    m.user_counts.clear();
    m.item_counts.clear();
    m.items_info = catalog();
    const std::vector<uint8_t> f = model_file_write(m);
    const std::vector<int32_t> k(1, 2147483646);
    CHECK(read_error(replaced(f, "k", mfm_type::i32, k, 1)) ==
          "section k: 2147483646 is not a valid number of factors (0-1024)");
    const std::vector<int32_t> k2(1, 20000);
    CHECK(read_error(replaced(f, "k", mfm_type::i32, k2, 1)) ==
          "section k: 20000 is not a valid number of factors (0-1024)");
}

TEST_CASE("model file: files of the first format version (positional parameters) still read", "[model_file]") {
    const model m = make_model();
    const std::vector<uint8_t> f = model_file_write(m);
    // as version-1 writers laid out the parameters: params_int + params_float, no params/rating_scale
    auto legacy = rewrite(f, [&](const mfm_section & s, mfm_writer & w) {
        if (s.name == "rating_scale") return false;
        if (s.name != "params") return true;
        const int64_t pi[8] = {2, 4, 9, 1, 1, 4, (int64_t) 0xFEDCBA9876543210ull, 2};
        const float pf[5] = {11.5f, 4.25f, 0.5f, 0.75f, 0.05f};
        w.add_i64("params_int", pi, 8);
        w.add_f32("params_float", pf, 5);
        return false;
    });
    result<model> r = model_file_read(legacy.data(), legacy.size());
    REQUIRE(r.ok());
    CHECK(r->params.kind == model_kind::als);
    CHECK(r->params.factors == 4);
    CHECK(r->params.iterations == 9);
    CHECK(r->params.reg == 11.5f);
    CHECK(r->params.reg_by_count);
    CHECK(r->params.solver == solver_kind::cg);
    CHECK(r->params.seed == 0xFEDCBA9876543210ull);
    CHECK(r->scale.min == 0.5f);  // the MovieLens scale of version-1 files
    CHECK(r->scale.max == 5.0f);
    auto bad = rewrite(legacy, [&](const mfm_section & s, mfm_writer & w) {
        if (s.name != "params_int") return true;
        const int64_t pi[8] = {2, 4, 9, 1, 7, 4, 0, 2};
        w.add_i64("params_int", pi, 8);
        return false;
    });
    CHECK(read_error(bad) == "section params_int: solver: 7 is outside 0..1");
}

TEST_CASE("model file: random corruption with CRCs bypassed never crashes the decoder", "[model_file]") {
    // mfm_open(..., verify_crc = false) lets corrupted payloads reach the decoder; whatever it
    // says, it must say it without crashing (run under ASan/UBSan for full value)
    const std::vector<uint8_t> f = model_file_write(make_model());
    auto base = mfm_open(f.data(), f.size());
    REQUIRE(base.ok());
    std::mt19937 rng(12345);
    size_t rejected = 0;
    for (int trial = 0; trial < 3000; ++trial) {
        std::vector<uint8_t> g(f);
        const auto & s = base->sections[rng() % base->sections.size()];
        if (s.size == 0) continue;
        const int flips = 1 + (int) (rng() % 4);
        for (int j = 0; j < flips; ++j) {
            const size_t at = (size_t) (s.offset + rng() % s.size);
            g[at] = (rng() % 3 == 0) ? (uint8_t) 0xFF : (uint8_t) (g[at] ^ (1u << (rng() % 8)));
        }
        auto r = mfm_open(g.data(), g.size(), false);
        REQUIRE(r.ok());
        auto m = model_file_decode(*r);
        if (!m.ok()) {
            REQUIRE(!m.error().empty());
            ++rejected;
        }
    }
    CHECK(rejected > 0);
}
