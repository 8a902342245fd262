#include "cpu.h"

#include <cstring>

#if (defined(__x86_64__) || defined(__i386__)) && !defined(__EMSCRIPTEN__) && defined(__GNUC__)
#include <cpuid.h>
#define MFREC_CPU_X86 1
#else
#define MFREC_CPU_X86 0
#endif

namespace mf {

namespace {

#if MFREC_CPU_X86
// __builtin_cpu_supports reads libgcc's table, which also checks that the OS saves the
// ymm / zmm registers (XGETBV), not only the cpuid bits
// F16C by its cpuid bit: clang 14's __builtin_cpu_supports does not know "f16c" (the fuzz build)
bool has_f16c() {
    unsigned a = 0, b = 0, c = 0, d = 0;
    return __get_cpuid(1, &a, &b, &c, &d) && (c & bit_F16C) != 0;
}
bool has_avx2() {
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && has_f16c();
}
bool has_avx512() {
    return has_avx2() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw");
}
#endif

}  // namespace

const char * isa_name(isa i) {
    switch (i) {
        case isa::avx2:
            return "avx2";
        case isa::avx512:
            return "avx512";
        default:
            return "portable";
    }
}

bool isa_parse(const std::string & text, isa & out, bool & is_auto) {
    is_auto = text == "auto" || text.empty();
    if (is_auto) return true;
    for (isa i : {isa::portable, isa::avx2, isa::avx512})
        if (text == isa_name(i)) {
            out = i;
            return true;
        }
    return false;
}

bool isa_compiled(isa i) {
#if defined(MFREC_KERNELS_X86)
    (void) i;
    return true;
#else
    return i == isa::portable;
#endif
}

bool isa_runs(isa i) {
    if (!isa_compiled(i)) return false;
#if MFREC_CPU_X86
    if (i == isa::avx2) return has_avx2();
    if (i == isa::avx512) return has_avx512();
#endif
    return i == isa::portable;
}

isa isa_best() {
    if (isa_runs(isa::avx512)) return isa::avx512;
    if (isa_runs(isa::avx2)) return isa::avx2;
    return isa::portable;
}

std::string cpu_features() {
    std::string s;
#if MFREC_CPU_X86
    // __builtin_cpu_supports takes a string literal only
#define MFREC_CPU_FEATURE(n) \
    { n, (bool) __builtin_cpu_supports(n) }
    const struct {
        const char * name;
        bool on;
    } features[] = {MFREC_CPU_FEATURE("sse2"),     MFREC_CPU_FEATURE("sse4.2"),    MFREC_CPU_FEATURE("avx"),
                    MFREC_CPU_FEATURE("avx2"),     MFREC_CPU_FEATURE("fma"),       {"f16c", has_f16c()},
                    MFREC_CPU_FEATURE("avx512f"),  MFREC_CPU_FEATURE("avx512dq"),  MFREC_CPU_FEATURE("avx512vl"),
                    MFREC_CPU_FEATURE("avx512bw"), MFREC_CPU_FEATURE("avx512vnni")};
#undef MFREC_CPU_FEATURE
    for (const auto & f : features) {
        if (!f.on) continue;
        if (!s.empty()) s += ' ';
        s += f.name;
    }
#endif
    return s;
}

std::string cpu_model() {
#if MFREC_CPU_X86
    unsigned a = 0, b = 0, c = 0, d = 0;
    if (!__get_cpuid(0x80000000u, &a, &b, &c, &d) || a < 0x80000004u) return "";
    char brand[49] = {0};
    for (unsigned leaf = 0; leaf < 3; ++leaf) {
        __get_cpuid(0x80000002u + leaf, &a, &b, &c, &d);
        std::memcpy(brand + 16 * leaf, &a, 4);
        std::memcpy(brand + 16 * leaf + 4, &b, 4);
        std::memcpy(brand + 16 * leaf + 8, &c, 4);
        std::memcpy(brand + 16 * leaf + 12, &d, 4);
    }
    std::string s(brand);
    size_t f = s.find_first_not_of(' '), l = s.find_last_not_of(' ');
    return f == std::string::npos ? "" : s.substr(f, l - f + 1);
#else
    return "";
#endif
}

}  // namespace mf
