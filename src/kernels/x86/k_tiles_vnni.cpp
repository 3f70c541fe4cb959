// The AVX-512 VNNI build of k_tiles.inc (compiled with -mavx512vnni -mavx512vl -mavx512bw and the
// AVX2 flags on x86-64 only): two 32-byte chunks per 512-bit vector, maddubs and dpwssd for the
// integer products.
#include "kernels/x86/k_tiles.h"

#if defined(__x86_64__) && defined(__AVX512VNNI__) && defined(__AVX512VL__)
#define CITADEL_K_VNNI 1
#include "kernels/x86/k_tiles.inc"

namespace citadel::kernels::x86 {
KTileFn TiledKKernelVnni(KWeights weights) { return Select(weights); }
}  // namespace citadel::kernels::x86
#else
namespace citadel::kernels::x86 {
KTileFn TiledKKernelVnni(KWeights) { return nullptr; }
}  // namespace citadel::kernels::x86
#endif
