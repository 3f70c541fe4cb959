// The K formats' scale packing (internal helpers) round-trips every value it can hold.

#include "quant/k_blocks.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "testing/random.h"

namespace citadel::quant::internal {
namespace {

TEST(KBlocksTest, ScaleMinK4PackingRoundTrips) {
  CITADEL_SEEDED_RNG(rng);
  for (int trial = 0; trial < 1000; ++trial) {
    uint8_t scales[8];
    uint8_t mins[8];
    for (int j = 0; j < 8; ++j) {
      scales[j] = static_cast<uint8_t>(rng() % 64);
      mins[j] = static_cast<uint8_t>(rng() % 64);
    }
    uint8_t packed[12];
    PackScaleMinK4(scales, mins, packed);
    for (size_t j = 0; j < 8; ++j) {
      uint8_t sc;
      uint8_t m;
      UnpackScaleMinK4(packed, j, sc, m);
      ASSERT_EQ(sc, scales[j]) << j;
      ASSERT_EQ(m, mins[j]) << j;
    }
  }
}

TEST(KBlocksTest, Q3KScalePackingRoundTrips) {
  CITADEL_SEEDED_RNG(rng);
  for (int trial = 0; trial < 1000; ++trial) {
    uint8_t scales[16];
    for (auto& s : scales) s = static_cast<uint8_t>(rng() % 64);
    uint8_t packed[12];
    PackScalesQ3K(scales, packed);
    for (size_t j = 0; j < 16; ++j) ASSERT_EQ(UnpackScaleQ3K(packed, j), scales[j]) << j;
  }
}

// The least-squares fits never lose to plain min/max (their first candidate).
TEST(KBlocksTest, OffsetFitBeatsMinMax) {
  CITADEL_SEEDED_RNG(rng);
  for (int trial = 0; trial < 200; ++trial) {
    const auto x = testing::RandomFloats(rng, 32, 1.0f);
    float lo = 0, hi = x[0];
    for (float v : x) lo = std::min(lo, v), hi = std::max(hi, v);
    auto error = [&](float scale, float offset) {
      double e = 0;
      for (float v : x) {
        const int q = scale == 0 ? 0 : std::clamp(static_cast<int>(std::lround((v + offset) / scale)), 0, 15);
        e += (scale * q - offset - v) * (scale * q - offset - v);
      }
      return e;
    };
    const OffsetFit fit = FitOffsetScale(x.data(), x.size(), 15);
    EXPECT_LE(error(fit.scale, fit.offset), error((hi - lo) / 15, -lo) * (1 + 1e-5));
    EXPECT_GE(fit.offset, 0.0f);
  }
}

}  // namespace
}  // namespace citadel::quant::internal
