// mfm.h - the .mfm container: named, typed, checksummed arrays in one little-endian file.
//
// Both the model file (model_file.h) and the web bundle are .mfm containers; docs/FORMAT.md is
// the full specification. Layout (all integers little-endian):
//
//   header, 64 bytes at offset 0
//     0  u8[8]  magic "MFRECMFM"
//     8  u32    version = 1 (mfm_version)
//    12  u32    endianness check 0x01020304 (reads 0x04030201 when written big-endian)
//    16  u64    file size in bytes
//    24  u32    section count n
//    28  u32    flags, 0
//    32  u64    table offset = 64
//    40  u8[16] reserved, 0
//    56  u32    CRC-32 of the section table (n * 96 bytes)
//    60  u32    CRC-32 of header bytes [0, 60)
//   section table, n entries of 96 bytes at offset 64
//     0  u8[32] name: 1..31 characters [A-Za-z0-9_.-], zero padded
//    32  u32    element type (mfm_type)
//    36  u32    flags, 0
//    40  u64[3] shape: rows, cols, depth (unused dimensions are 1; rows may be 0)
//    64  u64    payload offset from the start of the file, a multiple of 64
//    72  u64    payload size in bytes = rows * cols * depth * element size
//    80  u32    CRC-32 of the payload
//    84  u8[12] reserved, 0
//   payloads, each at a 64-byte aligned offset; every byte not in the header, the table or a
//   payload (alignment padding) is zero; the file ends at the last payload rounded up to 64.
//
// The reader checks everything before handing out a pointer: magic, version, endianness, both
// header CRCs, the declared size against the actual size, table bounds, each section's name,
// type, flags, alignment, bounds, shape × element size == size, no overlaps, zero padding, and
// the CRC-32 of every payload. Typed getters then check the element type and expected shape.
// Views point into the caller's bytes (no copy): keep them alive while the reader is in use.
// CRC-32 is IEEE (zlib's), see crc32.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "result.h"

namespace mf {

constexpr uint32_t mfm_version = 1;
constexpr size_t mfm_header_size = 64;
constexpr size_t mfm_entry_size = 96;
constexpr size_t mfm_align = 64;
constexpr size_t mfm_name_max = 31;
constexpr uint64_t mfm_any = ~(uint64_t) 0;  // "any extent" in a getter's expected shape

enum class mfm_type : uint32_t {
    u8 = 1,
    i8 = 2,
    u16 = 3,
    i16 = 4,
    f16 = 5,
    u32 = 6,
    i32 = 7,
    f32 = 8,
    u64 = 9,
    i64 = 10,
    f64 = 11,
    bytes = 12,
};

// "f32", ..., "?" for an unknown code
const char * mfm_type_name(mfm_type t);
// bytes per element, 0 for an unknown code
size_t mfm_type_size(mfm_type t);

// ---- reading

struct mfm_section {
    std::string name;
    mfm_type type = mfm_type::bytes;
    uint64_t shape[3] = {0, 1, 1};
    uint64_t offset = 0;
    uint64_t size = 0;  // bytes
    uint32_t crc = 0;
    const uint8_t * data = nullptr;  // into the caller's bytes

    uint64_t count() const { return shape[0] * shape[1] * shape[2]; }
};

// A typed, read-only view of one section's payload (row-major: element (r, c, d) is at
// (r * cols + c) * depth + d).
template <class T>
struct mfm_array {
    const T * data = nullptr;
    uint64_t rows = 0, cols = 1, depth = 1;

    uint64_t size() const { return rows * cols * depth; }
    const T & operator[](size_t i) const { return data[i]; }
    const T * row(uint64_t r) const { return data + r * cols * depth; }
    const T * begin() const { return data; }
    const T * end() const { return data + size(); }
};

struct mfm_reader {
    uint32_t version = 0;
    uint64_t file_size = 0;
    std::vector<mfm_section> sections;  // in table order

    // nullptr when absent
    const mfm_section * find(const std::string & name) const;
    bool has(const std::string & name) const { return find(name) != nullptr; }

