#pragma once
// OpenAI's error object and the HTTP status that goes with it. Every error the API returns has this
// shape: {"error": {"message", "type", "param", "code"}}.

#include <string>

#include "core/result.h"

namespace citadel::api {

struct ApiError {
  int status = 400;
  std::string message;
  std::string type = "invalid_request_error";
  std::string param;  // the offending field, or empty (rendered as null)
  std::string code;   // or empty (null)
};

// The response body for `error`.
std::string ErrorJson(const ApiError& error);

ApiError InvalidRequest(std::string message, std::string param = {}, std::string code = {});

// An engine rejection (engine/engine.h codes) as the status OpenAI clients expect: invalid or too
// long requests 400, a full queue 429, a stopping engine 503.
ApiError FromEngineError(const Error& error);

}  // namespace citadel::api
