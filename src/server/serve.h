#pragma once
// Runs the HTTP server until SIGINT/SIGTERM: listens, serves, and on the signal stops accepting,
// lets in-flight requests finish for config.shutdown_timeout_s, then cancels what is left and
// returns. A second signal cancels at once.

#include <functional>
#include <memory>
#include <string>

#include "core/result.h"
#include "jinja/template.h"
#include "server/config.h"
#include "server/service_context.h"  // and its forward declarations of Engine, Tokenizer, ChatTemplate

namespace citadel::server {

struct ServeModel {
  std::unique_ptr<engine::Engine> engine;  // destroyed by Serve, before the sockets it may refer to
  const tokenizer::Tokenizer* tokenizer = nullptr;
  const tokenizer::ChatTemplate* chat = nullptr;  // null: no chat template
  std::string id;
  std::function<jinja::RenderOptions()> render_options;
};

// on_listening gets "http://HOST:PORT" once the socket is bound (port 0 resolved).
Result<void> Serve(const ServerConfig& config, ServeModel model, const std::function<void(const std::string&)>& on_listening);

}  // namespace citadel::server
