#pragma once
// Base64url without padding (RFC 4648 §5, as JOSE uses it). Decoding is strict: only the url-safe
// alphabet, no '=' padding, no whitespace, and the unused low bits of the last character must be
// zero, so every byte string has exactly one accepted encoding.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/result.h"

namespace citadel {

std::string EncodeBase64Url(std::span<const uint8_t> bytes);
std::string EncodeBase64Url(std::string_view bytes);
Result<std::string> DecodeBase64Url(std::string_view text);

}  // namespace citadel
