#pragma once
// The JWS compact form split and decoded, before any trust: exactly three non-empty base64url
// segments, a JSON-object header and payload. Error codes from auth_error.h.

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

#include "core/result.h"

namespace citadel::guard {

struct DecodedJwt {
  nlohmann::json header;
  nlohmann::json payload;
  std::string_view signing_input;  // "<header>.<payload>", a view into the caller's token
  std::string signature;           // decoded bytes
};

// Refuses tokens longer than `max_bytes` before looking at them.
Result<DecodedJwt> DecodeJwt(std::string_view token, size_t max_bytes);

}  // namespace citadel::guard
