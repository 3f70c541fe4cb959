#include "api/completion_request.h"

namespace citadel::api {
namespace {

constexpr int kDefaultMaxTokens = 16;  // OpenAI's default for /v1/completions
constexpr int kMaxCompletionLogprobs = 5;

Result<std::vector<std::string>> ReadPrompts(const Json& body) {
  CITADEL_ASSIGN_OR_RETURN(auto prompts, OptionalStrings(body, "prompt"));
  if (!prompts) return Err("prompt: you must provide a prompt parameter");
  if (prompts->empty()) return Err("prompt: must contain at least one prompt");
  if (prompts->size() > kMaxPrompts) return Err("prompt: at most {} prompts per request", kMaxPrompts);
  return std::move(*prompts);
}

}  // namespace

Result<CompletionRequest> ParseCompletionRequest(const Json& body, int32_t vocab_size) {
  CompletionRequest r;
  CITADEL_ASSIGN_OR_RETURN(r.prompts, ReadPrompts(body));
  CITADEL_ASSIGN_OR_RETURN(auto suffix, OptionalString(body, "suffix"));
  if (suffix && !suffix->empty()) return Err("suffix: is not supported by this server (no fill-in-the-middle)");
  CITADEL_ASSIGN_OR_RETURN(auto echo, OptionalBool(body, "echo"));
  r.echo = echo.value_or(false);
  CITADEL_ASSIGN_OR_RETURN(auto logprobs, OptionalInteger(body, "logprobs", 0, kMaxCompletionLogprobs));
  CITADEL_ASSIGN_OR_RETURN(r.options, ParseGenerationOptions(body, vocab_size));
  if (!r.options.sampling.max_tokens) r.options.sampling.max_tokens = kDefaultMaxTokens;
  if (logprobs) {
    r.options.sampling.logprobs = true;
    r.options.sampling.top_logprobs = static_cast<int32_t>(*logprobs);
  }
  return r;
}

}  // namespace citadel::api
