#pragma once
// The JSON shapes of OpenAI's responses: chat completions and their stream chunks, completions and
// theirs, usage, logprobs, and the model list.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "tokenizer/tokenizer.h"

namespace citadel::api {

using Json = nlohmann::ordered_json;

struct Choice {
  std::string text;
  std::string finish_reason;  // "stop", "length", or empty (null) mid-stream
  std::vector<int32_t> tokens;
  std::vector<engine::SampledToken> logprobs;  // one per token when asked
};

Json UsageJson(int prompt_tokens, int completion_tokens, int cached_prompt_tokens);

// Chat "logprobs" object: {"content": [{"token", "logprob", "bytes", "top_logprobs"}]}.
Json ChatLogprobsJson(const tokenizer::Tokenizer& tok, std::span<const int32_t> tokens,
                      std::span<const engine::SampledToken> logprobs);
// Completions' legacy "logprobs" object: tokens, token_logprobs, top_logprobs, text_offset.
Json CompletionLogprobsJson(const tokenizer::Tokenizer& tok, std::span<const int32_t> tokens,
                            std::span<const engine::SampledToken> logprobs, size_t text_offset);

Json ChatCompletionJson(const std::string& id, int64_t created, const std::string& model,
                        const std::vector<Json>& choices, const Json& usage);
Json ChatChoiceJson(size_t index, const std::string& content, const std::string& finish_reason, const Json& logprobs);
Json ChatChunkJson(const std::string& id, int64_t created, const std::string& model, size_t index, const Json& delta,
                   const std::string& finish_reason, const Json& logprobs);
Json CompletionJson(const std::string& id, int64_t created, const std::string& model, const std::vector<Json>& choices,
                    const Json& usage);
Json CompletionChoiceJson(size_t index, const std::string& text, const std::string& finish_reason, const Json& logprobs);
// A stream chunk with no choices and the usage (stream_options.include_usage).
Json UsageChunkJson(const std::string& id, const char* object, int64_t created, const std::string& model,
                    const Json& usage);

Json ModelJson(const std::string& id, int64_t created);
Json ModelListJson(const std::string& id, int64_t created);

// Serialized for the wire: invalid UTF-8 replaced, never an exception.
std::string Dump(const Json& j);

}  // namespace citadel::api
