// rng.h - a small, platform-independent random generator.
//
// std::normal_distribution differs between libstdc++ (native) and libc++ (wasm), so the same seed
// would give different models. splitmix64 + Box-Muller is identical everywhere.
#pragma once

#include <cmath>
#include <cstdint>

namespace mf {

struct rng {
    uint64_t state;
    explicit rng(uint64_t seed) : state(seed * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull) {}

    // splitmix64 (Steele, Lea, Flood 2014)
    uint64_t next_u64() {
        uint64_t z = (state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    // uniform in [0, 1) with 53 bits
    double uniform() { return (double) (next_u64() >> 11) * (1.0 / 9007199254740992.0); }
    // uniform integer in [0, n) (Lemire's multiply-shift; the bias is below 2^-32 for n < 2^32)
    uint64_t below(uint64_t n) { return (uint64_t) (((unsigned __int128) next_u64() * n) >> 64); }
    // standard normal, Box-Muller: z = sqrt(-2 ln u1) cos(2 pi u2)
    double normal() {
        double u1 = uniform();
        double u2 = uniform();
        if (u1 < 1e-300) u1 = 1e-300;
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
    }
};

// A stateless hash of (seed, index): the same answer whatever order rows are visited in.
inline uint64_t rng_hash(uint64_t seed, uint64_t index) {
    rng r(seed ^ (index * 0xD1B54A32D192ED03ull));
    return r.next_u64();
}

}  // namespace mf