    // Typed getters: fail with "section NAME: missing", "section NAME: type f32 expected, i32
    // found" or "section NAME: 87585×65×4 bytes expected, 12 found". Pass mfm_any for an extent
    // the caller does not know; unused trailing dimensions are 1.
    result<mfm_array<uint8_t>> u8(const std::string & name, uint64_t rows = mfm_any, uint64_t cols = 1,
                                  uint64_t depth = 1) const;
    result<mfm_array<int8_t>> i8(const std::string & name, uint64_t rows = mfm_any, uint64_t cols = 1,
                                 uint64_t depth = 1) const;
    result<mfm_array<uint16_t>> u16(const std::string & name, uint64_t rows = mfm_any, uint64_t cols = 1,
                                    uint64_t depth = 1) const;
    result<mfm_array<int16_t>> i16(const std::string & name, uint64_t rows = mfm_any, uint64_t cols = 1,
                                   uint64_t depth = 1) const;
    result<mfm_array<uint16_t>> f16(const std::string & name, uint64_t rows = mfm_any, uint64_t cols = 1,
                                    uint64_t depth = 1) const;
    result<mfm_array<uint32_t>> u32(const std::string & name, uint64_t rows = mfm_any, uint64_t cols = 1,
                                    uint64_t depth = 1) const;
    result<mfm_array<int32_t>> i32(const std::string & name, uint64_t rows = mfm_any, uint64_t cols = 1,
                                   uint64_t depth = 1) const;
    result<mfm_array<float>> f32(const std::string & name, uint64_t rows = mfm_any, uint64_t cols = 1,
                                 uint64_t depth = 1) const;
    result<mfm_array<uint64_t>> u64(const std::string & name, uint64_t rows = mfm_any, uint64_t cols = 1,
                                    uint64_t depth = 1) const;
    result<mfm_array<int64_t>> i64(const std::string & name, uint64_t rows = mfm_any, uint64_t cols = 1,
                                   uint64_t depth = 1) const;
    result<mfm_array<double>> f64(const std::string & name, uint64_t rows = mfm_any, uint64_t cols = 1,
                                  uint64_t depth = 1) const;
    // a bytes section (any length unless n is given)
    result<mfm_array<uint8_t>> bytes(const std::string & name, uint64_t n = mfm_any) const;
    // a bytes section as a string ("" plus an error when missing)
    result<std::string> text(const std::string & name) const;

    // checks presence, type and shape; the untyped core of the getters above
    result<const mfm_section *> get(const std::string & name, mfm_type type, uint64_t rows, uint64_t cols,
                                    uint64_t depth) const;
};

// Validates the whole container (including every payload CRC unless verify_crc is false, which
// only tools and fuzzers should use). `data` must be 8-byte aligned (std::vector and malloc
// buffers are) and must outlive the reader and every view taken from it.
result<mfm_reader> mfm_open(const uint8_t * data, size_t size, bool verify_crc = true);

// ---- writing

// Collects sections (copying their payloads) and lays out the file. Names must be valid and
// unique and shapes consistent; a bad add is recorded, later adds are ignored, and finish()
// then returns an empty vector with the message in error(). Sections are written in add order.
class mfm_writer {
public:
    bool add(const std::string & name, mfm_type type, const void * data, uint64_t rows, uint64_t cols = 1,
             uint64_t depth = 1);
    // Like add, but keeps a pointer rather than a copy: `data` must stay valid and unchanged until
    // finish. For the large arrays of a model being written (a 32M-rating model's training rows and
    // factors: hundreds of MB that need not exist twice).
    bool add_view(const std::string & name, mfm_type type, const void * data, uint64_t rows, uint64_t cols = 1);

