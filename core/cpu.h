// cpu.h - the instruction sets this processor offers and the kernel path that runs on it.
//
// The kernels of gram.h exist once per instruction set (gram.cpp: portable C++ for any x86-64
// and wasm; kernels_avx2.cpp: AVX2+FMA+F16C; kernels_avx512.cpp: AVX-512 F/DQ/VL/BW), each file
// compiled with its own flags; one set is chosen at run time: the best the CPU has, or the one
// MFREC_ISA names (portable | avx2 | avx512) for tests and benchmarks.
#pragma once

#include <string>

namespace mf {

enum class isa { portable = 0, avx2 = 1, avx512 = 2 };

const char * isa_name(isa i);
// "portable" / "avx2" / "avx512" (also "auto": the best one); false for anything else
bool isa_parse(const std::string & text, isa & out, bool & is_auto);
// compiled into this binary (native x86-64: all three; wasm and others: portable only)
bool isa_compiled(isa i);
// compiled and executable on this CPU (for AVX-512 also enabled by the OS)
bool isa_runs(isa i);
isa isa_best();
// the instruction-set extensions of this CPU that matter here, e.g. "sse2 avx avx2 fma f16c"
std::string cpu_features();
// the processor's brand string from cpuid ("" where there is none)
std::string cpu_model();

}  // namespace mf
