#include "engine/philox.h"

#include <gtest/gtest.h>

#include <set>

namespace citadel::engine {
namespace {

// Known-answer vectors of Random123 (kat_vectors, philox4x32 10 rounds).
TEST(Philox, MatchesRandom123KnownAnswers) {
  EXPECT_EQ(Philox4x32({0, 0, 0, 0}, {0, 0}),
            (PhiloxCounter{0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u}));
  EXPECT_EQ(Philox4x32({0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu}, {0xffffffffu, 0xffffffffu}),
            (PhiloxCounter{0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu}));
  EXPECT_EQ(Philox4x32({0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u}, {0xa4093822u, 0x299f31d0u}),
            (PhiloxCounter{0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u}));
}

TEST(Philox, UniformIsAPureFunctionOfSeedStepAndLane) {
  EXPECT_EQ(UniformForStep(42, 7), UniformForStep(42, 7));
  EXPECT_NE(UniformForStep(42, 7), UniformForStep(42, 8));
  EXPECT_NE(UniformForStep(42, 7), UniformForStep(43, 7));
  EXPECT_NE(UniformForStep(42, 7, 0), UniformForStep(42, 7, 1));
  // High bits of seed and step matter too.
  EXPECT_NE(UniformForStep(1, 0), UniformForStep(1 | (1ull << 40), 0));
  EXPECT_NE(UniformForStep(1, 0), UniformForStep(1, 1ull << 40));
}

TEST(Philox, UniformLiesInUnitIntervalAndIsSpread) {
  std::set<int> deciles;
  double sum = 0.0;
  constexpr int kDraws = 10000;
  for (uint64_t step = 0; step < kDraws; ++step) {
    const double u = UniformForStep(12345, step);
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    deciles.insert(static_cast<int>(u * 10));
    sum += u;
  }
  EXPECT_EQ(deciles.size(), 10u);
  EXPECT_NEAR(sum / kDraws, 0.5, 0.02);
}

}  // namespace
}  // namespace citadel::engine
