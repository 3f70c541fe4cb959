// The vectorized Q8_K activation quantizer against its scalar definition (llama.cpp's
// quantize_row_q8_K), bit for bit: random blocks at several scales, a zero block, and blocks whose
// largest magnitude occurs twice with both signs (the first one sets the sign of the scale).

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "kernels/activation_rounding.h"
#include "testing/random.h"

namespace citadel::kernels {
namespace {

quant::BlockQ8_K ScalarQ8_K(const float* x) {
  quant::BlockQ8_K o{};
  float amax = 0, max = 0;
  for (size_t i = 0; i < quant::kSuperBlock; ++i) {
    if (std::abs(x[i]) > amax) {
      amax = std::abs(x[i]);
      max = x[i];
    }
  }
  if (amax == 0.0f) return o;
  const float iscale = -127.0f / max;
  for (size_t i = 0; i < quant::kSuperBlock; ++i) {
    o.qs[i] = static_cast<int8_t>(std::min(127.0f, std::nearbyint(iscale * x[i])));
  }
  for (size_t j = 0; j < quant::kSuperBlock / 16; ++j) {
    int sum = 0;
    for (size_t i = 16 * j; i < 16 * j + 16; ++i) sum += o.qs[i];
    o.bsums[j] = static_cast<int16_t>(sum);
  }
  o.d = 1.0f / iscale;
  return o;
}

TEST(QuantizeActivations, Q8_KMatchesScalarDefinition) {
  CITADEL_SEEDED_RNG(rng);
  for (const float scale : {1e-3f, 1.0f, 37.0f}) {
    const size_t blocks = 6;
    auto x = testing::RandomFloats(rng, blocks * quant::kSuperBlock, scale);
    std::fill(x.begin() + quant::kSuperBlock, x.begin() + 2 * quant::kSuperBlock, 0.0f);  // block 1: zeros
    const float peak = 2 * scale;  // blocks 2 and 3: +peak and -peak, in either order
    x[2 * quant::kSuperBlock + 17] = peak;
    x[2 * quant::kSuperBlock + 200] = -peak;
    x[3 * quant::kSuperBlock + 5] = -peak;
    x[3 * quant::kSuperBlock + 250] = peak;
    std::vector<quant::BlockQ8_K> got(blocks);
    QuantizeActivationsQ8_K(x, got);
    for (size_t b = 0; b < blocks; ++b) {
      const quant::BlockQ8_K want = ScalarQ8_K(x.data() + b * quant::kSuperBlock);
      EXPECT_EQ(std::memcmp(&got[b], &want, sizeof(want)), 0) << "scale " << scale << " block " << b;
    }
  }
}

}  // namespace
}  // namespace citadel::kernels
