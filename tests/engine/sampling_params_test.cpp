#include "engine/sampling_params.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>

namespace citadel::engine {
namespace {

constexpr int32_t kVocab = 100;

TEST(SamplingParams, DefaultsAreValid) { EXPECT_TRUE(SamplingParams{}.Validate(kVocab)); }

TEST(SamplingParams, AcceptsTheEndsOfEachRange) {
  SamplingParams p;
  p.temperature = 2.0f;
  p.top_p = 1.0f;
  p.min_p = 1.0f;
  p.presence_penalty = -2.0f;
  p.frequency_penalty = 2.0f;
  p.logit_bias = {{0, -100.0f}, {kVocab - 1, 100.0f}};
  p.logprobs = true;
  p.top_logprobs = 20;
  p.stop_token_ids = {kVocab - 1};
  const auto ok = p.Validate(kVocab);
  EXPECT_TRUE(ok) << (ok ? "" : ok.error().message);
}

struct BadCase {
  const char* field;  // must appear in the error message
  std::function<void(SamplingParams&)> spoil;
};

TEST(SamplingParams, ErrorsNameTheFieldAndRange) {
  const BadCase cases[] = {
      {"temperature", [](SamplingParams& p) { p.temperature = 2.5f; }},
      {"temperature", [](SamplingParams& p) { p.temperature = -0.1f; }},
      {"temperature", [](SamplingParams& p) { p.temperature = std::nanf(""); }},
      {"top_k", [](SamplingParams& p) { p.top_k = -1; }},
      {"top_p", [](SamplingParams& p) { p.top_p = 0.0f; }},
      {"top_p", [](SamplingParams& p) { p.top_p = 1.5f; }},
      {"min_p", [](SamplingParams& p) { p.min_p = -0.5f; }},
      {"repetition_penalty", [](SamplingParams& p) { p.repetition_penalty = 0.0f; }},
      {"presence_penalty", [](SamplingParams& p) { p.presence_penalty = 2.5f; }},
      {"frequency_penalty", [](SamplingParams& p) { p.frequency_penalty = -3.0f; }},
      {"logit_bias", [](SamplingParams& p) { p.logit_bias[5] = 101.0f; }},
      {"logit_bias", [](SamplingParams& p) { p.logit_bias[kVocab] = 1.0f; }},
      {"logit_bias", [](SamplingParams& p) { p.logit_bias[-1] = 1.0f; }},
      {"max_tokens", [](SamplingParams& p) { p.max_tokens = 0; }},
      {"stop_token_ids", [](SamplingParams& p) { p.stop_token_ids = {kVocab}; }},
      {"stop", [](SamplingParams& p) { p.stop_strings = {""}; }},
      {"stop", [](SamplingParams& p) { p.stop_strings = {"\xFF"}; }},
      {"stop", [](SamplingParams& p) { p.stop_strings.assign(kMaxStopStrings + 1, "x"); }},
      {"top_logprobs", [](SamplingParams& p) { p.logprobs = true; p.top_logprobs = 21; }},
      {"top_logprobs", [](SamplingParams& p) { p.top_logprobs = 3; }},  // without logprobs
  };
  for (const BadCase& c : cases) {
    SamplingParams p;
    c.spoil(p);
    const auto result = p.Validate(kVocab);
    ASSERT_FALSE(result) << c.field;
    EXPECT_NE(result.error().message.find(c.field), std::string::npos) << result.error().message;
  }
}

TEST(SamplingParams, ErrorShowsTheAllowedRange) {
  SamplingParams p;
  p.temperature = 3.0f;
  const auto result = p.Validate(kVocab);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().message, "temperature: 3 is outside [0, 2]");
}

}  // namespace
}  // namespace citadel::engine
