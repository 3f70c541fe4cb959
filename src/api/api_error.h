#pragma once
// OpenAI's error object and the HTTP status that carries it. Every failure a client sees, from a
// malformed request line to an engine rejection, is rendered through here, so the SDKs always get
// {"error": {"message", "type", "param", "code"}}.

#include <string>

#include "core/result.h"

namespace citadel::api {

struct ApiError {
  int status = 400;
  std::string message;
  std::string type = "invalid_request_error";
  std::string param;  // empty = null
  std::string code;   // empty = null
  int retry_after_seconds = 0;  // > 0: the response carries Retry-After
};

// {"error": {...}} as compact JSON.
std::string ErrorBody(const ApiError& error);

// A request-validation error (400). By the project's convention such errors start with the field
// they concern ("temperature: 3 is outside [0, 2]", "messages[1].content: ..."), which becomes
// `param`; Error::code, when set, becomes `code`.
ApiError InvalidRequest(const Error& error);

// Maps an engine::Engine::Submit rejection to its status: invalid_request and
// context_length_exceeded 400, queue_full 429 with Retry-After, shutting_down 503.
ApiError FromEngineRejection(const Error& error, std::string_view prompt_param);

// The model named in a request is not the one served.
ApiError ModelNotFound(std::string_view model);

}  // namespace citadel::api
