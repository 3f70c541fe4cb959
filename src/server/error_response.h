#pragma once
// api::ApiError as an HTTP response: OpenAI's error body, and Retry-After where the error has one.

#include "api/api_error.h"
#include "server/exchange.h"

namespace citadel::server {

HttpResponse ErrorResponse(const api::ApiError& error);

}  // namespace citadel::server
