// crc32.h - CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), the checksum of zlib, gzip
// and PNG: crc32_compute("123456789", 9) == 0xCBF43926.
//
// Table-driven, slicing-by-16 (16 table lookups per 16 input bytes, 16 KiB of tables), portable C++17 with no
// intrinsics so it runs the same natively and in wasm. Incremental use:
//     uint32_t c = crc32_update(0, a, na);  c = crc32_update(c, b, nb);   // == crc32 of a||b
#pragma once

#include <cstddef>
#include <cstdint>

namespace mf {

// Continues a CRC: crc is the value returned for the bytes so far (0 for none).
uint32_t crc32_update(uint32_t crc, const void * data, size_t n);

inline uint32_t crc32_compute(const void * data, size_t n) {
    return crc32_update(0, data, n);
}

}  // namespace mf
