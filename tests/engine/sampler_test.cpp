#include "engine/sampler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <random>
#include <vector>

#include "engine/philox.h"
#include "testing/random.h"

namespace citadel::engine {
namespace {

Sampler MakeSampler(const SamplingParams& params, int32_t vocab, uint64_t seed = 1) {
  auto sampler = Sampler::Create(params, vocab, seed);
  CITADEL_CHECK_MSG(sampler.has_value(), "test params must be valid");
  return std::move(sampler).value();
}

// Samples `steps` tokens from fixed logits (fresh copy each step, as a model would produce).
std::vector<int32_t> Generate(Sampler& sampler, const std::vector<float>& logits, int steps) {
  SamplerWorkspace workspace;
  std::vector<int32_t> generated;
  for (int i = 0; i < steps; ++i) {
    std::vector<float> row = logits;
    generated.push_back(sampler.Sample(row, {{}, generated}, workspace).token);
  }
  return generated;
}

int32_t ArgmaxOf(const std::vector<float>& logits) {
  return static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
}

TEST(Sampler, CreateValidates) {
  SamplingParams params;
  params.top_p = 0.0f;
  const auto sampler = Sampler::Create(params, 10, 1);
  ASSERT_FALSE(sampler);
  EXPECT_NE(sampler.error().message.find("top_p"), std::string::npos);
}

TEST(Sampler, GreedyPicksArgmaxTiesToLowestId) {
  SamplingParams params;
  params.temperature = 0.0f;
  Sampler sampler = MakeSampler(params, 5);
  EXPECT_TRUE(sampler.greedy());
  EXPECT_EQ(Generate(sampler, {1.0f, 3.0f, 3.0f, 2.0f, -1.0f}, 5), (std::vector<int32_t>(5, 1)));
  EXPECT_EQ(Argmax(std::vector<float>{NAN, 0.5f, NAN}), 1);
}

TEST(Sampler, LowTemperatureApproachesGreedy) {
  CITADEL_SEEDED_RNG(rng);
  std::vector<float> logits = testing::RandomFloats(rng, 50, 2.0f);
  const int32_t best = ArgmaxOf(logits);
  logits[static_cast<size_t>(best)] += 0.5f;  // a clear winner: exp(-0.5 / T) vanishes as T -> 0
  for (float t : {1e-2f, 1e-3f, 1e-6f}) {
    SamplingParams params;
    params.temperature = t;
    Sampler sampler = MakeSampler(params, 50, citadel_seed_);
    EXPECT_EQ(Generate(sampler, logits, 300), (std::vector<int32_t>(300, best))) << "T = " << t;
  }
}

TEST(Sampler, TopKOneEqualsGreedy) {
  CITADEL_SEEDED_RNG(rng);
  SamplingParams params;
  params.top_k = 1;
  params.temperature = 1.5f;
  Sampler sampler = MakeSampler(params, 1000, citadel_seed_);
  SamplerWorkspace workspace;
  for (int step = 0; step < 50; ++step) {
    std::vector<float> logits = testing::RandomFloats(rng, 1000, 5.0f);
    const int32_t best = ArgmaxOf(logits);
    EXPECT_EQ(sampler.Sample(logits, {}, workspace).token, best);
  }
}

TEST(Sampler, LogitBiasMinus100BansPlus100Forces) {
  const std::vector<float> flat(8, 0.0f);
  SamplingParams ban;
  ban.logit_bias = {{3, -100.0f}};
  Sampler banned = MakeSampler(ban, 8, 7);
  const auto tokens = Generate(banned, flat, 2000);
  EXPECT_EQ(std::count(tokens.begin(), tokens.end(), 3), 0);
  EXPECT_GT(std::count(tokens.begin(), tokens.end(), 4), 0);  // the others are still drawn

  SamplingParams force;
  force.logit_bias = {{5, 100.0f}};
  force.temperature = 2.0f;
  Sampler forced = MakeSampler(force, 8, 7);
  EXPECT_EQ(Generate(forced, {3.0f, 2.0f, 1.0f, 0.0f, 4.0f, -5.0f, 0.0f, 0.0f}, 500), (std::vector<int32_t>(500, 5)));
}

TEST(Sampler, PenaltiesApplyBeforeTheDraw) {
  // Logits 2, 1, 0 and a frequency penalty of 2 per occurrence, greedy (ties to the lower id):
  // {} -> 0; {0}: 0,1,0 -> 1; {0,1}: 0,-1,0 -> 0; {0,1,0}: -2,-1,0 -> 2.
  SamplingParams params;
  params.temperature = 0.0f;
  params.frequency_penalty = 2.0f;
  Sampler sampler = MakeSampler(params, 3);
  EXPECT_EQ(Generate(sampler, {2.0f, 1.0f, 0.0f}, 4), (std::vector<int32_t>{0, 1, 0, 2}));
}

TEST(Sampler, SameSeedSameTokensOtherSeedOtherTokens) {
  CITADEL_SEEDED_RNG(rng);
  const std::vector<float> logits = testing::RandomFloats(rng, 200, 1.0f);
  SamplingParams params;
  params.top_p = 0.9f;
  params.seed = 1234;
  Sampler a = MakeSampler(params, 200, /*seed_if_unset=*/1);
  Sampler b = MakeSampler(params, 200, /*seed_if_unset=*/2);  // params.seed wins
  EXPECT_EQ(a.seed(), 1234u);
  EXPECT_EQ(Generate(a, logits, 100), Generate(b, logits, 100));
  params.seed = 1235;
  Sampler c = MakeSampler(params, 200);
  EXPECT_NE(Generate(a, logits, 100), Generate(c, logits, 100));
}

// Pearson's chi-square of 20,000 draws at temperature 1 against softmax. With 9 degrees of freedom
// the 0.9999 quantile is 33.7; the seed is fixed, so this is a regression check, not a flaky one.
TEST(Sampler, EmpiricalDistributionMatchesSoftmax) {
  const std::vector<float> logits = {0.0f, 1.0f, -1.0f, 2.0f, 0.5f, -0.5f, 1.5f, -2.0f, 0.25f, 0.75f};
  SamplingParams params;
  params.seed = 20240917;
  Sampler sampler = MakeSampler(params, 10);
  SamplerWorkspace workspace;
  constexpr int kDraws = 20000;
  std::vector<int> counts(10, 0);
  // The step index is the generated length; a prefix of `step` placeholders stands for it.
  const std::vector<int32_t> history(kDraws, 0);
  for (int step = 0; step < kDraws; ++step) {
    std::vector<float> row = logits;
    ++counts[static_cast<size_t>(sampler.Sample(row, {{}, std::span(history).first(step)}, workspace).token)];
  }
  double total = 0.0;
  for (float x : logits) total += std::exp(static_cast<double>(x));
  double chi2 = 0.0;
  for (size_t i = 0; i < logits.size(); ++i) {
    const double expected = kDraws * std::exp(static_cast<double>(logits[i])) / total;
    chi2 += (counts[i] - expected) * (counts[i] - expected) / expected;
  }
  EXPECT_LT(chi2, 33.7);
}

// Logits of request r at step k, as a stand-in for a model whose output depends on the sequence.
std::vector<float> RequestLogits(int request, size_t step) {
  std::vector<float> logits(64);
  for (size_t i = 0; i < logits.size(); ++i) {
    logits[i] = static_cast<float>(std::sin(0.37 * static_cast<double>(i * (step + 1)) + request));
  }
  return logits;
}

TEST(Sampler, DrawDependsOnlyOnSeedAndStepWhateverTheInterleaving) {
  CITADEL_SEEDED_RNG(rng);
  constexpr int kSteps = 40;
  auto make = [](int request) {
    SamplingParams params;
    params.seed = 100 + static_cast<uint64_t>(request);
    params.temperature = 0.8f + 0.3f * static_cast<float>(request);
    params.top_k = 20 + request;
    params.min_p = 0.01f;
    return MakeSampler(params, 64);
  };
  // Reference: each request alone, one after the other, each with its own workspace.
  std::vector<std::vector<int32_t>> alone(3);
  for (int r = 0; r < 3; ++r) {
    Sampler sampler = make(r);
    SamplerWorkspace workspace;
    for (size_t k = 0; k < kSteps; ++k) {
      std::vector<float> row = RequestLogits(r, k);
      alone[r].push_back(sampler.Sample(row, {{}, alone[r]}, workspace).token);
    }
  }
  // Interleaved in a random order through one shared workspace, with some steps sampled twice
  // (a retried step must not advance anything).
  for (int trial = 0; trial < 5; ++trial) {
    std::vector<Sampler> samplers;
    for (int r = 0; r < 3; ++r) samplers.push_back(make(r));
    std::vector<int> order;
    for (int r = 0; r < 3; ++r) order.insert(order.end(), kSteps, r);
    std::shuffle(order.begin(), order.end(), rng);
    SamplerWorkspace shared;
    std::vector<std::vector<int32_t>> mixed(3);
    for (int r : order) {
      std::vector<float> row = RequestLogits(r, mixed[r].size());
      if (rng() % 4 == 0) {
        std::vector<float> retry = row;
        samplers[static_cast<size_t>(r)].Sample(retry, {{}, mixed[r]}, shared);
      }
      mixed[r].push_back(samplers[static_cast<size_t>(r)].Sample(row, {{}, mixed[r]}, shared).token);
    }
    EXPECT_EQ(mixed, alone) << "trial " << trial;
  }
}

TEST(Sampler, StreamsSharingASeedDiffer) {
  const std::vector<float> logits(50, 0.0f);
  SamplingParams params;
  params.seed = 9;
  auto first = Sampler::Create(params, 50, 0, /*stream=*/0);
  auto second = Sampler::Create(params, 50, 0, /*stream=*/1);
  auto again = Sampler::Create(params, 50, 0, /*stream=*/1);
  ASSERT_TRUE(first && second && again);
  const auto tokens = Generate(*second, logits, 50);
  EXPECT_NE(Generate(*first, logits, 50), tokens);
  EXPECT_EQ(Generate(*again, logits, 50), tokens);
}

class BanAllTokens final : public LogitsProcessor {
 public:
  void Process(std::span<float> logits, const SequenceView&) override {
    for (float& x : logits) x = -INFINITY;
  }
};

TEST(Sampler, EveryTokenBannedFallsBackToIdZero) {
  SamplingParams params;
  params.logprobs = true;
  params.top_logprobs = 3;
  Sampler sampler = MakeSampler(params, 6);
  sampler.AddProcessor(std::make_unique<BanAllTokens>());
  SamplerWorkspace workspace;
  std::vector<float> logits(6, 1.0f);
  const SampledToken t = sampler.Sample(logits, {}, workspace);
  EXPECT_EQ(t.token, 0);
  EXPECT_EQ(t.logprob, -INFINITY);
  EXPECT_EQ(t.top_count, 0u);
}

class BanEvenTokens final : public LogitsProcessor {
 public:
  void Process(std::span<float> logits, const SequenceView& context) override {
    last_generated = context.generated.size();
    for (size_t i = 0; i < logits.size(); i += 2) logits[i] = -INFINITY;
  }
  size_t last_generated = 0;
};

TEST(Sampler, PluggedInProcessorRunsWithTheContext) {
  SamplingParams params;
  Sampler sampler = MakeSampler(params, 10, 3);
  auto processor = std::make_unique<BanEvenTokens>();
  BanEvenTokens* seen = processor.get();
  sampler.AddProcessor(std::move(processor));
  const auto tokens = Generate(sampler, std::vector<float>(10, 0.0f), 200);
  for (int32_t t : tokens) EXPECT_EQ(t % 2, 1);
  EXPECT_EQ(seen->last_generated, 199u);
}

TEST(Sampler, LogprobsSumToOneAndTopIsSorted) {
  CITADEL_SEEDED_RNG(rng);
  SamplingParams params;
  params.logprobs = true;
  params.top_logprobs = 20;
  params.temperature = 0.7f;
  Sampler sampler = MakeSampler(params, 16, citadel_seed_);
  SamplerWorkspace workspace;
  std::vector<float> logits = testing::RandomFloats(rng, 16, 4.0f);
  logits[3] = -INFINITY;  // a banned token has logprob -inf and adds nothing
  const SampledToken t = sampler.Sample(logits, {}, workspace);
  ASSERT_EQ(t.top_count, 16u);  // top_logprobs above the vocabulary size returns the whole vocabulary
  double total = 0.0;
  for (const TokenLogprob& x : t.top_logprobs()) total += std::exp(static_cast<double>(x.logprob));
  EXPECT_NEAR(total, 1.0, 1e-5);
  for (size_t i = 1; i < t.top_count; ++i) EXPECT_GE(t.top[i - 1].logprob, t.top[i].logprob);
  EXPECT_EQ(t.top[0].token, ArgmaxOf(logits));
  EXPECT_EQ(t.top[15].token, 3);
  const auto chosen = std::find_if(t.top.begin(), t.top.end(), [&](const TokenLogprob& x) { return x.token == t.token; });
  ASSERT_NE(chosen, t.top.end());
  EXPECT_FLOAT_EQ(chosen->logprob, t.logprob);
}

TEST(Sampler, LogprobsIgnoreTemperatureAndMatchBruteForceTopN) {
  CITADEL_SEEDED_RNG(rng);
  const std::vector<float> logits = testing::RandomFloats(rng, 3000, 3.0f);
  double total = 0.0;
  for (float x : logits) total += std::exp(static_cast<double>(x));
  std::vector<int32_t> order(logits.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return logits[a] > logits[b]; });
  for (float t : {0.0f, 0.5f, 1.5f}) {
    SamplingParams params;
    params.temperature = t;
    params.logprobs = true;
    params.top_logprobs = 5;
    Sampler sampler = MakeSampler(params, 3000, citadel_seed_);
    SamplerWorkspace workspace;
    std::vector<float> row = logits;
    const SampledToken s = sampler.Sample(row, {}, workspace);
    ASSERT_EQ(s.top_count, 5u);
    for (size_t i = 0; i < 5; ++i) {
      EXPECT_EQ(s.top[i].token, order[i]);
      EXPECT_NEAR(s.top[i].logprob, std::log(std::exp(static_cast<double>(logits[order[i]])) / total), 1e-4);
    }
    EXPECT_NEAR(s.logprob, std::log(std::exp(static_cast<double>(logits[s.token])) / total), 1e-4);
  }
}

TEST(Sampler, NoLogprobsUnlessAsked) {
  Sampler sampler = MakeSampler(SamplingParams{}, 4);
  SamplerWorkspace workspace;
  std::vector<float> logits = {0.0f, 1.0f, 2.0f, 3.0f};
  EXPECT_EQ(sampler.Sample(logits, {}, workspace).top_count, 0u);
}

}  // namespace
}  // namespace citadel::engine
