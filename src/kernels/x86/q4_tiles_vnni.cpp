// The AVX-512 VNNI build of q4_tiles.inc (compiled with -mavx512vnni -mavx512vl -mavx512bw and the
// AVX2 flags on x86-64 only): a group's 16 rows in one 512-bit vector, dpbusd for the byte products.
#include "kernels/x86/q4_packed.h"

#if defined(__x86_64__) && defined(__AVX512VNNI__) && defined(__AVX512VL__)
#define CITADEL_Q4_VNNI 1
#include "kernels/x86/q4_tiles.inc"

namespace citadel::kernels::x86 {
PackedQ4Fn PackedQ4KernelVnni() { return &MatMul; }
}  // namespace citadel::kernels::x86
#else
namespace citadel::kernels::x86 {
PackedQ4Fn PackedQ4KernelVnni() { return nullptr; }
}  // namespace citadel::kernels::x86
#endif
