#include "mfm.h"

#include <algorithm>
#include <cstring>

#include "crc32.h"

namespace mf {

namespace {

const char mfm_magic[8] = {'M', 'F', 'R', 'E', 'C', 'M', 'F', 'M'};
constexpr uint32_t mfm_endian_check = 0x01020304u;

// ---- little-endian field access (byte-wise, so the header parses the same on any host)

uint32_t get_u32(const uint8_t * p) {
    return (uint32_t) p[0] | ((uint32_t) p[1] << 8) | ((uint32_t) p[2] << 16) | ((uint32_t) p[3] << 24);
}
uint64_t get_u64(const uint8_t * p) {
    return (uint64_t) get_u32(p) | ((uint64_t) get_u32(p + 4) << 32);
}
void put_u32(uint8_t * p, uint32_t v) {
    for (int i = 0; i < 4; ++i) p[i] = (uint8_t) (v >> (8 * i));
}
void put_u64(uint8_t * p, uint64_t v) {
    for (int i = 0; i < 8; ++i) p[i] = (uint8_t) (v >> (8 * i));
}

bool all_zero(const uint8_t * p, size_t n) {
    for (size_t i = 0; i < n; ++i) {
        if (p[i]) return false;
    }
    return true;
}

uint64_t align_up(uint64_t x) {
    return (x + (mfm_align - 1)) & ~(uint64_t) (mfm_align - 1);
}

// a * b, false on overflow
bool mul_ok(uint64_t a, uint64_t b, uint64_t & out) {
    if (a != 0 && b > ~(uint64_t) 0 / a) return false;
    out = a * b;
    return true;
}

// rows*cols*depth*elem, false on overflow
bool shape_bytes(const uint64_t shape[3], size_t elem, uint64_t & out) {
    uint64_t n = 1;
    return mul_ok(n, shape[0], n) && mul_ok(n, shape[1], n) && mul_ok(n, shape[2], n) && mul_ok(n, elem, out);
}

// "87585×65×4" (trailing unit dimensions omitted, element size last)
std::string shape_text(const uint64_t shape[3], size_t elem) {
    std::string s = std::to_string(shape[0]);
    int dims = shape[2] != 1 ? 3 : (shape[1] != 1 ? 2 : 1);
    for (int d = 1; d < dims; ++d) s += "×" + std::to_string(shape[d]);
    if (elem) s += "×" + std::to_string(elem);
    return s;
}

std::string printable(const uint8_t * p, size_t n) {
    static const char hex[] = "0123456789abcdef";
    std::string s;
    for (size_t i = 0; i < n; ++i) {
        if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"' && p[i] != '\\') {
            s += (char) p[i];
        } else {
            s += "\\x";
            s += hex[p[i] >> 4];
            s += hex[p[i] & 15];
        }
    }
    return s;
}

std::string hex32(uint32_t v) {
    static const char hex[] = "0123456789abcdef";
    std::string s = "0x";
    for (int i = 7; i >= 0; --i) s += hex[(v >> (4 * i)) & 15];
    return s;
}

bool name_char_ok(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
           c == '-';
}

bool name_ok(const std::string & name) {
    if (name.empty() || name.size() > mfm_name_max) return false;
    return std::all_of(name.begin(), name.end(), name_char_ok);
}

bool host_is_little_endian() {
    const uint32_t one = 1;
    uint8_t b;
    std::memcpy(&b, &one, 1);
    return b == 1;
}

}  // namespace

const char * mfm_type_name(mfm_type t) {
    switch (t) {
        case mfm_type::u8:
            return "u8";
        case mfm_type::i8:
            return "i8";
        case mfm_type::u16:
            return "u16";
        case mfm_type::i16:
            return "i16";
        case mfm_type::f16:
            return "f16";
        case mfm_type::u32:
            return "u32";
        case mfm_type::i32:
            return "i32";
        case mfm_type::f32:
            return "f32";
        case mfm_type::u64:
            return "u64";
        case mfm_type::i64:
            return "i64";
        case mfm_type::f64:
            return "f64";
        case mfm_type::bytes:
            return "bytes";
    }
    return "?";
}

size_t mfm_type_size(mfm_type t) {
    switch (t) {
        case mfm_type::u8:
        case mfm_type::i8:
        case mfm_type::bytes:
            return 1;
        case mfm_type::u16:
        case mfm_type::i16:
        case mfm_type::f16:
            return 2;
        case mfm_type::u32:
        case mfm_type::i32:
        case mfm_type::f32:
            return 4;
        case mfm_type::u64:
        case mfm_type::i64:
        case mfm_type::f64:
            return 8;
    }
    return 0;
}

