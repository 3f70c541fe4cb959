#pragma once
// OpenAI's response bodies, byte for byte the shapes the SDKs parse: chat.completion,
// chat.completion.chunk, text_completion (whole and streamed), the usage object, model objects.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "api/json_fields.h"
#include "engine/engine.h"

namespace citadel::tokenizer {
class Tokenizer;
}

namespace citadel::api {

// What every body of one response shares.
struct ResponseMeta {
  std::string id;     // "chatcmpl-..." or "cmpl-..."
  std::string model;
  int64_t created = 0;  // Unix seconds
  std::string system_fingerprint;
};

// One finished choice.
struct Choice {
  std::string text;
  std::vector<engine::SampledToken> logprobs;  // empty unless asked
  engine::Finish finish = engine::Finish::kNone;
};

// "stop" or "length" (a cancelled or failed choice never reaches a response body).
std::string_view FinishReason(engine::Finish finish);

// {"prompt_tokens", "completion_tokens", "total_tokens", "prompt_tokens_details": {"cached_tokens"}}
Json UsageJson(const engine::Usage& usage);

// Adds every field of `part` into `total` (a request with several choices reports their sum, the
// prompt counted once per choice as OpenAI does).
void AddUsage(engine::Usage& total, const engine::Usage& part);

// chat: {"content": [{"token", "logprob", "bytes", "top_logprobs": [...]}, ...]}
Json ChatLogprobs(const tokenizer::Tokenizer& tok, std::span<const engine::SampledToken> tokens);
// completions: {"tokens", "token_logprobs", "top_logprobs": [{token: logprob}], "text_offset"}
Json CompletionLogprobs(const tokenizer::Tokenizer& tok, std::span<const engine::SampledToken> tokens,
                        size_t first_offset);

std::string ChatCompletionBody(const ResponseMeta& meta, std::span<const Choice> choices, const engine::Usage& usage,
                               const tokenizer::Tokenizer& tok, bool logprobs);
// One streamed delta. role: set on a choice's first chunk. finish: set on its last.
std::string ChatChunk(const ResponseMeta& meta, int index, const std::optional<std::string>& role,
                      const std::optional<std::string>& content, const Json& logprobs, engine::Finish finish,
                      bool include_usage);
// The extra last chunk of stream_options.include_usage: no choices, the total usage.
std::string UsageChunk(const ResponseMeta& meta, std::string_view object, const engine::Usage& usage);

std::string CompletionBody(const ResponseMeta& meta, std::span<const Choice> choices, const engine::Usage& usage,
                           const tokenizer::Tokenizer& tok, bool logprobs, std::span<const size_t> text_offsets);
std::string CompletionChunk(const ResponseMeta& meta, int index, const std::string& text, const Json& logprobs,
                            engine::Finish finish, bool include_usage);

Json ModelObject(const std::string& id, int64_t created);
std::string ModelsBody(const std::string& id, int64_t created);

// Compact JSON; invalid UTF-8 (a token's partial bytes) becomes U+FFFD rather than an exception.
std::string Dump(const Json& value);

}  // namespace citadel::api
