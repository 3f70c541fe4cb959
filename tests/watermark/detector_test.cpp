// Detection: z and the exact binomial p-value against independently computed values, the
// threshold's false-positive rate holding on unmarked text, repeated n-grams (and, under min-hash,
// repeated coins) scored once, the processor and the detector agreeing on every green decision, and
// the verdict naming the best key.

#include "watermark/detector.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
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

TEST(BinomialTail, MatchesIndependentlyComputedValues) {
  // Values from summing C(n, k) p^k (1-p)^(n-k) with exact integers (Python's math.comb).
  EXPECT_NEAR(BinomialTail(75, 200, 0.25), 6.152707236013115e-05, 1e-15);
  EXPECT_NEAR(BinomialTail(77, 200, 0.25), 1.731921249520185e-05, 1e-16);
  EXPECT_NEAR(BinomialTail(1, 1, 0.25), 0.25, 1e-15);
  EXPECT_NEAR(BinomialTail(2, 4, 0.5), 11.0 / 16.0, 1e-15);
  EXPECT_DOUBLE_EQ(BinomialTail(0, 10, 0.25), 1.0);
  EXPECT_DOUBLE_EQ(BinomialTail(-3, 10, 0.25), 1.0);
  EXPECT_DOUBLE_EQ(BinomialTail(11, 10, 0.25), 0.0);
  // Far tails stay positive and ordered instead of cancelling to zero.
  EXPECT_GT(BinomialTail(300, 1000, 0.25), 0.0);
  EXPECT_LT(BinomialTail(301, 1000, 0.25), BinomialTail(300, 1000, 0.25));
}

// A text of n + 1 tokens whose n bigrams are all distinct, `green` of them green under `key`
// (h = 1, previous): each next token is the smallest fresh id of the wanted colour.
std::vector<int32_t> TextWithGreenCount(const TenantKey& key, int n, int green) {
  const uint64_t below = GreenThreshold(0.25);
  std::vector<int32_t> tokens = {0};
  int32_t next_id = 1;
  for (int i = 0; i < n; ++i) {
    const bool want_green = i < green;
    const uint64_t seed = ContextSeed(key, Scheme::kPrevious, std::span(tokens).last(1));
    while (IsGreen(seed, next_id, below) != want_green) ++next_id;
    tokens.push_back(next_id++);
  }
  return tokens;
}

TEST(Detect, FlagsOnTheExactTailNotOnTheNormalApproximation) {
  const TenantKey key = WatermarkKeys(FixedMaster(5)).ForTenant("t");
  const WatermarkSettings settings;
  // 75 green of 200: z = 4.08, but P(Binomial(200, 0.25) >= 75) = 6.2e-5 is above PValue(4).
  const DetectionReport near = Detect(TextWithGreenCount(key, 200, 75), std::span(&key, 1), settings, 4.0);
  ASSERT_EQ(near.scores[0].scored, 200);
  ASSERT_EQ(near.scores[0].green, 75);
  EXPECT_GT(near.scores[0].z, 4.0);
  EXPECT_NEAR(near.scores[0].p_value, 6.152707236013115e-05, 1e-12);
  EXPECT_NEAR(near.p_threshold, PValue(4.0), 1e-15);
  EXPECT_FALSE(near.watermarked());
  // 77 green: p = 1.7e-5, flagged.
  const DetectionReport over = Detect(TextWithGreenCount(key, 200, 77), std::span(&key, 1), settings, 4.0);
  EXPECT_TRUE(over.watermarked());
}

TEST(Detect, UnmarkedTextIsFlaggedAtMostAtTheThresholdsRate) {
  // Uniform random texts of 200 tokens under 10 keys at a threshold of z = 2.6 (nominal rate
  // PValue(2.6) = 0.47%), low enough for 50,000 scorings to measure: the exact test flags 0.44% in
  // expectation, where reading z >= 2.6 directly flags 0.68% (both from the binomial distribution).
  const WatermarkKeys master(FixedMaster(6));
  std::vector<TenantKey> keys;
  for (int i = 0; i < 10; ++i) keys.push_back(master.ForTenant("tenant-" + std::to_string(i)));
  const WatermarkSettings settings;
  std::mt19937_64 rng(2024);
  std::uniform_int_distribution<int32_t> id(0, 31999);
  int flagged = 0, z_over = 0, scorings = 0;
  for (int text = 0; text < 5000; ++text) {
    std::vector<int32_t> tokens(201);
    for (int32_t& t : tokens) t = id(rng);
    const DetectionReport report = Detect(tokens, keys, settings, 2.6);
    for (const KeyScore& s : report.scores) {
      ++scorings;
      flagged += s.p_value <= report.p_threshold ? 1 : 0;
      z_over += s.z >= 2.6 ? 1 : 0;
    }
  }
  const double nominal = PValue(2.6), sigma = std::sqrt(nominal * (1 - nominal) / scorings);
  EXPECT_LE(static_cast<double>(flagged) / scorings, nominal + 2 * sigma) << flagged << " of " << scorings;
  EXPECT_GT(static_cast<double>(flagged) / scorings, nominal / 2) << "a test that never fires proves nothing";
  // The normal reading is measurably above its nominal rate: what the exact tail corrects.
  EXPECT_GT(static_cast<double>(z_over) / scorings, nominal + 3 * sigma) << z_over << " of " << scorings;
}

TEST(Detect, MinHashCountsOneCoinOnceEvenFromDifferentWindows) {
  // h = 2, min-hash: windows (1, 2) and (2, 1) share their minimising token, hence their seed, so
  // "1 2 3" and "2 1 3" are one coin although they are different n-grams.
  const TenantKey key = WatermarkKeys(FixedMaster(7)).ForTenant("t");
  const WatermarkSettings minhash{.context_width = 2, .scheme = Scheme::kMinHash};
  const std::vector<int32_t> tokens = {1, 2, 3, 9, 2, 1, 3};
  const DetectionReport report = Detect(tokens, std::span(&key, 1), minhash);
  EXPECT_EQ(report.scored, 5);  // distinct n-grams
  EXPECT_EQ(report.scores[0].scored, 4);
  const WatermarkSettings previous{.context_width = 2, .scheme = Scheme::kPrevious};
  EXPECT_EQ(Detect(tokens, std::span(&key, 1), previous).scores[0].scored, 5);
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