// ---- reader

const mfm_section * mfm_reader::find(const std::string & name) const {
    for (const auto & s : sections) {
        if (s.name == name) return &s;
    }
    return nullptr;
}

result<const mfm_section *> mfm_reader::get(const std::string & name, mfm_type type, uint64_t rows, uint64_t cols,
                                            uint64_t depth) const {
    using R = result<const mfm_section *>;
    const mfm_section * s = find(name);
    if (!s) return R::fail("section " + name + ": missing");
    if (s->type != type) {
        return R::fail("section " + name + ": type " + mfm_type_name(type) + " expected, " + mfm_type_name(s->type) +
                       " found");
    }
    const uint64_t want[3] = {rows == mfm_any ? s->shape[0] : rows, cols == mfm_any ? s->shape[1] : cols,
                              depth == mfm_any ? s->shape[2] : depth};
    if (want[0] == s->shape[0] && want[1] == s->shape[1] && want[2] == s->shape[2]) return s;
    const size_t elem = mfm_type_size(type);
    uint64_t want_bytes = 0;
    if (!shape_bytes(want, elem, want_bytes) || want_bytes != s->size) {
        return R::fail("section " + name + ": " + shape_text(want, elem) + " bytes expected, " +
                       std::to_string(s->size) + " found");
    }
    return R::fail("section " + name + ": shape " + shape_text(want, 0) + " expected, " + shape_text(s->shape, 0) +
                   " found");
}

namespace {

template <class T>
result<mfm_array<T>> reader_get(const mfm_reader & r, const std::string & name, mfm_type type, uint64_t rows,
                                uint64_t cols, uint64_t depth) {
    auto s = r.get(name, type, rows, cols, depth);
    if (!s) return result<mfm_array<T>>::fail(s.error());
    mfm_array<T> a;
    a.data = reinterpret_cast<const T *>((*s)->data);  // 64-byte aligned offset, 8-byte aligned base
    a.rows = (*s)->shape[0];
    a.cols = (*s)->shape[1];
    a.depth = (*s)->shape[2];
    return a;
}

}  // namespace

#define MFM_GETTER(fn, T)                                                                                       \
    result<mfm_array<T>> mfm_reader::fn(const std::string & name, uint64_t rows, uint64_t cols, uint64_t depth) \
        const {                                                                                                 \
        return reader_get<T>(*this, name, mfm_type::fn, rows, cols, depth);                                     \
    }
MFM_GETTER(u8, uint8_t)
MFM_GETTER(i8, int8_t)
MFM_GETTER(u16, uint16_t)
MFM_GETTER(i16, int16_t)
MFM_GETTER(f16, uint16_t)
MFM_GETTER(u32, uint32_t)
MFM_GETTER(i32, int32_t)
MFM_GETTER(f32, float)
MFM_GETTER(u64, uint64_t)
MFM_GETTER(i64, int64_t)
MFM_GETTER(f64, double)
#undef MFM_GETTER

result<mfm_array<uint8_t>> mfm_reader::bytes(const std::string & name, uint64_t n) const {
    return reader_get<uint8_t>(*this, name, mfm_type::bytes, n, 1, 1);
}

result<std::string> mfm_reader::text(const std::string & name) const {
    auto b = bytes(name);
    if (!b) return result<std::string>::fail(b.error());
    return std::string(reinterpret_cast<const char *>(b->data), (size_t) b->size());
}

namespace {

// The truncation message of mfm_open names no section: when the table itself is intact, say
// which sections the cut removed (a partial download is the likely cause in a browser).
std::string truncated_sections(const uint8_t * data, size_t size) {
    auto u64 = [](const uint8_t * p) {
        uint64_t v = 0;
        for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
        return v;
    };
    if (size < mfm_header_size) return "";
    const uint64_t count =
        (uint64_t) data[24] | ((uint64_t) data[25] << 8) | ((uint64_t) data[26] << 16) | ((uint64_t) data[27] << 24);
    if (count > 4096 || mfm_header_size + count * mfm_entry_size > size) return "";
    for (uint64_t i = 0; i < count; ++i) {
        const uint8_t * e = data + mfm_header_size + i * mfm_entry_size;
        const uint64_t off = u64(e + 64), len = u64(e + 72);
        if (off > size || len > size - off) {
            std::string name;
            for (int c = 0; c < 32 && e[c]; ++c) name += (e[c] >= 0x20 && e[c] < 0x7f) ? (char) e[c] : '?';
            return " (section " + name + " and every later one cut off: an incomplete download?)";
        }
    }
    return "";
}

}  // namespace

