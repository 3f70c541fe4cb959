#include "server/error_response.h"

#include <string>

namespace citadel::server {

HttpResponse ErrorResponse(const api::ApiError& error) {
  HttpResponse response{.status = error.status, .body = api::ErrorBody(error)};
  if (error.retry_after_seconds > 0) {
    response.headers.emplace_back("Retry-After", std::to_string(error.retry_after_seconds));
  }
  return response;
}

}  // namespace citadel::server
