#include "api/api_error.h"

#include <nlohmann/json.hpp>

#include "engine/engine.h"

namespace citadel::api {
namespace {

nlohmann::ordered_json NullIfEmpty(const std::string& s) {
  return s.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(s);
}

// A field path such as `messages[0].content` or `stream_options.include_usage`: what may precede
// ": " in a validation error to name the parameter.
bool LooksLikeParam(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                    c == '.' || c == '[' || c == ']';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::string ErrorBody(const ApiError& error) {
  const nlohmann::ordered_json body = {{"error",
                                {{"message", error.message},
                                 {"type", error.type},
                                 {"param", NullIfEmpty(error.param)},
                                 {"code", NullIfEmpty(error.code)}}}};
  return body.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

ApiError InvalidRequest(const Error& error) {
  ApiError out{.status = 400, .message = error.message, .code = error.code};
  if (const size_t colon = error.message.find(": "); colon != std::string::npos) {
    const std::string_view head = std::string_view(error.message).substr(0, colon);
    if (LooksLikeParam(head)) out.param = std::string(head);
  }
  return out;
}

ApiError FromEngineRejection(const Error& error, std::string_view prompt_param) {
  if (error.code == engine::kContextLengthExceeded) {
    return ApiError{.status = 400, .message = error.message, .param = std::string(prompt_param), .code = error.code};
  }
  if (error.code == engine::kQueueFull) {
    return ApiError{.status = 429,
                    .message = "the server is at capacity (" + error.message + "); retry later",
                    .type = "requests",
                    .code = "rate_limit_exceeded",
                    .retry_after_seconds = 1};
  }
  if (error.code == engine::kShuttingDown) {
    return ApiError{.status = 503, .message = "the server is shutting down", .type = "server_error",
                    .code = "service_unavailable"};
  }
  if (error.code == engine::kInvalidRequest) return InvalidRequest(error);
  return ApiError{.status = 500, .message = error.message, .type = "server_error"};
}

ApiError ModelNotFound(std::string_view model) {
  return ApiError{.status = 404,
                  .message = "The model '" + std::string(model) + "' does not exist (see GET /v1/models)",
                  .param = "model",
                  .code = "model_not_found"};
}

}  // namespace citadel::api