result<mfm_reader> mfm_open(const uint8_t * data, size_t size, bool verify_crc) {
    using R = result<mfm_reader>;
    if (size == 0) return R::fail("empty file (0 bytes)");
    if (data == nullptr) return R::fail("no data");
    // magic first, so that a CSV or a JPEG gets the right complaint even when short
    const size_t nmagic = std::min(size, sizeof(mfm_magic));
    if (std::memcmp(data, mfm_magic, nmagic) != 0) {
        return R::fail("not an mfrec file: magic \"MFRECMFM\" expected, \"" + printable(data, nmagic) + "\" found");
    }
    if (size < mfm_header_size) {
        return R::fail("truncated: " + std::to_string(size) + " bytes, the header alone is " +
                       std::to_string(mfm_header_size));
    }
    if (reinterpret_cast<uintptr_t>(data) % 8 != 0) {
        return R::fail("buffer not 8-byte aligned (copy the bytes into a std::vector first)");
    }
    if (!host_is_little_endian()) return R::fail("big-endian hosts are not supported");
    const uint32_t version = get_u32(data + 8);
    if (version != mfm_version) {
        return R::fail("version " + std::to_string(version) + " not supported (this build reads version " +
                       std::to_string(mfm_version) + (version > mfm_version ? "; upgrade mfrec)" : ")"));
    }
    const uint32_t endian = get_u32(data + 12);
    if (endian != mfm_endian_check) {
        if (endian == 0x04030201u) {
            return R::fail(
                "written big-endian (endianness check 0x04030201); only little-endian files "
                "are supported");
        }
        return R::fail("bad endianness check " + hex32(endian) + " (0x01020304 expected)");
    }
    if (crc32_compute(data, 60) != get_u32(data + 60)) return R::fail("header CRC mismatch (file corrupt)");
    if (get_u32(data + 28) != 0) return R::fail("header: unknown flags " + hex32(get_u32(data + 28)));
    if (!all_zero(data + 40, 16)) return R::fail("header: reserved bytes not zero");
    const uint64_t file_size = get_u64(data + 16);
    if (file_size > size) {
        return R::fail("truncated: the header says " + std::to_string(file_size) + " bytes, " + std::to_string(size) +
                       " present" + truncated_sections(data, size));
    }
    if (file_size < size) {
        return R::fail(std::to_string(size - file_size) + " bytes of trailing data after the declared end (" +
                       std::to_string(file_size) + " bytes)");
    }
    const uint64_t table_offset = get_u64(data + 32);
    if (table_offset != mfm_header_size) {
        return R::fail("header: table offset " + std::to_string(table_offset) + ", 64 expected");
    }
    const uint64_t count = get_u32(data + 24);
    const uint64_t table_end = mfm_header_size + count * mfm_entry_size;  // count < 2^32: no overflow
    if (table_end > file_size) {
        return R::fail("section table (" + std::to_string(count) + " entries, " +
                       std::to_string(count * mfm_entry_size) + " bytes) extends past the end of the file (" +
                       std::to_string(file_size) + " bytes)");
    }
    if (crc32_compute(data + mfm_header_size, (size_t) (table_end - mfm_header_size)) != get_u32(data + 56)) {
        return R::fail("section table CRC mismatch (file corrupt)");
    }

    mfm_reader r;
    r.version = version;
    r.file_size = file_size;
    r.sections.resize((size_t) count);
    for (size_t i = 0; i < count; ++i) {
        const uint8_t * e = data + mfm_header_size + i * mfm_entry_size;
        mfm_section & s = r.sections[i];
        size_t len = 0;
        while (len < 32 && e[len] != 0) ++len;
        s.name.assign(reinterpret_cast<const char *>(e), len);
        const std::string where = "section " + (name_ok(s.name) ? s.name : "#" + std::to_string(i));
        if (!name_ok(s.name) || !all_zero(e + len, 32 - len)) {
            return R::fail(where + ": invalid name \"" + printable(e, len) + "\"");
        }
        for (size_t j = 0; j < i; ++j) {
            if (r.sections[j].name == s.name) return R::fail(where + ": duplicate name");
        }
        s.type = (mfm_type) get_u32(e + 32);
        const size_t elem = mfm_type_size(s.type);
        if (elem == 0) return R::fail(where + ": unknown element type " + std::to_string(get_u32(e + 32)));
        if (get_u32(e + 36) != 0) return R::fail(where + ": unknown flags " + hex32(get_u32(e + 36)));
        if (!all_zero(e + 84, 12)) return R::fail(where + ": reserved bytes not zero");
        for (int d = 0; d < 3; ++d) s.shape[d] = get_u64(e + 40 + 8 * d);
        s.offset = get_u64(e + 64);
        s.size = get_u64(e + 72);
        s.crc = get_u32(e + 80);
        uint64_t expect = 0;
        if (!shape_bytes(s.shape, elem, expect)) {
            return R::fail(where + ": shape " + shape_text(s.shape, 0) + " too large");
        }
        if (expect != s.size) {
            return R::fail(where + ": " + shape_text(s.shape, elem) + " bytes expected, " + std::to_string(s.size) +
                           " found");
        }
        if (s.offset % mfm_align != 0) {
            return R::fail(where + ": offset " + std::to_string(s.offset) + " not 64-byte aligned");
        }
        if (s.offset < table_end || s.offset > file_size || s.size > file_size - s.offset) {
            return R::fail(
                where + ": bytes [" + std::to_string(s.offset) + ", " +
                (s.size > ~(uint64_t) 0 - s.offset ? std::string("overflow") : std::to_string(s.offset + s.size)) +
                ") outside the payload area [" + std::to_string(table_end) + ", " + std::to_string(file_size) + ")");
        }
        s.data = data + s.offset;
    }

    // no overlaps, zero padding in every gap, the file ends at the last payload rounded up to 64
    std::vector<size_t> order(r.sections.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        const auto & sa = r.sections[a];
        const auto & sb = r.sections[b];
        return sa.offset != sb.offset ? sa.offset < sb.offset : sa.size < sb.size;
    });
    uint64_t cursor = table_end;
    const mfm_section * prev = nullptr;
    for (size_t i : order) {
        const mfm_section & s = r.sections[i];
        if (s.offset < cursor) {
            return R::fail("section " + s.name + ": overlaps section " + (prev ? prev->name : std::string("table")));
        }
        if (!all_zero(data + cursor, (size_t) (s.offset - cursor))) {
            return R::fail("section " + s.name + ": nonzero padding before its payload (file corrupt)");
        }
        if (s.size > 0) {
            cursor = s.offset + s.size;
            prev = &s;
        }
    }
    if (file_size != align_up(cursor)) {
        return R::fail("file size " + std::to_string(file_size) + " but the last payload ends at " +
                       std::to_string(cursor) + " (the file ends at the next multiple of 64)");
    }
    if (!all_zero(data + cursor, (size_t) (file_size - cursor))) {
        return R::fail("nonzero padding after the last payload (file corrupt)");
    }
    if (verify_crc) {
        for (const mfm_section & s : r.sections) {
            if (crc32_compute(s.data, (size_t) s.size) != s.crc) {
                return R::fail("section " + s.name + ": CRC mismatch (file corrupt)");
            }
        }
    }
    return r;
}

