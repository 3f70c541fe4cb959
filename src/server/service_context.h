#pragma once
// What the endpoint handlers share: the engine and the model's text side, the served model's
// identity, the metrics, and the drain state. Lives on the I/O thread.

#include <cstdint>
#include <functional>
#include <string>

#include "jinja/template.h"

namespace citadel::engine {
class Engine;
}
namespace citadel::tokenizer {
class ChatTemplate;
class Tokenizer;
}  // namespace citadel::tokenizer

namespace citadel::server {

class Metrics;

struct ServiceContext {
  engine::Engine& engine;
  const tokenizer::Tokenizer& tokenizer;
  const tokenizer::ChatTemplate* chat = nullptr;  // null: the model has no chat template
  std::string model_id;
  int64_t created = 0;  // Unix seconds of the model's load, for model objects
  Metrics& metrics;
  std::function<jinja::RenderOptions()> render_options;  // today's date for the chat template
  bool draining = false;  // shutting down: new generations get 503
  int in_flight = 0;      // generations started and not yet finished
};

}  // namespace citadel::server
