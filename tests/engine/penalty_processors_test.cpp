#include "engine/penalty_processors.h"

#include <gtest/gtest.h>

#include <vector>

namespace citadel::engine {
namespace {

TEST(LogitBiasProcessor, AddsTheBiasToExactlyTheNamedTokens) {
  std::vector<float> logits = {1.0f, 2.0f, 3.0f, 4.0f};
  LogitBiasProcessor bias({{1, -100.0f}, {3, 0.5f}});
  bias.Process(logits, {});
  EXPECT_EQ(logits, (std::vector<float>{1.0f, -98.0f, 3.0f, 4.5f}));
}

TEST(PresenceFrequencyPenalty, SubtractsCountTimesFrequencyPlusPresence) {
  const std::vector<int32_t> prompt = {1, 1, 2};  // the prompt does not count (OpenAI)
  const std::vector<int32_t> generated = {3, 5, 3, 3};
  std::vector<float> logits(7, 1.0f);
  PresenceFrequencyPenalty penalty(/*presence=*/0.5f, /*frequency=*/0.25f);
  penalty.Process(logits, {prompt, generated});
  const std::vector<float> expected = {1.0f, 1.0f, 1.0f, 1.0f - (3 * 0.25f + 0.5f), 1.0f, 1.0f - (0.25f + 0.5f), 1.0f};
  EXPECT_EQ(logits, expected);
}

TEST(PresenceFrequencyPenalty, NegativeValuesEncourageRepetition) {
  const std::vector<int32_t> generated = {0, 0};
  std::vector<float> logits = {0.0f, 0.0f};
  PresenceFrequencyPenalty penalty(-1.0f, -2.0f);
  penalty.Process(logits, {{}, generated});
  EXPECT_EQ(logits, (std::vector<float>{5.0f, 0.0f}));
}

TEST(RepetitionPenalty, DividesPositiveMultipliesNegativeOncePerDistinctToken) {
  const std::vector<int32_t> prompt = {1, 2, 1};
  const std::vector<int32_t> generated = {2, 4, 4};
  RepetitionPenalty penalty(2.0f);
  for (int call = 0; call < 2; ++call) {  // the second call uses the cached prompt set
    std::vector<float> logits = {0.5f, 2.0f, -1.0f, 3.0f, -4.0f, 1.0f};
    penalty.Process(logits, {prompt, generated});
    EXPECT_EQ(logits, (std::vector<float>{0.5f, 1.0f, -2.0f, 3.0f, -8.0f, 1.0f})) << "call " << call;
  }
}

TEST(RepetitionPenalty, BelowOneFavoursSeenTokens) {
  const std::vector<int32_t> prompt = {0, 1};
  std::vector<float> logits = {2.0f, -2.0f, 2.0f};
  RepetitionPenalty penalty(0.5f);
  penalty.Process(logits, {prompt, {}});
  EXPECT_EQ(logits, (std::vector<float>{4.0f, -1.0f, 2.0f}));
}

}  // namespace
}  // namespace citadel::engine