// ---- writer

bool mfm_writer::add(const std::string & name, mfm_type type, const void * data, uint64_t rows, uint64_t cols,
                     uint64_t depth) {
    const uint64_t shape[3] = {rows, cols, depth};
    return add_section(name, type, data, shape, true);
}

bool mfm_writer::add_view(const std::string & name, mfm_type type, const void * data, uint64_t rows, uint64_t cols) {
    const uint64_t shape[3] = {rows, cols, 1};
    return add_section(name, type, data, shape, false);
}

bool mfm_writer::add_section(const std::string & name, mfm_type type, const void * data, const uint64_t shape[3],
                             bool copy) {
    if (!error_.empty()) return false;
    if (!name_ok(name)) {
        error_ = "section \"" + name + "\": invalid name (1 to 31 characters of [A-Za-z0-9_.-])";
        return false;
    }
    for (const auto & p : sections_) {
        if (p.meta.name == name) {
            error_ = "section " + name + ": added twice";
            return false;
        }
    }
    const size_t elem = mfm_type_size(type);
    uint64_t n = 0;
    if (elem == 0 || !shape_bytes(shape, elem, n) || n > (uint64_t) SIZE_MAX / 2 || (n > 0 && !data)) {
        error_ = "section " + name + ": bad type, shape or data";
        return false;
    }
    pending p;
    p.meta.name = name;
    p.meta.type = type;
    for (int d = 0; d < 3; ++d) p.meta.shape[d] = shape[d];
    p.meta.size = n;
    const uint8_t * b = static_cast<const uint8_t *>(data);
    if (n > 0 && copy) p.payload.assign(b, b + n);
    if (n > 0 && !copy) p.view = b;
    sections_.push_back(std::move(p));
    return true;
}

