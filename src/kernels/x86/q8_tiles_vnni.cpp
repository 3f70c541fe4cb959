// The AVX-512 VNNI build of q8_tiles.inc (compiled with -mavx512vnni -mavx512vl -mavx512bw and the
// AVX2 flags on x86-64 only): pairs of blocks in 512-bit vectors, dpbusd for the byte dot products.
#include "kernels/x86/q8_tiles.h"

#if defined(__x86_64__) && defined(__AVX512VNNI__) && defined(__AVX512VL__)
#define CITADEL_Q8_VNNI 1
#include "kernels/x86/q8_tiles.inc"

namespace citadel::kernels::x86 {
Q8TileFn TiledQ8KernelVnni(Q8Weights weights) { return Select(weights); }
}  // namespace citadel::kernels::x86
#else
namespace citadel::kernels::x86 {
Q8TileFn TiledQ8KernelVnni(Q8Weights) { return nullptr; }
}  // namespace citadel::kernels::x86
#endif
