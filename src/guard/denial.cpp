#include "guard/denial.h"

#include <algorithm>
#include <utility>

namespace citadel::guard {

Denial Unauthenticated(std::string code, std::string message) {
  return {401, "authentication_error", std::move(code), std::move(message), 0};
}

Denial Forbidden(std::string code, std::string message) {
  return {403, "permission_error", std::move(code), std::move(message), 0};
}

Denial TooMany(std::string code, std::string message, int retry_after_seconds) {
  const char* type = code == "insufficient_quota" ? "insufficient_quota" : "rate_limit_error";
  return {429, type, std::move(code), std::move(message), std::max(1, retry_after_seconds)};
}

}  // namespace citadel::guard
