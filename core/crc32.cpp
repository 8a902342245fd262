#include "crc32.h"

#include <array>
#include <cstring>

namespace mf {

namespace {

using crc32_tables = std::array<std::array<uint32_t, 256>, 16>;

constexpr crc32_tables crc32_tables_make() {
    crc32_tables t{};
    for (uint32_t i = 0; i < 256; ++i) {
        uint32_t c = i;
        for (int b = 0; b < 8; ++b) c = (c & 1u) ? (c >> 1) ^ 0xEDB88320u : (c >> 1);
        t[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; ++i) {
        for (int s = 1; s < 16; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFFu];
    }
    return t;
}

constexpr crc32_tables crc32_table = crc32_tables_make();

inline uint32_t load_u32_le(const uint8_t * p) {
    return (uint32_t) p[0] | ((uint32_t) p[1] << 8) | ((uint32_t) p[2] << 16) | ((uint32_t) p[3] << 24);
}

}  // namespace

uint32_t crc32_update(uint32_t crc, const void * data, size_t n) {
    const auto & t = crc32_table;
    const uint8_t * p = static_cast<const uint8_t *>(data);
    uint32_t c = ~crc;
    while (n >= 16) {
        // the byte-wise loads compile to plain 32-bit loads on little-endian targets
        uint32_t a = load_u32_le(p) ^ c;
        uint32_t b = load_u32_le(p + 4);
        uint32_t d = load_u32_le(p + 8);
        uint32_t e = load_u32_le(p + 12);
        c = t[15][a & 0xFF] ^ t[14][(a >> 8) & 0xFF] ^ t[13][(a >> 16) & 0xFF] ^ t[12][a >> 24] ^ t[11][b & 0xFF] ^
            t[10][(b >> 8) & 0xFF] ^ t[9][(b >> 16) & 0xFF] ^ t[8][b >> 24] ^ t[7][d & 0xFF] ^ t[6][(d >> 8) & 0xFF] ^
            t[5][(d >> 16) & 0xFF] ^ t[4][d >> 24] ^ t[3][e & 0xFF] ^ t[2][(e >> 8) & 0xFF] ^ t[1][(e >> 16) & 0xFF] ^
            t[0][e >> 24];
        p += 16;
        n -= 16;
    }
    while (n--) c = (c >> 8) ^ t[0][(c ^ *p++) & 0xFF];
    return ~c;
}

}  // namespace mf
