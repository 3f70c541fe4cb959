// The x86 Q4_K and Q6_K decode dots against the scalar reference (dequantize, double dot), on random blocks
// with every scale and min pattern the 6-bit packing allows. Skips without AVX2.

#include "kernels/x86/k_dots.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "kernels/activation_rounding.h"
#include "kernels/dot_reference.h"
#include "quant/quant.h"
#include "testing/random.h"

namespace citadel::kernels::x86 {
namespace {

TEST(KDots, Q4KMatchesReference) {
  const Q4KDotFn dot = Q4KDotKernel();
  if (dot == nullptr) GTEST_SKIP() << "no AVX2 on this CPU";
  CITADEL_SEEDED_RNG(rng);
  for (const size_t blocks : {1ul, 3ul, 8ul}) {
    for (int trial = 0; trial < 20; ++trial) {
      const auto w_values = testing::RandomFloats(rng, blocks * 256, trial % 2 == 0 ? 1.0f : 100.0f);
      std::vector<quant::BlockQ4_K> w(blocks);
      ASSERT_TRUE(quant::Quantize(gguf::TensorType::kQ4_K, w_values, std::as_writable_bytes(std::span(w))));
      const auto x_values = testing::RandomFloats(rng, blocks * 256);
      std::vector<quant::BlockQ8_K> x(blocks);
      QuantizeActivationsQ8_K(x_values, x);
      const auto expected = reference::DotQ4_K(w, x);
      EXPECT_NEAR(dot(w.data(), x.data(), blocks), expected.dot, 1e-5 * expected.abs_sum + 1e-30)
          << "blocks " << blocks << " trial " << trial;
    }
  }
}

TEST(KDots, Q6KMatchesReference) {
  const Q6KDotFn dot = Q6KDotKernel();
  if (dot == nullptr) GTEST_SKIP() << "no AVX2 on this CPU";
  CITADEL_SEEDED_RNG(rng);
  for (const size_t blocks : {1ul, 3ul, 8ul}) {
    for (int trial = 0; trial < 20; ++trial) {
      const auto w_values = testing::RandomFloats(rng, blocks * 256, trial % 2 == 0 ? 1.0f : 100.0f);
      std::vector<quant::BlockQ6_K> w(blocks);
      ASSERT_TRUE(quant::Quantize(gguf::TensorType::kQ6_K, w_values, std::as_writable_bytes(std::span(w))));
      const auto x_values = testing::RandomFloats(rng, blocks * 256);
      std::vector<quant::BlockQ8_K> x(blocks);
      QuantizeActivationsQ8_K(x_values, x);
      const auto expected = reference::DotQ6_K(w, x);
      EXPECT_NEAR(dot(w.data(), x.data(), blocks), expected.dot, 1e-5 * expected.abs_sum + 1e-30)
          << "blocks " << blocks << " trial " << trial;
    }
  }
}

}  // namespace
}  // namespace citadel::kernels::x86
