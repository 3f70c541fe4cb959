#pragma once
// What an OpenAI-style request asks of the sampler. Plain data: the api/ layer fills it from the
// request body, Validate() rejects what the sampler cannot honour, and the engine builds a Sampler
// and a StopChecker from it.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

namespace citadel::engine {

inline constexpr int kMaxTopLogprobs = 20;     // OpenAI's limit for top_logprobs
inline constexpr size_t kMaxStopStrings = 16;  // OpenAI allows 4; local clients often send more
inline constexpr size_t kMaxStopStringBytes = 256;  // bounds the text a StopChecker holds back

struct SamplingParams {
  float temperature = 1.0f;         // 0 = greedy; [0, 2]
  int32_t top_k = 0;                // 0 = off; >= 0
  float top_p = 1.0f;               // 1 = off; (0, 1]
  float min_p = 0.0f;               // 0 = off; [0, 1]
  float repetition_penalty = 1.0f;  // 1 = off; (0, 2] as in HF/llama.cpp; over prompt + output
  float presence_penalty = 0.0f;    // [-2, 2]; over generated tokens (OpenAI)
  float frequency_penalty = 0.0f;   // [-2, 2]; over generated tokens (OpenAI)
  std::map<int32_t, float> logit_bias;  // token id -> added to its logit; values in [-100, 100]
  std::optional<uint64_t> seed;         // unset: the engine picks one per request
  std::optional<int32_t> max_tokens;    // unset: until the context is full; >= 1
  std::vector<int32_t> stop_token_ids;  // besides the tokenizer's end-of-generation tokens
  std::vector<std::string> stop_strings;
  bool logprobs = false;
  int32_t top_logprobs = 0;  // [0, 20]; needs logprobs = true when > 0

  // Checks every field against its allowed range; ids must lie in [0, vocab_size). The error
  // names the field and the range, e.g. "temperature: 3 is outside [0, 2]".
  Result<void> Validate(int32_t vocab_size) const;
};

}  // namespace citadel::engine
