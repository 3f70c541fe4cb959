// The green list: SipHash matches its published vectors, each token is green with probability
// gamma over random contexts, and the list depends on key, context and scheme.

#include "watermark/green_list.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>
#include "watermark/test_keys.h"

namespace citadel::watermark {
namespace {

using testing::FixedMaster;

TEST(SipHash24, MatchesTheReferenceVectors) {
  // Key 00 01 .. 0f; messages "" and 00 01 .. 07 (the SipHash paper's test vectors).
  const uint64_t k0 = 0x0706050403020100ull, k1 = 0x0f0e0d0c0b0a0908ull;
  EXPECT_EQ(SipHash24(k0, k1, {}), 0x726fdb47dd0e0e31ull);
  const uint64_t word = 0x0706050403020100ull;
  EXPECT_EQ(SipHash24(k0, k1, std::span(&word, 1)), 0x93f5f5799a932462ull);
}

TEST(GreenList, FractionIsGammaOverRandomContexts) {
  const TenantKey key = WatermarkKeys(FixedMaster(1)).ForTenant("t");
  std::mt19937_64 rng(20230124);
  constexpr int kVocab = 4096, kContexts = 200;
  for (const double gamma : {0.1, 0.25, 0.5}) {
    for (const Scheme scheme : {Scheme::kPrevious, Scheme::kMinHash}) {
      SCOPED_TRACE(::testing::Message() << "gamma " << gamma << " scheme " << SchemeName(scheme));
      const uint64_t threshold = GreenThreshold(gamma);
      int64_t green = 0;
      double worst_context = 0;
      for (int c = 0; c < kContexts; ++c) {
        const std::vector<int32_t> window = {static_cast<int32_t>(rng() % 150000), static_cast<int32_t>(rng() % 150000)};
        const uint64_t seed = ContextSeed(key, scheme, window);
        int64_t here = 0;
        for (int32_t t = 0; t < kVocab; ++t) here += IsGreen(seed, t, threshold) ? 1 : 0;
        green += here;
        worst_context = std::max(worst_context, std::abs(static_cast<double>(here) / kVocab - gamma));
      }
      // 819,200 Bernoulli(gamma) draws: standard deviation of the fraction <= 0.00056; allow 6 sigma.
      const double n = static_cast<double>(kVocab) * kContexts;
      EXPECT_NEAR(static_cast<double>(green) / n, gamma, 6 * std::sqrt(gamma * (1 - gamma) / n));
      // Every single context's list is also close to gamma (sigma <= 0.0079 for 4096 tokens).
      EXPECT_LT(worst_context, 6 * std::sqrt(gamma * (1 - gamma) / kVocab));
    }
  }
}

TEST(GreenList, ListsOfDifferentKeysContextsAndSchemesAreUnrelated) {
  const TenantKey a = WatermarkKeys(FixedMaster(1)).ForTenant("a");
  const TenantKey b = WatermarkKeys(FixedMaster(1)).ForTenant("b");
  const uint64_t threshold = GreenThreshold(0.5);
  const std::vector<int32_t> w1 = {17, 99}, w2 = {17, 100};
  auto agreement = [&](uint64_t s1, uint64_t s2) {
    int same = 0;
    for (int32_t t = 0; t < 20000; ++t) same += IsGreen(s1, t, threshold) == IsGreen(s2, t, threshold) ? 1 : 0;
    return same / 20000.0;
  };
  // Unrelated lists agree on about half the tokens at gamma = 0.5 (sigma 0.0035).
  EXPECT_NEAR(agreement(ContextSeed(a, Scheme::kPrevious, w1), ContextSeed(b, Scheme::kPrevious, w1)), 0.5, 0.03);
  EXPECT_NEAR(agreement(ContextSeed(a, Scheme::kPrevious, w1), ContextSeed(a, Scheme::kPrevious, w2)), 0.5, 0.03);
  EXPECT_NEAR(agreement(ContextSeed(a, Scheme::kPrevious, w1), ContextSeed(a, Scheme::kMinHash, w1)), 0.5, 0.03);
  EXPECT_EQ(ContextSeed(a, Scheme::kPrevious, w1), ContextSeed(a, Scheme::kPrevious, w1));
}

TEST(GreenList, MinHashSeedDependsOnlyOnTheMinimisingToken) {
  const TenantKey key = WatermarkKeys(FixedMaster(3)).ForTenant("t");
  const std::vector<int32_t> window = {5, 6, 7, 8};
  const uint64_t seed = ContextSeed(key, Scheme::kMinHash, window);
  // The seed is the smallest per-token hash: a window of four copies of token t seeds with t's own
  // hash, so the seed is the minimum of those, and permuting the window never changes it.
  uint64_t smallest = ~0ull;
  for (const int32_t t : window) {
    const std::vector<int32_t> copies(4, t);
    smallest = std::min(smallest, ContextSeed(key, Scheme::kMinHash, copies));
  }
  EXPECT_EQ(seed, smallest);
  const std::vector<int32_t> reversed = {8, 7, 6, 5};
  EXPECT_EQ(ContextSeed(key, Scheme::kMinHash, reversed), seed);
  EXPECT_NE(ContextSeed(key, Scheme::kPrevious, window), ContextSeed(key, Scheme::kPrevious, reversed));
}

TEST(GreenList, AddGreenBiasAddsDeltaExactlyToGreenTokens) {
  const uint64_t seed = 0x1234567890abcdefull, threshold = GreenThreshold(0.25);
  std::vector<float> logits(1000);
  for (size_t i = 0; i < logits.size(); ++i) logits[i] = static_cast<float>(i) * 0.01f;
  logits[3] = -INFINITY;
  const std::vector<float> before = logits;
  AddGreenBias(logits, seed, threshold, 2.0f);
  for (int32_t t = 0; t < 1000; ++t) {
    const float expected = before[static_cast<size_t>(t)] + (IsGreen(seed, t, threshold) ? 2.0f : 0.0f);
    EXPECT_EQ(logits[static_cast<size_t>(t)], expected) << t;
  }
}

}  // namespace
}  // namespace citadel::watermark
