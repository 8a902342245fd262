# isa_symbols.cmake - the ODR guard of the per-ISA kernels (core/cpu.h), run by CTest:
#   1. the object files of core/kernels_*.cpp define no weak (COMDAT) symbol: an inline or
#      template function compiled there with -mavx2/-mavx512f could otherwise be picked by the
#      linker for every caller, the portable path included (SIGILL on an older CPU);
#      their global symbols all live in their own namespace (mf::kern_avx2, mf::kern_avx512*);
#   2. in the linked binary, no function outside those namespaces uses a VEX/EVEX instruction
#      (ymm/zmm registers, vfmadd…, v-prefixed SSE): the rest runs on baseline x86-64.
# cmake -DNM=nm -DOBJDUMP=objdump "-DOBJECTS=a.o|b.o" -DBINARY=build/mfrec -P isa_symbols.cmake
string(REPLACE "|" ";" OBJECTS "${OBJECTS}")
set(checked 0)
foreach(o IN LISTS OBJECTS)
  if(NOT o MATCHES "kernels_[a-z0-9]+\\.cpp\\.o$")
    continue()
  endif()
  math(EXPR checked "${checked} + 1")
  execute_process(COMMAND ${NM} -C ${o} OUTPUT_VARIABLE syms RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${NM} failed on ${o}")
  endif()
  string(REPLACE "\n" ";" lines "${syms}")
  foreach(line IN LISTS lines)
    # DW.ref.__gxx_personality_v0: the exception-handling personality's data reference (no
    # code), which builds with unwind tables (the sanitizer build) emit as weak
    if(line MATCHES "^[0-9a-f]* *[WVuvw] " AND NOT line MATCHES " DW\\.ref\\.")
      message(FATAL_ERROR "${o}: weak symbol (may be merged into other paths): ${line}")
    endif()
    if(line MATCHES "^[0-9a-f]+ [TDRB] " AND NOT line MATCHES " mf::kern_avx(2|512|512_8)::")
      message(FATAL_ERROR "${o}: global symbol outside the file's own namespace: ${line}")
    endif()
  endforeach()
endforeach()
if(checked EQUAL 0)
  message(FATAL_ERROR "no kernels_*.cpp.o among the objects")
endif()

execute_process(COMMAND ${OBJDUMP} -d --no-show-raw-insn -C ${BINARY} OUTPUT_VARIABLE dis RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${OBJDUMP} failed on ${BINARY}")
endif()
string(REPLACE ";" "," dis "${dis}")
string(REPLACE "\n" ";" lines "${dis}")
set(fn "")
set(bad "")
foreach(line IN LISTS lines)
  if(line MATCHES "^[0-9a-f]+ <(.*)>:$")
    set(fn "${CMAKE_MATCH_1}")
  elseif(line MATCHES "\t(v[a-z0-9]+) " OR line MATCHES "%[yz]mm")
    if(NOT fn MATCHES "mf::kern_avx(2|512|512_8)::")
      list(APPEND bad "${fn}: ${line}")
    endif()
  endif()
endforeach()
if(bad)
  list(LENGTH bad nbad)
  list(GET bad 0 first)
  message(FATAL_ERROR "${BINARY}: ${nbad} AVX instructions outside the kernel files, first: ${first}")
endif()
message(STATUS "kernel objects clean; ${BINARY} uses AVX only in mf::kern_avx*")
