#pragma once
// Why a request is not admitted, in the terms the API answers with: an HTTP status, an OpenAI-style
// error type and code, a one-line reason that never contains a credential, and for 429/503 how long
// to wait. Every guard stage returns one of these instead of admitting the request.

#include <string>

namespace citadel::guard {

struct Denial {
  int status = 403;
  std::string type;     // "authentication_error", "permission_error", "rate_limit_error", ...
  std::string code;     // machine-readable, e.g. "invalid_api_key", "mfa_required", "rate_limit_exceeded"
  std::string message;  // for the caller and the audit record
  int retry_after_seconds = 0;  // > 0: sent as Retry-After
};

Denial Unauthenticated(std::string code, std::string message);  // 401
Denial Forbidden(std::string code, std::string message);        // 403
Denial TooMany(std::string code, std::string message, int retry_after_seconds);  // 429

}  // namespace citadel::guard
