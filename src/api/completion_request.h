#pragma once
// POST /v1/completions (the legacy text completion endpoint).

#include <string>
#include <vector>

#include "api/generation_options.h"
#include "api/json_fields.h"
#include "core/result.h"

namespace citadel::api {

inline constexpr int kMaxPrompts = 16;

struct CompletionRequest {
  GenerationOptions options;
  std::vector<std::string> prompts;  // one or more; choices are numbered prompt * n + j
  bool echo = false;                 // the prompt precedes each completion
};

// Adds to ParseGenerationOptions: prompt (a string or a list of strings), echo, logprobs (an
// integer in [0, 5]: that many alternatives per token). max_tokens defaults to 16 as on OpenAI.
// suffix (insertion) is rejected: no supported model has a fill-in-the-middle template.
Result<CompletionRequest> ParseCompletionRequest(const Json& body, int32_t vocab_size);

}  // namespace citadel::api
