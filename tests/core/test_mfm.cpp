// g++ 12 -O3 reports false array-bounds errors on the byte edits below (a known GCC 12 issue)
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Warray-bounds"
#pragma GCC diagnostic ignored "-Wstringop-overflow"
#endif
// test_mfm.cpp - the .mfm container: CRC-32, writer/reader round trip, every open-time check
// with its message, typed getters, float16 conversion.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "crc32.h"
#include "mfm.h"

using namespace mf;

namespace {

uint32_t crc32_bitwise(const uint8_t * p, size_t n) {
    uint32_t c = ~0u;
    for (size_t i = 0; i < n; ++i) {
        c ^= p[i];
        for (int b = 0; b < 8; ++b) c = (c & 1) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
    }
    return ~c;
}

uint32_t rd32(const std::vector<uint8_t> & f, size_t at) {
    uint32_t v;
    std::memcpy(&v, f.data() + at, 4);
    return v;
}
void wr32(std::vector<uint8_t> & f, size_t at, uint32_t v) {
    std::memcpy(f.data() + at, &v, 4);
}
void wr64(std::vector<uint8_t> & f, size_t at, uint64_t v) {
    std::memcpy(f.data() + at, &v, 8);
}

// recompute the table and header CRCs after editing a file by hand
void reseal(std::vector<uint8_t> & f) {
    const uint64_t n = rd32(f, 24);
    if (64 + n * mfm_entry_size <= f.size()) wr32(f, 56, crc32_compute(f.data() + 64, n * mfm_entry_size));
    wr32(f, 60, crc32_compute(f.data(), 60));
}
size_t entry(size_t i) {
    return mfm_header_size + i * mfm_entry_size;
}

std::string open_error(const std::vector<uint8_t> & f) {
    auto r = mfm_open(f.data(), f.size());
    return r ? std::string() : r.error();
}

// a small container: a 3x4 f32 matrix, 5 i32, a text, a 2x2x2 u8 cube and an empty section
std::vector<uint8_t> sample() {
    const float m[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12.5f};
    const int32_t v[5] = {-1, 0, 1, 2, 2147483647};
    const uint8_t cube[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    mfm_writer w;
    REQUIRE(w.add_f32("matrix", m, 3, 4));
    REQUIRE(w.add_i32("ints", v, 5));
    REQUIRE(w.add_text("note", "hello \"world\" \xC3\xA9"));
    REQUIRE(w.add("cube", mfm_type::u8, cube, 2, 2, 2));
    REQUIRE(w.add_bytes("empty", nullptr, 0));
    return w.finish();
}

}  // namespace

TEST_CASE("crc32: known values, incremental use, agrees with the bitwise definition", "[mfm]") {
    CHECK(crc32_compute("123456789", 9) == 0xCBF43926u);
    CHECK(crc32_compute("", 0) == 0u);
    CHECK(crc32_compute("The quick brown fox jumps over the lazy dog", 43) == 0x414FA339u);
    std::vector<uint8_t> buf(1000);
    std::mt19937 rng(7);
    for (auto & b : buf) b = (uint8_t) rng();
    for (size_t start = 0; start < 9; ++start) {
        for (size_t n = 0; n + start <= 300; n += 7) {
            REQUIRE(crc32_compute(buf.data() + start, n) == crc32_bitwise(buf.data() + start, n));
        }
    }
    const uint32_t whole = crc32_compute(buf.data(), buf.size());
    for (size_t cut : {0, 1, 15, 16, 17, 500, 999, 1000}) {
        CHECK(crc32_update(crc32_compute(buf.data(), cut), buf.data() + cut, buf.size() - cut) == whole);
    }
}

TEST_CASE("mfm: write then read gives the same sections, views into the caller's bytes", "[mfm]") {
    const std::vector<uint8_t> f = sample();
    REQUIRE(f.size() % 64 == 0);
    auto r = mfm_open(f.data(), f.size());
    REQUIRE(r.ok());
    CHECK(r->version == 1);
    CHECK(r->file_size == f.size());
    REQUIRE(r->sections.size() == 5);
    for (const auto & s : r->sections) {
        CHECK(s.offset % 64 == 0);
        CHECK(s.data == f.data() + s.offset);
    }
    auto m = r->f32("matrix", 3, 4);
    REQUIRE(m.ok());
    CHECK(m->rows == 3);
    CHECK(m->cols == 4);
    CHECK(m->row(2)[3] == 12.5f);
    CHECK((const uint8_t *) m->data >= f.data());
    CHECK((const uint8_t *) m->data < f.data() + f.size());
    auto any = r->f32("matrix", mfm_any, mfm_any);
    REQUIRE(any.ok());
    CHECK(any->size() == 12);
    auto v = r->i32("ints");
    REQUIRE(v.ok());
    CHECK(v->size() == 5);
    CHECK((*v)[0] == -1);
    CHECK((*v)[4] == 2147483647);
    auto t = r->text("note");
    REQUIRE(t.ok());
    CHECK(*t == "hello \"world\" \xC3\xA9");
    auto c = r->u8("cube", 2, 2, 2);
    REQUIRE(c.ok());
    CHECK(c->depth == 2);
    CHECK((*c)[7] == 8);
    auto e = r->bytes("empty", 0);
    REQUIRE(e.ok());
    CHECK(e->size() == 0);
    CHECK(r->has("ints"));
    CHECK(!r->has("nope"));
}

TEST_CASE("mfm: views and streaming give the bytes of copies and finish()", "[mfm]") {
    std::vector<float> big(1000);
    for (size_t i = 0; i < big.size(); ++i) big[i] = 0.25f * (float) i;
    const int32_t small[3] = {7, -8, 9};
    auto fill = [&](mfm_writer & w, bool view) {
        REQUIRE(w.add_i32("small", small, 3));
        if (view)
            REQUIRE(w.add_view("big", mfm_type::f32, big.data(), 10, 100));
        else
            REQUIRE(w.add_f32("big", big.data(), 10, 100));
        REQUIRE(w.add_text("tail", "x"));
    };
    mfm_writer a, b, c;
    fill(a, false);
    fill(b, true);
    fill(c, true);
    const std::vector<uint8_t> copied = a.finish();
    const std::vector<uint8_t> viewed = b.finish();
    CHECK(viewed == copied);
    // streamed in pieces: the same bytes, every piece in order
    std::vector<uint8_t> streamed;
    int pieces = 0;
    REQUIRE(c.finish_to([&](const uint8_t * p, size_t n) {
        streamed.insert(streamed.end(), p, p + n);
        ++pieces;
        return true;
    }));
    CHECK(streamed == copied);
    CHECK(pieces > 3);
    auto r = mfm_open(streamed.data(), streamed.size());
    REQUIRE(r.ok());
    auto got = r->f32("big", 10, 100);
    REQUIRE(got.ok());
    CHECK((*got)[999] == 0.25f * 999.0f);
    // a sink that refuses stops the writer with an error
    mfm_writer d;
    fill(d, true);
    int calls = 0;
    CHECK_FALSE(d.finish_to([&](const uint8_t *, size_t) { return ++calls < 2; }));
    CHECK(calls == 2);
    CHECK_FALSE(d.error().empty());
}

TEST_CASE("mfm: every element type round trips", "[mfm]") {
    const uint8_t a[3] = {0, 128, 255};
    const int8_t b[3] = {-128, 0, 127};
    const uint16_t c[3] = {0, 1, 65535};
    const int16_t d[3] = {-32768, 0, 32767};
    const uint16_t h[3] = {f16_from_f32(1.0f), f16_from_f32(-2.5f), f16_from_f32(65504.0f)};
    const uint32_t e[3] = {0, 1, 4294967295u};
    const float g[3] = {-0.0f, 1e-40f, std::numeric_limits<float>::infinity()};
    const uint64_t i[3] = {0, 1, ~0ull};
    const int64_t j[3] = {std::numeric_limits<int64_t>::min(), 0, std::numeric_limits<int64_t>::max()};
    const double k[3] = {0.1, -1e300, 5e-324};
    mfm_writer w;
    w.add_u8("u8", a, 3);
    w.add_i8("i8", b, 3);
    w.add_u16("u16", c, 3);
    w.add_i16("i16", d, 3);
    w.add_f16("f16", h, 3);
    w.add_u32("u32", e, 3);
    w.add_f32("f32", g, 3);
    w.add_u64("u64", i, 3);
    w.add_i64("i64", j, 3);
    w.add_f64("f64", k, 3);
    const std::vector<uint8_t> f = w.finish();
    auto r = mfm_open(f.data(), f.size());
    REQUIRE(r.ok());
    CHECK(std::memcmp(r->u8("u8", 3)->data, a, sizeof a) == 0);
    CHECK(std::memcmp(r->i8("i8", 3)->data, b, sizeof b) == 0);
    CHECK(std::memcmp(r->u16("u16", 3)->data, c, sizeof c) == 0);
    CHECK(std::memcmp(r->i16("i16", 3)->data, d, sizeof d) == 0);
    CHECK(std::memcmp(r->f16("f16", 3)->data, h, sizeof h) == 0);
    CHECK(std::memcmp(r->u32("u32", 3)->data, e, sizeof e) == 0);
    CHECK(std::memcmp(r->f32("f32", 3)->data, g, sizeof g) == 0);
    CHECK(std::memcmp(r->u64("u64", 3)->data, i, sizeof i) == 0);
    CHECK(std::memcmp(r->i64("i64", 3)->data, j, sizeof j) == 0);
    CHECK(std::memcmp(r->f64("f64", 3)->data, k, sizeof k) == 0);
    CHECK(f32_from_f16((*r->f16("f16"))[2]) == 65504.0f);
    // f16 and u16 share a C++ type but not a section type
    CHECK(r->u16("f16").error() == "section f16: type u16 expected, f16 found");
}

TEST_CASE("mfm: getters name the section and what is wrong", "[mfm]") {
    const std::vector<uint8_t> f = sample();
    auto r = mfm_open(f.data(), f.size());
    REQUIRE(r.ok());
    CHECK(r->f32("missing_one").error() == "section missing_one: missing");
    CHECK(r->i32("matrix").error() == "section matrix: type i32 expected, f32 found");
    CHECK(r->f32("matrix", 87585, 64).error() == "section matrix: 87585×64×4 bytes expected, 48 found");
    CHECK(r->f32("matrix", mfm_any, 5).error() == "section matrix: 3×5×4 bytes expected, 48 found");
    CHECK(r->f32("matrix", 4, 3).error() == "section matrix: shape 4×3 expected, 3×4 found");
    CHECK(r->i32("ints", 6).error() == "section ints: 6×4 bytes expected, 20 found");
    CHECK(r->bytes("note", 3).error().find("section note: 3×1 bytes expected") == 0);
}

TEST_CASE("mfm: empty container and an empty writer", "[mfm]") {
    mfm_writer w;
    auto f = w.finish();
    CHECK(f.size() == 64);
    auto r = mfm_open(f.data(), f.size());
    REQUIRE(r.ok());
    CHECK(r->sections.empty());
}

TEST_CASE("mfm: the writer refuses bad names and duplicates", "[mfm]") {
    const int32_t x = 1;
    {
        mfm_writer w;
        CHECK(!w.add_i32("has space", &x, 1));
        CHECK(w.error().find("invalid name") != std::string::npos);
        CHECK(!w.add_i32("fine", &x, 1));  // sticky
        CHECK(w.finish().empty());
    }
    {
        mfm_writer w;
        CHECK(w.add_i32(std::string(31, 'a'), &x, 1));
        CHECK(!w.add_i32(std::string(32, 'a'), &x, 1));
    }
    {
        mfm_writer w;
        CHECK(w.add_i32("a", &x, 1));
        CHECK(!w.add_i32("a", &x, 1));
        CHECK(w.error() == "section a: added twice");
        CHECK(w.finish().empty());
    }
    {
        mfm_writer w;
        CHECK(!w.add_i32("", &x, 1));
        CHECK(!w.add("", mfm_type::f32, nullptr, 1));
    }
}

TEST_CASE("mfm: header checks and their messages", "[mfm]") {
    const std::vector<uint8_t> good = sample();
    CHECK(open_error({}) == "empty file (0 bytes)");
    {
        std::vector<uint8_t> f(good);
        std::memcpy(f.data(), "userId,m", 8);
        CHECK(open_error(f) == "not an mfrec file: magic \"MFRECMFM\" expected, \"userId,m\" found");
    }
    {
        std::vector<uint8_t> f = {0x89, 'P', 'N', 'G'};
        CHECK(open_error(f) == "not an mfrec file: magic \"MFRECMFM\" expected, \"\\x89PNG\" found");
    }
    {
        std::vector<uint8_t> f(good.begin(), good.begin() + 40);
        CHECK(open_error(f) == "truncated: 40 bytes, the header alone is 64");
    }
    {
        std::vector<uint8_t> f(good);
        wr32(f, 8, 2);
        CHECK(open_error(f) == "version 2 not supported (this build reads version 1; upgrade mfrec)");
        wr32(f, 8, 0);
        CHECK(open_error(f) == "version 0 not supported (this build reads version 1)");
    }
    {
        std::vector<uint8_t> f(good);
        wr32(f, 12, 0x04030201u);
        CHECK(open_error(f).find("big-endian") != std::string::npos);
        wr32(f, 12, 0xdeadbeefu);
        CHECK(open_error(f) == "bad endianness check 0xdeadbeef (0x01020304 expected)");
    }
    {
        std::vector<uint8_t> f(good);
        f[20] ^= 1;  // file size field, CRC not updated
        CHECK(open_error(f) == "header CRC mismatch (file corrupt)");
    }
    {
        std::vector<uint8_t> f(good);
        f[64 + 40] ^= 1;  // a shape field in the table
        CHECK(open_error(f) == "section table CRC mismatch (file corrupt)");
    }
    {
        std::vector<uint8_t> f(good);
        f.resize(f.size() + 64, 0);
        CHECK(open_error(f) ==
              "64 bytes of trailing data after the declared end (" + std::to_string(good.size()) + " bytes)");
        f.resize(good.size() - 1);
        CHECK(open_error(f) == "truncated: the header says " + std::to_string(good.size()) + " bytes, " +
                                   std::to_string(good.size() - 1) + " present" +
                                   " (section empty and every later one cut off: an incomplete download?)");
    }
    {
        std::vector<uint8_t> f(good);
        wr32(f, 24, 1000);  // section count: the table would run past the end
        reseal(f);
        CHECK(open_error(f).find("section table (1000 entries") == 0);
    }
    {
        std::vector<uint8_t> f(good);
        wr32(f, 28, 1);
        reseal(f);
        CHECK(open_error(f) == "header: unknown flags 0x00000001");
    }
    {
        std::vector<uint8_t> f(good);
        f[45] = 1;
        reseal(f);
        CHECK(open_error(f) == "header: reserved bytes not zero");
    }
}

TEST_CASE("mfm: section table checks and their messages", "[mfm]") {
    const std::vector<uint8_t> good = sample();  // 0 matrix, 1 ints, 2 note, 3 cube, 4 empty
    auto edit = [&](size_t at, uint64_t v, int width) {
        std::vector<uint8_t> f(good);
        if (width == 4)
            wr32(f, at, (uint32_t) v);
        else
            wr64(f, at, v);
        reseal(f);
        return open_error(f);
    };
    // the size field disagrees with shape × element size
    CHECK(edit(entry(0) + 72, 12, 8) == "section matrix: 3×4×4 bytes expected, 12 found");
    // the shape disagrees with the size
    CHECK(edit(entry(0) + 40, 87585, 8) == "section matrix: 87585×4×4 bytes expected, 48 found");
    CHECK(edit(entry(1) + 40, ~0ull, 8) == "section ints: shape 18446744073709551615 too large");
    CHECK(edit(entry(0) + 32, 99, 4) == "section matrix: unknown element type 99");
    CHECK(edit(entry(0) + 36, 2, 4) == "section matrix: unknown flags 0x00000002");
    CHECK(edit(entry(0) + 90, 7, 4) == "section matrix: reserved bytes not zero");
    CHECK(edit(entry(1) + 64, 600, 8) == "section ints: offset 600 not 64-byte aligned");
    CHECK(edit(entry(1) + 64, 1ull << 40, 8).find("section ints: bytes [1099511627776, 1099511627796) outside") == 0);
    CHECK(edit(entry(1) + 64, 0, 8).find("section ints: bytes [0, 20) outside the payload area") == 0);
    CHECK(edit(entry(1) + 64, 0xFFFFFFFFFFFFFFC0ull, 8).find("section ints: bytes [18446744073709551552, ") == 0);
    // ints moved onto matrix
    const uint64_t matrix_at = (uint64_t) rd32(good, entry(0) + 64);
    CHECK(edit(entry(1) + 64, matrix_at, 8) == "section matrix: overlaps section ints");
    CHECK(edit(entry(0) + 0, 0, 4) == "section #0: invalid name \"\"");
    CHECK(edit(entry(0) + 0, 0x20202020, 4) == "section #0: invalid name \"    ix\"");
    {
        std::vector<uint8_t> f(good);
        std::copy(f.begin() + (long) entry(0), f.begin() + (long) entry(0) + 32, f.begin() + (long) entry(1));
        reseal(f);
        CHECK(open_error(f) == "section matrix: duplicate name");
    }
}

TEST_CASE("mfm: payload checks: padding must be zero, every CRC is verified", "[mfm]") {
    const std::vector<uint8_t> good = sample();
    auto r = mfm_open(good.data(), good.size());
    REQUIRE(r.ok());
    const mfm_section ints = *r->find("ints");
    {
        std::vector<uint8_t> f(good);
        f[ints.offset + ints.size] = 1;  // padding after ints, before note
        CHECK(open_error(f) == "section note: nonzero padding before its payload (file corrupt)");
        f = good;
        f[f.size() - 1] = 1;  // padding after the last payload
        CHECK(open_error(f).find("nonzero padding") != std::string::npos);
    }
    {
        std::vector<uint8_t> f(good);
        f[ints.offset + 3] ^= 0x10;
        CHECK(open_error(f) == "section ints: CRC mismatch (file corrupt)");
        CHECK(mfm_open(f.data(), f.size(), false).ok());  // tools may skip the payload CRCs
    }
    {
        // a buffer at an odd address is refused rather than read through misaligned pointers
        std::vector<uint8_t> f(good.size() + 8);
        std::memcpy(f.data() + 1, good.data(), good.size());
        auto bad = mfm_open(f.data() + 1, good.size());
        REQUIRE(!bad.ok());
        CHECK(bad.error().find("not 8-byte aligned") != std::string::npos);
    }
}

TEST_CASE("mfm: every truncation and every single-bit flip of a container is rejected", "[mfm]") {
    const std::vector<uint8_t> good = sample();
    for (size_t n = 0; n < good.size(); ++n) {
        std::vector<uint8_t> f(good.begin(), good.begin() + (std::ptrdiff_t) n);
        auto r = mfm_open(f.data(), f.size());
        REQUIRE(!r.ok());
        REQUIRE(!r.error().empty());
    }
    std::vector<uint8_t> f(good);
    for (size_t bit = 0; bit < good.size() * 8; ++bit) {
        f[bit / 8] ^= (uint8_t) (1u << (bit % 8));
        auto r = mfm_open(f.data(), f.size());
        if (r.ok()) FAIL("bit " << bit << " flipped and the container was accepted");
        REQUIRE(!r.error().empty());
        f[bit / 8] ^= (uint8_t) (1u << (bit % 8));
    }
}

TEST_CASE("f16: every half survives f16 -> f32 -> f16; specials", "[mfm][f16]") {
    for (uint32_t h = 0; h < 65536; ++h) {
        const float x = f32_from_f16((uint16_t) h);
        const bool nan = (h & 0x7C00) == 0x7C00 && (h & 0x3FF) != 0;
        if (nan) {
            REQUIRE(std::isnan(x));
            REQUIRE(std::isnan(f32_from_f16(f16_from_f32(x))));
        } else {
            REQUIRE(f16_from_f32(x) == h);
        }
    }
    CHECK(f32_from_f16(0x3C00) == 1.0f);
    CHECK(f32_from_f16(0xC000) == -2.0f);
    CHECK(f32_from_f16(0x7BFF) == 65504.0f);
    CHECK(f32_from_f16(0x0001) == std::ldexp(1.0f, -24));
    CHECK(f16_from_f32(65519.99f) == 0x7BFF);
    CHECK(f16_from_f32(65520.0f) == 0x7C00);  // the tie rounds to even: inf
    CHECK(f16_from_f32(1e30f) == 0x7C00);
    CHECK(f16_from_f32(-1e30f) == 0xFC00);
    CHECK(f16_from_f32(std::numeric_limits<float>::infinity()) == 0x7C00);
    CHECK(f16_from_f32(-0.0f) == 0x8000);
    CHECK(f16_from_f32(1e-30f) == 0x0000);
    CHECK(f16_from_f32(-1e-30f) == 0x8000);
    CHECK(f16_from_f32(std::ldexp(1.0f, -25)) == 0x0000);  // tie: to even (0)
    CHECK(f16_from_f32(std::nextafter(std::ldexp(1.0f, -25), 1.0f)) == 0x0001);
    CHECK(std::isnan(f32_from_f16(f16_from_f32(std::nanf("")))));
}

TEST_CASE("f16: rounding is to nearest, ties to even, at every boundary", "[mfm][f16]") {
    // between each pair of adjacent finite halves a and a+1 (same sign): the midpoint goes to the
    // even one, anything below it to a, anything above to a+1
    for (uint32_t sign : {0u, 0x8000u}) {
        for (uint32_t a = 0; a < 0x7BFF; ++a) {
            const uint16_t lo = (uint16_t) (a | sign), hi = (uint16_t) ((a + 1) | sign);
            const double mid = 0.5 * ((double) f32_from_f16(lo) + (double) f32_from_f16(hi));
            const float m = (float) mid;
            REQUIRE((double) m == mid);  // exactly representable
            const uint16_t even = (a & 1) ? hi : lo;
            REQUIRE(f16_from_f32(m) == even);
            const float inf = std::numeric_limits<float>::infinity();
            const float towards_lo = std::nextafter(m, sign ? inf : -inf);
            const float towards_hi = std::nextafter(m, sign ? -inf : inf);
            REQUIRE(f16_from_f32(towards_lo) == lo);
            REQUIRE(f16_from_f32(towards_hi) == hi);
        }
    }
    // bulk helpers agree with the scalar ones
    const float x[4] = {0.1f, -3.0f, 70000.0f, 1e-6f};
    uint16_t h[4];
    float back[4];
    f16_from_f32_n(x, h, 4);
    f32_from_f16_n(h, back, 4);
    for (int i = 0; i < 4; ++i) {
        CHECK(h[i] == f16_from_f32(x[i]));
        CHECK(back[i] == f32_from_f16(h[i]));
    }
}

#if defined(__FLT16_MAX__) && defined(__x86_64__)
TEST_CASE("f16: agrees with the compiler's _Float16 conversion on a sweep of floats", "[mfm][f16]") {
    for (uint64_t u = 0; u < (1ull << 32); u += 65521) {  // a prime stride visits every exponent
        float f;
        const uint32_t b = (uint32_t) u;
        std::memcpy(&f, &b, 4);
        if (std::isnan(f)) continue;
        const _Float16 ref = (_Float16) f;
        uint16_t rb;
        std::memcpy(&rb, &ref, 2);
        REQUIRE(f16_from_f32(f) == rb);
    }
}
#endif
