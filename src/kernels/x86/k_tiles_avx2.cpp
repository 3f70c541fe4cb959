// The AVX2 build of k_tiles.inc (compiled with -mavx2 -mfma -mf16c on x86-64 only).
#include "kernels/x86/k_tiles.h"

#if defined(__x86_64__) && defined(__AVX2__)
#include "kernels/x86/k_tiles.inc"

namespace citadel::kernels::x86 {
KTileFn TiledKKernelAvx2(KWeights weights) { return Select(weights); }
}  // namespace citadel::kernels::x86
#else
namespace citadel::kernels::x86 {
KTileFn TiledKKernelAvx2(KWeights) { return nullptr; }
}  // namespace citadel::kernels::x86
#endif
