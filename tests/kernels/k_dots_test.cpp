// The x86 Q4_K, Q5_K and Q6_K decode dots against the scalar reference (dequantize, double dot), on
// random blocks at two weight scales, so every scale and min pattern of the packings occurs.
// Skips without AVX2.

#include "kernels/x86/k_dots.h"

#include <gtest/gtest.h>

#include <vector>

#include "kernels/activation_rounding.h"
#include "kernels/dot_reference.h"
#include "quant/quant.h"
#include "testing/random.h"

namespace citadel::kernels::x86 {
namespace {

template <class Block, class DotFn, class ReferenceFn>
void CheckAgainstReference(DotFn dot, gguf::TensorType type, ReferenceFn reference) {
  if (dot == nullptr) GTEST_SKIP() << "no AVX2 on this CPU";
  CITADEL_SEEDED_RNG(rng);
  for (const size_t blocks : {1ul, 3ul, 8ul}) {
    for (int trial = 0; trial < 20; ++trial) {
      const auto w_values = testing::RandomFloats(rng, blocks * 256, trial % 2 == 0 ? 1.0f : 100.0f);
      std::vector<Block> w(blocks);
      ASSERT_TRUE(quant::Quantize(type, w_values, std::as_writable_bytes(std::span(w))));
      const auto x_values = testing::RandomFloats(rng, blocks * 256);
      std::vector<quant::BlockQ8_K> x(blocks);
      QuantizeActivationsQ8_K(x_values, x);
      const reference::DotResult expected = reference(std::span<const Block>(w), std::span<const quant::BlockQ8_K>(x));
      EXPECT_NEAR(dot(w.data(), x.data(), blocks), expected.dot, 1e-5 * expected.abs_sum + 1e-30)
          << gguf::Name(type) << " blocks " << blocks << " trial " << trial;
    }
  }
}

TEST(KDots, Q4KMatchesReference) {
  CheckAgainstReference<quant::BlockQ4_K>(Q4KDotKernel(), gguf::TensorType::kQ4_K, &reference::DotQ4_K);
}

TEST(KDots, Q5KMatchesReference) {
  CheckAgainstReference<quant::BlockQ5_K>(Q5KDotKernel(), gguf::TensorType::kQ5_K, &reference::DotQ5_K);
}

TEST(KDots, Q6KMatchesReference) {
  CheckAgainstReference<quant::BlockQ6_K>(Q6KDotKernel(), gguf::TensorType::kQ6_K, &reference::DotQ6_K);
}

}  // namespace
}  // namespace citadel::kernels::x86
