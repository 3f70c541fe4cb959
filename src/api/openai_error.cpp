#include "api/openai_error.h"

#include <nlohmann/json.hpp>

#include "engine/engine.h"

namespace citadel::api {

std::string ErrorJson(const ApiError& e) {
  const auto or_null = [](const std::string& s) { return s.empty() ? nlohmann::json() : nlohmann::json(s); };
  const nlohmann::ordered_json body = {
      {"error", {{"message", e.message}, {"type", e.type}, {"param", or_null(e.param)}, {"code", or_null(e.code)}}}};
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

ApiError InvalidRequest(std::string message, std::string param, std::string code) {
  return {400, std::move(message), "invalid_request_error", std::move(param), std::move(code)};
}

ApiError FromEngineError(const Error& error) {
  if (error.code == engine::kContextLengthExceeded) {
    return InvalidRequest(error.message, "messages", "context_length_exceeded");
  }
  if (error.code == engine::kQueueFull) return {429, error.message, "rate_limit_error", {}, "queue_full"};
  if (error.code == engine::kShuttingDown) return {503, error.message, "server_error", {}, "shutting_down"};
  if (error.code == engine::kInvalidRequest) {
    // Sampling errors start with the field's name ("temperature: 3 is outside [0, 2]").
    const size_t colon = error.message.find(':');
    std::string param = colon != std::string::npos && error.message.find(' ') > colon ? error.message.substr(0, colon) : "";
    return InvalidRequest(error.message, std::move(param));
  }
  return {500, error.message, "server_error", {}, {}};
}

}  // namespace citadel::api