    bool add_u8(const std::string & name, const uint8_t * p, uint64_t rows, uint64_t cols = 1) {
        return add(name, mfm_type::u8, p, rows, cols);
    }
    bool add_i8(const std::string & name, const int8_t * p, uint64_t rows, uint64_t cols = 1) {
        return add(name, mfm_type::i8, p, rows, cols);
    }
    bool add_u16(const std::string & name, const uint16_t * p, uint64_t rows, uint64_t cols = 1) {
        return add(name, mfm_type::u16, p, rows, cols);
    }
    bool add_i16(const std::string & name, const int16_t * p, uint64_t rows, uint64_t cols = 1) {
        return add(name, mfm_type::i16, p, rows, cols);
    }
    bool add_f16(const std::string & name, const uint16_t * p, uint64_t rows, uint64_t cols = 1) {
        return add(name, mfm_type::f16, p, rows, cols);
    }
    bool add_u32(const std::string & name, const uint32_t * p, uint64_t rows, uint64_t cols = 1) {
        return add(name, mfm_type::u32, p, rows, cols);
    }
    bool add_i32(const std::string & name, const int32_t * p, uint64_t rows, uint64_t cols = 1) {
        return add(name, mfm_type::i32, p, rows, cols);
    }
    bool add_f32(const std::string & name, const float * p, uint64_t rows, uint64_t cols = 1) {
        return add(name, mfm_type::f32, p, rows, cols);
    }
    bool add_u64(const std::string & name, const uint64_t * p, uint64_t rows, uint64_t cols = 1) {
        return add(name, mfm_type::u64, p, rows, cols);
    }
    bool add_i64(const std::string & name, const int64_t * p, uint64_t rows, uint64_t cols = 1) {
        return add(name, mfm_type::i64, p, rows, cols);
    }
    bool add_f64(const std::string & name, const double * p, uint64_t rows, uint64_t cols = 1) {
        return add(name, mfm_type::f64, p, rows, cols);
    }
    bool add_bytes(const std::string & name, const void * p, uint64_t n) { return add(name, mfm_type::bytes, p, n); }
    bool add_text(const std::string & name, const std::string & s) { return add_bytes(name, s.data(), s.size()); }

    // the file's bytes (empty after a failed add); the writer is left empty
    std::vector<uint8_t> finish();
    // The same bytes passed to `sink` in order (header and table, then each section and its
    // padding) instead of built in memory: a file of any size costs no buffer of its size. False
    // after a failed add (error() says why) or when sink returns false; the writer is left empty.
    bool finish_to(const std::function<bool(const uint8_t *, size_t)> & sink);
    const std::string & error() const { return error_; }

private:
    struct pending {
        mfm_section meta;
        std::vector<uint8_t> payload;
        const uint8_t * view = nullptr;  // add_view: the caller's bytes instead of payload
        const uint8_t * data() const { return view ? view : payload.data(); }
    };
    bool add_section(const std::string & name, mfm_type type, const void * data, const uint64_t shape[3], bool copy);
    uint64_t layout();  // sets each section's offset; the file's size
    std::vector<pending> sections_;
    std::string error_;
};

// ---- string tables and copies shared by the model file and the web bundle

// Strings as one bytes section (all concatenated) plus n+1 offsets (u32 or u64):
// string i = blob[off[i], off[i+1]).
void mfm_strings_add(mfm_writer & w, const std::string & blob_name, const std::string & offsets_name,
                     const std::vector<std::string> & v, mfm_type offset_type);
// Reads them back: n strings (mfm_any: as many as the offsets say), offsets of the given type;
// offsets must start at 0, never decrease and end at the blob's size.
status mfm_strings_read(const mfm_reader & r, const std::string & blob_name, const std::string & offsets_name,
                        uint64_t n, mfm_type offset_type, std::vector<std::string> & out);

// Copies a checked view into a vector, or passes its error on.
template <class T, class A>
status mfm_vector_read(const result<mfm_array<T>> & a, std::vector<T, A> & out) {
    if (!a) return status::fail(a.error());
    out.assign(a->begin(), a->end());
    return {};
}

// ---- float16 (IEEE 754 binary16) helpers, round to nearest even; NaN stays NaN, overflow
// gives ±inf, tiny values become subnormals or ±0.
uint16_t f16_from_f32(float x);
float f32_from_f16(uint16_t h);
void f16_from_f32_n(const float * x, uint16_t * y, size_t n);
void f32_from_f16_n(const uint16_t * x, float * y, size_t n);

}  // namespace mf
