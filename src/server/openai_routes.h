#pragma once
// The routes of `citadel serve`: the OpenAI-compatible API (/v1/chat/completions,
// /v1/completions, /v1/models), the simple /chat API, health, readiness and Prometheus metrics.
// Generation requests are parsed by api/, run by the engine, and answered whole or as server-sent
// events; a client that goes away mid-stream cancels its generation.

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "api/generation_request.h"
#include "engine/engine.h"
#include "server/exchange.h"
#include "server/metrics.h"

namespace citadel::server {

struct RouteOptions {
  std::string model_id;
  int default_max_tokens = 0;                   // 0: until the context is full
  std::chrono::seconds request_timeout{600};    // generation deadline per request
};

class OpenAiRoutes {
 public:
  // `chat` may be null (a model without a chat template): chat endpoints then answer 400.
  OpenAiRoutes(engine::Engine& engine, const tokenizer::Tokenizer& tokenizer, const tokenizer::ChatTemplate* chat,
               RouteOptions options, Metrics& metrics);

  boost::asio::awaitable<void> Handle(Exchange& exchange);

 private:
  boost::asio::awaitable<void> Generate(Exchange& ex, api::Endpoint endpoint, const std::string& name);
  boost::asio::awaitable<void> Answer(Exchange& ex, const std::string& name, const HttpResponse& response);
  // Every route but generation, answered without suspending; sets `generation` for those.
  HttpResponse Dispatch(const HttpRequest& req, std::string& name, std::optional<api::Endpoint>& generation);

  engine::Engine& engine_;
  const tokenizer::Tokenizer& tokenizer_;
  api::ModelContext model_;
  RouteOptions options_;
  Metrics& metrics_;
  int64_t created_;
};

}  // namespace citadel::server
