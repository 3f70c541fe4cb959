// The AVX2 build of q4_tiles.inc (compiled with -mavx2 -mfma -mf16c on x86-64 only).
#include "kernels/x86/q4_packed.h"

#if defined(__x86_64__) && defined(__AVX2__)
#include "kernels/x86/q4_tiles.inc"

namespace citadel::kernels::x86 {
PackedQ4Fn PackedQ4KernelAvx2() { return &MatMul; }
}  // namespace citadel::kernels::x86
#else
namespace citadel::kernels::x86 {
PackedQ4Fn PackedQ4KernelAvx2() { return nullptr; }
}  // namespace citadel::kernels::x86
#endif