uint64_t mfm_writer::layout() {
    const uint64_t table_end = mfm_header_size + sections_.size() * mfm_entry_size;
    uint64_t cursor = align_up(table_end);
    for (auto & p : sections_) {
        p.meta.offset = cursor;
        cursor = align_up(cursor + p.meta.size);
    }
    return cursor;
}

bool mfm_writer::finish_to(const std::function<bool(const uint8_t *, size_t)> & sink) {
    if (!error_.empty()) {
        sections_.clear();
        return false;
    }
    const uint64_t size = layout();
    // the header and the table, zero-padded to the first section
    const uint64_t table_end = mfm_header_size + sections_.size() * mfm_entry_size;
    std::vector<uint8_t> head((size_t) align_up(table_end), 0);
    uint8_t * h = head.data();
    std::memcpy(h, mfm_magic, 8);
    put_u32(h + 8, mfm_version);
    put_u32(h + 12, mfm_endian_check);
    put_u64(h + 16, size);
    put_u32(h + 24, (uint32_t) sections_.size());
    put_u64(h + 32, mfm_header_size);
    for (size_t i = 0; i < sections_.size(); ++i) {
        const pending & p = sections_[i];
        uint8_t * e = h + mfm_header_size + i * mfm_entry_size;
        std::memcpy(e, p.meta.name.data(), p.meta.name.size());
        put_u32(e + 32, (uint32_t) p.meta.type);
        for (int d = 0; d < 3; ++d) put_u64(e + 40 + 8 * d, p.meta.shape[d]);
        put_u64(e + 64, p.meta.offset);
        put_u64(e + 72, p.meta.size);
        put_u32(e + 80, crc32_compute(p.data(), (size_t) p.meta.size));
    }
    put_u32(h + 56, crc32_compute(h + mfm_header_size, (size_t) (table_end - mfm_header_size)));
    put_u32(h + 60, crc32_compute(h, 60));
    bool ok = sink(head.data(), head.size());
    static const uint8_t zeros[mfm_align] = {};
    for (pending & p : sections_) {
        if (!ok) break;
        if (p.meta.size > 0) ok = sink(p.data(), (size_t) p.meta.size);
        const uint64_t pad = align_up(p.meta.offset + p.meta.size) - (p.meta.offset + p.meta.size);
        if (ok && pad > 0) ok = sink(zeros, (size_t) pad);
        std::vector<uint8_t>().swap(p.payload);  // release as we go
    }
    sections_.clear();
    if (!ok) error_ = "the output refused the bytes";
    return ok;
}

std::vector<uint8_t> mfm_writer::finish() {
    std::vector<uint8_t> out;
    if (!error_.empty()) {
        sections_.clear();
        return out;
    }
    out.reserve((size_t) layout());
    finish_to([&](const uint8_t * p, size_t n) {
        out.insert(out.end(), p, p + n);
        return true;
    });
    return out;
}

// ---- float16 (after F. Giesen's float_to_half_fast3_rtne / half_to_float)

namespace {
uint32_t f32_bits(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    return u;
}
float f32_from_bits(uint32_t u) {
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}
}  // namespace

uint16_t f16_from_f32(float f) {
    uint32_t x = f32_bits(f);
    const uint32_t sign = x & 0x80000000u;
    x ^= sign;
    uint32_t o;
    if (x >= (127u + 16u) << 23) {                 // ≥ 65536, inf or NaN
        o = x > (255u << 23) ? 0x7E00u : 0x7C00u;  // NaN -> quiet NaN, else inf
    } else if (x < (113u << 23)) {                 // below 2^-14: subnormal half or zero
        const uint32_t denorm_magic = ((127u - 15u) + (23u - 10u) + 1u) << 23;
        // the float addition rounds to nearest even at the subnormal half's precision
        o = f32_bits(f32_from_bits(x) + f32_from_bits(denorm_magic)) - denorm_magic;
    } else {
        const uint32_t mant_odd = (x >> 13) & 1u;
        x += ((uint32_t) (15 - 127) << 23) + 0xFFFu;  // rebias and round (ties to even below)
        x += mant_odd;
        o = x >> 13;  // overflow into the exponent gives inf, as it should
    }
    return (uint16_t) (o | (sign >> 16));
}

