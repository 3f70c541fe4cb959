// SwiGlu on every compiled Highway target against silu(g) * u in double. The vector exponential is
// within 1 ulp and the division rounds once, so a few float ulps of the result are allowed.

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "kernels/for_each_target.h"
#include "kernels/ops.h"
#include "testing/random.h"

namespace citadel::kernels {
namespace {

using testing::ForEachTarget;

double Expected(float g, float u) { return double{g} / (1.0 + std::exp(-double{g})) * u; }

void ExpectMatches(const std::vector<float>& gate, const std::vector<float>& up) {
  ForEachTarget([&] {
    std::vector<float> got = gate;
    SwiGlu(got, up);
    for (size_t i = 0; i < got.size(); ++i) {
      const double want = Expected(gate[i], up[i]);
      ASSERT_NEAR(got[i], want, 1e-6 * std::abs(want) + 1e-30) << "gate " << gate[i] << " up " << up[i] << " at " << i;
    }
  });
}

TEST(SwiGluTest, MatchesDoublePrecisionOnRandomRowsOfEveryLength) {
  CITADEL_SEEDED_RNG(rng);
  for (const size_t n : {1, 3, 8, 15, 16, 17, 100, 4864}) {
    SCOPED_TRACE(n);
    ExpectMatches(::citadel::testing::RandomFloats(rng, n, 4.0f), ::citadel::testing::RandomFloats(rng, n));
  }
}

TEST(SwiGluTest, ExtremeGatesSaturateWithoutInfinityOrNan) {
  const std::vector<float> gate{-1e30f, -200.0f, -104.0f, -88.5f, -20.0f, -0.0f, 0.0f, 1e-20f, 20.0f, 88.5f, 200.0f, 1e30f};
  ExpectMatches(gate, std::vector<float>(gate.size(), 1.5f));
}

TEST(SwiGluTest, AnElementsResultDoesNotDependOnTheRowLength) {
  // Batch invariance: the tail of a row takes the same arithmetic as the vector body.
  CITADEL_SEEDED_RNG(rng);
  const auto gate = ::citadel::testing::RandomFloats(rng, 37, 4.0f), up = ::citadel::testing::RandomFloats(rng, 37);
  ForEachTarget([&] {
    std::vector<float> whole = gate;
    SwiGlu(whole, up);
    for (size_t n = 1; n <= gate.size(); ++n) {
      std::vector<float> part(gate.begin(), gate.begin() + static_cast<long>(n));
      SwiGlu(part, std::span(up).first(n));
      for (size_t i = 0; i < n; ++i) ASSERT_EQ(part[i], whole[i]) << "length " << n << " element " << i;
    }
  });
}

}  // namespace
}  // namespace citadel::kernels
