// How __morestack preserves the vector registers across the runtime's C code (morestack.S).
//
// At a function's entry every argument register is live, and with AVX that includes the upper
// halves of ymm0-7 (__m256 arguments) and, for other calling conventions (vectorcall, regcall,
// win64), xmm8-15 and callee-saved vector registers. The C code __morestack calls (memcpy in
// copystack uses AVX and ends with vzeroupper) may change all of them. __morestack therefore
// saves the whole SSE/AVX/AVX-512 state with XSAVE, on the system stack (a ~1-3 KB area: no
// room for it in a task's guard reserve), and restores it with XRSTOR; without XSAVE (no AVX
// either), FXSAVE's 512 bytes hold xmm0-15 and MXCSR.

#include "internal.h"

#include <cpuid.h>
#include <stdint.h>

// Read by morestack.S. The defaults (FXSAVE, 512 bytes) are valid on every x86-64 CPU, so a
// __morestack that runs before the constructor below is still correct.
uint64_t gostack_vector_save_size = 512;
uint32_t gostack_vector_save_xsave = 0;

__attribute__((constructor(101))) static void detect_vector_save(void) {
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_OSXSAVE))
    return;
  // Leaf 0xD, sub-leaf 0: EBX = bytes the XSAVE area needs for the features enabled in XCR0.
  if (!__get_cpuid_count(0xd, 0, &a, &b, &c, &d) || b < 576)
    return;
  gostack_vector_save_size = b;
  gostack_vector_save_xsave = 1;
}