float f32_from_f16(uint16_t h) {
    const uint32_t shifted_exp = 0x7C00u << 13;
    uint32_t o = ((uint32_t) h & 0x7FFFu) << 13;
    const uint32_t exp = shifted_exp & o;
    o += (uint32_t) (127 - 15) << 23;
    if (exp == shifted_exp) {
        o += (uint32_t) (128 - 16) << 23;  // inf / NaN
    } else if (exp == 0) {
        o += 1u << 23;  // subnormal: renormalise through a float subtraction
        o = f32_bits(f32_from_bits(o) - f32_from_bits(113u << 23));
    }
    o |= ((uint32_t) h & 0x8000u) << 16;
    return f32_from_bits(o);
}

void f16_from_f32_n(const float * x, uint16_t * y, size_t n) {
    for (size_t i = 0; i < n; ++i) y[i] = f16_from_f32(x[i]);
}

void f32_from_f16_n(const uint16_t * x, float * y, size_t n) {
    for (size_t i = 0; i < n; ++i) y[i] = f32_from_f16(x[i]);
}

namespace {

template <class T>
void strings_add_t(mfm_writer & w, const std::string & blob_name, const std::string & offsets_name,
                   const std::vector<std::string> & v, mfm_type type) {
    std::string blob;
    std::vector<T> off(v.size() + 1, 0);
    for (size_t i = 0; i < v.size(); ++i) {
        blob += v[i];
        off[i + 1] = (T) blob.size();
    }
    w.add_bytes(blob_name, blob.data(), blob.size());
    w.add(offsets_name, type, off.data(), off.size());
}

template <class T>
status strings_read_t(const mfm_array<T> & off, const mfm_array<uint8_t> & blob, const std::string & blob_name,
                      const std::string & offsets_name, std::vector<std::string> & out) {
    const std::string where = "section " + offsets_name + ": ";
    if (off.size() == 0) return status::fail(where + "empty (at least one offset, 0)");
    const uint64_t count = off.size() - 1;
    if (off[0] != 0) return status::fail(where + "first offset " + std::to_string(off[0]) + ", 0 expected");
    for (uint64_t i = 0; i < count; ++i) {
        if (off[i + 1] < off[i]) {
            return status::fail(where + "offset " + std::to_string(i + 1) + " (" + std::to_string(off[i + 1]) +
                                ") is below the one before (" + std::to_string(off[i]) + ")");
        }
    }
    if ((uint64_t) off[count] != blob.size()) {
        return status::fail(where + "last offset " + std::to_string(off[count]) + ", but " + blob_name + " has " +
                            std::to_string(blob.size()) + " bytes");
    }
    out.resize((size_t) count);
    const char * base = reinterpret_cast<const char *>(blob.data);
    for (uint64_t i = 0; i < count; ++i) out[(size_t) i].assign(base + off[i], (size_t) (off[i + 1] - off[i]));
    return {};
}

}  // namespace

void mfm_strings_add(mfm_writer & w, const std::string & blob_name, const std::string & offsets_name,
                     const std::vector<std::string> & v, mfm_type offset_type) {
    if (offset_type == mfm_type::u32)
        strings_add_t<uint32_t>(w, blob_name, offsets_name, v, offset_type);
    else
        strings_add_t<uint64_t>(w, blob_name, offsets_name, v, mfm_type::u64);
}

status mfm_strings_read(const mfm_reader & r, const std::string & blob_name, const std::string & offsets_name,
                        uint64_t n, mfm_type offset_type, std::vector<std::string> & out) {
    auto blob = r.bytes(blob_name);
    if (!blob) return status::fail(blob.error());
    const uint64_t rows = n == mfm_any ? mfm_any : n + 1;
    if (offset_type == mfm_type::u32) {
        auto off = r.u32(offsets_name, rows);
        if (!off) return status::fail(off.error());
        return strings_read_t(*off, *blob, blob_name, offsets_name, out);
    }
    auto off = r.u64(offsets_name, rows);
    if (!off) return status::fail(off.error());
    return strings_read_t(*off, *blob, blob_name, offsets_name, out);
}

}  // namespace mf
