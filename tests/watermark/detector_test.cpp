// Detection: the z-test against hand-computed values, repeated n-grams scored once, the processor
// and the detector agreeing on every green decision, and the verdict naming the best key.

#include "watermark/detector.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "watermark/green_list.h"
#include "watermark/processor.h"
#include "watermark/test_keys.h"

namespace citadel::watermark {
namespace {

using testing::FixedMaster;

TEST(ZScore, MatchesHandComputedValues) {
  // (40 - 0.25*100) / sqrt(100 * 0.25 * 0.75) = 15 / 4.330127 = 3.464102
  EXPECT_NEAR(ZScore(40, 100, 0.25), 3.4641016, 1e-6);
  EXPECT_DOUBLE_EQ(ZScore(25, 100, 0.25), 0.0);
  // (10 - 0.5*36) / sqrt(36 * 0.25) = -8 / 3
  EXPECT_NEAR(ZScore(10, 36, 0.5), -8.0 / 3.0, 1e-12);
  EXPECT_DOUBLE_EQ(ZScore(0, 0, 0.25), 0.0);
  EXPECT_DOUBLE_EQ(PValue(0.0), 0.5);
  EXPECT_NEAR(PValue(4.0), 3.167124e-5, 1e-10);
  EXPECT_NEAR(PValue(1.6448536), 0.05, 1e-8);
}

TEST(Detect, RepeatedNGramsAreScoredOnce) {
  // h = 1: "1 2 3 1 2 3 1 2 3" holds the bigrams 12 23 31 12 23 31 12 23: four distinct.
  const std::vector<int32_t> tokens = {1, 2, 3, 1, 2, 3, 1, 2, 3};
  EXPECT_EQ(DistinctScoredPositions(tokens, 1), (std::vector<size_t>{1, 2, 3}));
  EXPECT_EQ(DistinctScoredPositions(tokens, 2), (std::vector<size_t>{2, 3, 4}));
  EXPECT_TRUE(DistinctScoredPositions(std::vector<int32_t>{5}, 1).empty());

  const TenantKey key = WatermarkKeys(FixedMaster(1)).ForTenant("t");
  const WatermarkSettings settings;
  const DetectionReport once = Detect(std::vector<int32_t>{1, 2, 3, 1}, std::span(&key, 1), settings);
  const DetectionReport many = Detect(tokens, std::span(&key, 1), settings);
  EXPECT_EQ(many.tokens, 9);
  EXPECT_EQ(many.scored, 3);
  EXPECT_EQ(many.repeated, 5);
  EXPECT_EQ(many.scores[0].green, once.scores[0].green);
  EXPECT_EQ(many.scores[0].z, once.scores[0].z);
}

// Builds a sequence whose every token after the prompt is green under `key` (the most favourable
// token of a flat row after the processor's bias), using the processor itself.
std::vector<int32_t> AllGreen(const TenantKey& key, const WatermarkSettings& settings, size_t n, int32_t vocab) {
  auto processor = MakeProcessor(key, settings);
  // A prompt of kMaxContextWidth tokens, so every step has a full window.
  std::vector<int32_t> tokens = {7, 8, 9, 10, 11, 12, 13, 14};
  const size_t prompt = tokens.size();
  std::vector<float> logits(static_cast<size_t>(vocab));
  std::mt19937_64 rng(99);
  while (tokens.size() < n) {
    std::fill(logits.begin(), logits.end(), 0.0f);
    processor->Process(logits, {std::span<const int32_t>(tokens).first(prompt), std::span<const int32_t>(tokens).subspan(prompt)});
    std::vector<int32_t> green;
    for (int32_t t = 0; t < vocab; ++t) {
      if (logits[static_cast<size_t>(t)] > 0.0f) green.push_back(t);
    }
    tokens.push_back(green[rng() % green.size()]);
  }
  return tokens;
}

TEST(WatermarkProcessor, IsBitExactWithTheDetectorsGreenDecision) {
  const TenantKey key = WatermarkKeys(FixedMaster(2)).ForTenant("acme");
  for (const Scheme scheme : {Scheme::kPrevious, Scheme::kMinHash}) {
    for (const int h : {1, 3}) {
      const WatermarkSettings settings{.gamma = 0.25, .delta = 2.0, .context_width = h, .scheme = scheme};
      auto processor = MakeProcessor(key, settings);
      const std::vector<int32_t> prompt = {11, 12, 13}, generated = {40, 41};
      std::vector<float> logits(5000, 0.0f);
      processor->Process(logits, {prompt, generated});
      const std::vector<int32_t> all = {11, 12, 13, 40, 41};
      const uint64_t seed = ContextSeed(key, scheme, std::span(all).last(static_cast<size_t>(h)));
      for (int32_t t = 0; t < 5000; ++t) {
        ASSERT_EQ(logits[static_cast<size_t>(t)] == 2.0f, IsGreen(seed, t, GreenThreshold(0.25))) << t;
      }
      // The first generated token is seeded by the end of the prompt.
      std::fill(logits.begin(), logits.end(), 0.0f);
      processor->Process(logits, {prompt, {}});
      const uint64_t first = ContextSeed(key, scheme, std::span(prompt).last(static_cast<size_t>(h)));
      for (int32_t t = 0; t < 5000; ++t) {
        ASSERT_EQ(logits[static_cast<size_t>(t)] == 2.0f, IsGreen(first, t, GreenThreshold(0.25))) << t;
      }

      // A sequence of green tokens scores every distinct n-gram green.
      const std::vector<int32_t> tokens = AllGreen(key, settings, 120, 5000);
      const DetectionReport report = Detect(tokens, std::span(&key, 1), settings);
      // The 8 prompt tokens are not green by construction; n-grams inside them are scored.
      EXPECT_GE(report.scores[0].green, report.scores[0].scored - 8);
      EXPECT_GT(report.scores[0].z, 10.0);
    }
  }
}

TEST(WatermarkProcessor, ShortContextsAreLeftAlone) {
  const TenantKey key = WatermarkKeys(FixedMaster(2)).ForTenant("acme");
  auto processor = MakeProcessor(key, {.context_width = 4});
  const std::vector<int32_t> prompt = {1, 2};
  std::vector<float> logits(100, 0.5f);
  processor->Process(logits, {prompt, {}});
  EXPECT_EQ(logits, std::vector<float>(100, 0.5f));
}

TEST(Detect, VerdictNamesTheKeyWithTheHighestZ) {
  const WatermarkKeys keys(FixedMaster(4));
  const std::vector<TenantKey> tenants = {keys.ForTenant("a"), keys.ForTenant("b"), keys.ForTenant("c")};
  const WatermarkSettings settings;
  const std::vector<int32_t> tokens = AllGreen(tenants[1], settings, 200, 3000);
  const DetectionReport report = Detect(tokens, tenants, settings, 4.0);
  ASSERT_TRUE(report.watermarked());
  EXPECT_EQ(*report.best, 1u);
  EXPECT_LT(report.scores[0].z, 4.0);
  EXPECT_LT(report.scores[2].z, 4.0);
  EXPECT_EQ(report.Verdict(), "watermarked by tenant b (key id " + tenants[1].key_id() + ")");

  const DetectionReport strict = Detect(tokens, tenants, settings, 1000.0);
  EXPECT_FALSE(strict.watermarked());
  EXPECT_EQ(strict.Verdict(), "no watermark found");

  const DetectionReport none = Detect(std::vector<int32_t>{}, tenants, settings);
  EXPECT_FALSE(none.watermarked());
  EXPECT_EQ(none.scores[0].z, 0.0);
  EXPECT_EQ(none.scores[0].p_value, 1.0);
}

TEST(WatermarkSettings, RejectsOutOfRangeValues) {
  EXPECT_TRUE(WatermarkSettings{}.Validate());
  EXPECT_FALSE((WatermarkSettings{.gamma = 1.0}.Validate()));
  EXPECT_FALSE((WatermarkSettings{.gamma = 0.0}.Validate()));
  EXPECT_FALSE((WatermarkSettings{.delta = -1.0}.Validate()));
  EXPECT_FALSE((WatermarkSettings{.context_width = 0}.Validate()));
  EXPECT_FALSE((WatermarkSettings{.context_width = kMaxContextWidth + 1}.Validate()));
  EXPECT_EQ(*ParseScheme("minhash"), Scheme::kMinHash);
  EXPECT_FALSE(ParseScheme("lefthash"));
}

}  // namespace
}  // namespace citadel::watermark
