#include "guard/authn/jwt_decode.h"

#include "core/base64url.h"
#include "guard/authn/auth_error.h"

namespace citadel::guard {
namespace {

Error Invalid(std::string message) { return Error{std::move(message), std::string(authn_error::kInvalidToken)}; }

Result<nlohmann::json> DecodeObject(std::string_view segment, std::string_view what) {
  auto bytes = DecodeBase64Url(segment);
  if (!bytes) return Invalid(fmt::format("{} is not base64url", what));
  nlohmann::json value = nlohmann::json::parse(*bytes, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) return Invalid(fmt::format("{} is not JSON", what));
  if (!value.is_object()) return Invalid(fmt::format("{} is not a JSON object", what));
  return value;
}

}  // namespace

Result<DecodedJwt> DecodeJwt(std::string_view token, size_t max_bytes) {
  if (token.size() > max_bytes) {
    return Error{fmt::format("token is {} bytes, more than the {} allowed", token.size(), max_bytes),
                 std::string(authn_error::kTokenTooLarge)};
  }
  const size_t dot1 = token.find('.');
  const size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return Invalid("token does not have three dot-separated parts");
  }
  const std::string_view header = token.substr(0, dot1);
  const std::string_view payload = token.substr(dot1 + 1, dot2 - dot1 - 1);
  const std::string_view signature = token.substr(dot2 + 1);
  if (header.empty() || payload.empty() || signature.empty()) return Invalid("token has an empty part");
  DecodedJwt out;
  CITADEL_ASSIGN_OR_RETURN(out.header, DecodeObject(header, "token header"));
  CITADEL_ASSIGN_OR_RETURN(out.payload, DecodeObject(payload, "token payload"));
  auto sig = DecodeBase64Url(signature);
  if (!sig) return Invalid("token signature is not base64url");
  out.signature = std::move(sig).value();
  out.signing_input = token.substr(0, dot2);
  return out;
}

}  // namespace citadel::guard
