#pragma once
// POST /v1/chat/completions: the body as the engine needs it. Messages are normalized for chat
// templates: content-part arrays become one string, `developer` becomes `system`.

#include "api/generation_options.h"
#include "api/json_fields.h"
#include "core/result.h"

namespace citadel::api {

struct ChatRequest {
  GenerationOptions options;
  Json messages = Json::array();  // [{role, content: string}, ...]
};

// Adds to ParseGenerationOptions: messages (required, non-empty; content a string, null for an
// assistant turn, or an array of {"type": "text", "text": ...} parts), max_completion_tokens
// (preferred over the deprecated max_tokens), logprobs and top_logprobs.
Result<ChatRequest> ParseChatRequest(const Json& body, int32_t vocab_size);

}  // namespace citadel::api
