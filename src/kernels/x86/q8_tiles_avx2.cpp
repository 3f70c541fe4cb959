// The AVX2 build of q8_tiles.inc (compiled with -mavx2 -mfma -mf16c on x86-64 only).
#include "kernels/x86/q8_tiles.h"

#if defined(__x86_64__) && defined(__AVX2__)
#include "kernels/x86/q8_tiles.inc"

namespace citadel::kernels::x86 {
Q8TileFn TiledQ8KernelAvx2(Q8Weights weights) { return Select(weights); }
}  // namespace citadel::kernels::x86
#else
namespace citadel::kernels::x86 {
Q8TileFn TiledQ8KernelAvx2(Q8Weights) { return nullptr; }
}  // namespace citadel::kernels::x86
#endif
