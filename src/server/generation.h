#pragma once
// Runs one HTTP request's choices through the engine and answers it: a whole JSON body, or SSE
// chunks as the engine's events arrive, then the usage chunk and [DONE]. Rejections become
// OpenAI errors (429 + Retry-After for a full queue); a client that leaves cancels every choice.
// The endpoint decides the body shapes through a ResponseFormat.

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "api/generation_options.h"
#include "api/responses.h"
#include "engine/engine.h"
#include "server/exchange.h"
#include "server/service_context.h"

namespace citadel::server {

class ResponseFormat {
 public:
  virtual ~ResponseFormat() = default;
  // The SSE payloads for one event of choice `index` (none: nothing to send). first: the
  // choice's first event.
  virtual std::vector<std::string> Chunks(int index, bool first, const engine::Event& event) = 0;
  // The non-streaming body.
  virtual std::string Body(std::span<const api::Choice> choices, const engine::Usage& usage) = 0;
  // "chat.completion.chunk" or "text_completion": the object of the usage chunk.
  virtual std::string_view chunk_object() const = 0;
  virtual const api::ResponseMeta& meta() const = 0;
};

// prompt_param names the request field a context-length error points at ("messages", "prompt").
void Generate(ServiceContext& context, const std::shared_ptr<Exchange>& exchange, std::vector<engine::Request> requests,
              const api::GenerationOptions& options, std::string_view prompt_param,
              std::unique_ptr<ResponseFormat> format);

}  // namespace citadel::server
