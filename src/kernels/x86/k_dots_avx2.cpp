// The AVX2 build of k_dots.h (compiled with -mavx2 -mfma -mf16c on x86-64 only). The per-block work
// is k_superblocks.inc's, which the tile kernels share: see there for the numerics.
#include "kernels/x86/k_dots.h"

#if defined(__x86_64__) && defined(__AVX2__)
#include "kernels/x86/k_superblocks.inc"
#include "kernels/x86/cpu.h"

namespace citadel::kernels::x86 {
namespace {

template <class Block>  // BlockQ4_K or BlockQ5_K
float DotQ4K(const Block* w, const quant::BlockQ8_K* x, size_t blocks) {
  __m256 acc = _mm256_setzero_ps();
  for (size_t b = 0; b < blocks; ++b) {
    Q4KBlock wb;
    UnpackQ4K(w[b], wb);
    acc = AddQ4K<std::is_same_v<Block, quant::BlockQ5_K>>(acc, wb, x[b]);
  }
  return HorizontalSum(acc);
}

float DotQ6K(const quant::BlockQ6_K* w, const quant::BlockQ8_K* x, size_t blocks) {
  __m256 acc = _mm256_setzero_ps();
  for (size_t b = 0; b < blocks; ++b) {
    Q6KBlock wb;
    UnpackQ6K(w[b], wb);
    acc = AddQ6K(acc, wb, x[b]);
  }
  return HorizontalSum(acc);
}

}  // namespace

Q4KDotFn Q4KDotKernel() { return CpuHasAvx2() ? &DotQ4K<quant::BlockQ4_K> : nullptr; }
Q5KDotFn Q5KDotKernel() { return CpuHasAvx2() ? &DotQ4K<quant::BlockQ5_K> : nullptr; }
Q6KDotFn Q6KDotKernel() { return CpuHasAvx2() ? &DotQ6K : nullptr; }

}  // namespace citadel::kernels::x86
#else
namespace citadel::kernels::x86 {
Q4KDotFn Q4KDotKernel() { return nullptr; }
Q5KDotFn Q5KDotKernel() { return nullptr; }
Q6KDotFn Q6KDotKernel() { return nullptr; }
}  // namespace citadel::kernels::x86
#endif
