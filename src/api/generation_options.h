#pragma once
// The request fields that /v1/chat/completions and /v1/completions share: model, n, stream,
// stream_options and the sampling parameters.

#include <cstdint>
#include <string>

#include "api/json_fields.h"
#include "core/result.h"
#include "engine/sampling_params.h"

namespace citadel::api {

inline constexpr int kMaxChoices = 16;  // n; each choice is one engine sequence

struct GenerationOptions {
  std::string model;
  engine::SamplingParams sampling;
  int n = 1;
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
};

// Reads model (required), n, stream, stream_options, temperature, top_p, presence_penalty,
// frequency_penalty, seed, stop, logit_bias, max_tokens, user, and the common extensions top_k,
// min_p and repetition_penalty; checks them against the vocabulary (SamplingParams::Validate).
// Fields specific to one endpoint (logprobs, max_completion_tokens) are the caller's. Unknown
// fields are ignored.
Result<GenerationOptions> ParseGenerationOptions(const Json& body, int32_t vocab_size);

}  // namespace citadel::api
