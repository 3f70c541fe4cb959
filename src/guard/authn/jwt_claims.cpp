#include "guard/authn/jwt_claims.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <optional>

#include "guard/authn/auth_error.h"

namespace citadel::guard {
namespace {

using nlohmann::json;
namespace code = authn_error;

// NumericDate (RFC 7519 §2): a JSON number of seconds, possibly fractional. Values beyond ±1e15
// are clamped so later arithmetic cannot overflow; they are absurd for any real token anyway.
enum class DateState { kAbsent, kValid, kInvalid };
DateState ReadDate(const json& payload, const char* name, int64_t& out) {
  const auto it = payload.find(name);
  if (it == payload.end()) return DateState::kAbsent;
  constexpr double kLimit = 1e15;
  double value = 0;
  if (it->is_number_integer() || it->is_number_unsigned() || it->is_number_float()) {
    value = it->get<double>();
  } else {
    return DateState::kInvalid;
  }
  if (!std::isfinite(value)) return DateState::kInvalid;
  out = static_cast<int64_t>(std::floor(std::clamp(value, -kLimit, kLimit)));
  return DateState::kValid;
}

Error Fail(std::string_view error_code, std::string message) { return Error{std::move(message), std::string(error_code)}; }

// nbf and iat are optional, but neither may lie beyond now + leeway.
Result<void> CheckNotInFuture(const json& payload, const char* name, std::string_view what, int64_t leeway, int64_t now) {
  int64_t when = 0;
  switch (ReadDate(payload, name, when)) {
    case DateState::kInvalid: return Fail(code::kInvalidToken, fmt::format("{} is not a number", name));
    case DateState::kValid:
      if (when > now + leeway) return Fail(code::kTokenNotYetValid, fmt::format("token {} {} s in the future", what, when - now));
      break;
    case DateState::kAbsent: break;
  }
  return Ok();
}

Result<void> CheckTimes(const json& payload, int64_t leeway, int64_t now) {
  int64_t exp = 0;
  switch (ReadDate(payload, "exp", exp)) {
    case DateState::kAbsent: return Fail(code::kMissingClaim, "token has no exp claim");
    case DateState::kInvalid: return Fail(code::kInvalidToken, "exp is not a number");
    case DateState::kValid: break;
  }
  if (now >= exp + leeway) return Fail(code::kTokenExpired, fmt::format("token expired {} s ago", now - exp));
  CITADEL_RETURN_IF_ERROR(CheckNotInFuture(payload, "nbf", "becomes valid", leeway, now));
  return CheckNotInFuture(payload, "iat", "was issued", leeway, now);
}

Result<void> CheckIssuerAndAudience(const json& payload, const ClaimRules& rules) {
  const auto iss = payload.find("iss");
  if (iss == payload.end() || !iss->is_string()) return Fail(code::kInvalidIssuer, "token has no iss claim");
  if (iss->get_ref<const std::string&>() != rules.issuer) {
    return Fail(code::kInvalidIssuer, fmt::format("issuer '{}' is not the configured issuer", Printable(iss->get_ref<const std::string&>())));
  }
  const auto aud = payload.find("aud");
  if (aud == payload.end()) return Fail(code::kInvalidAudience, "token has no aud claim");
  const auto ours = [&rules](const json& v) {
    return v.is_string() && std::find(rules.audiences.begin(), rules.audiences.end(), v.get_ref<const std::string&>()) !=
                                rules.audiences.end();
  };
  const bool match = aud->is_array() ? std::any_of(aud->begin(), aud->end(), ours) : ours(*aud);
  if (!match) return Fail(code::kInvalidAudience, "token audience does not include this server");
  return Ok();
}

// A present claim must be a string; nullopt when absent or empty.
Result<std::optional<std::string>> OptionalString(const json& payload, const ClaimPath& path, std::string_view what) {
  const json* value = FindClaim(payload, path);
  if (value == nullptr || value->is_null()) return std::optional<std::string>();
  if (!value->is_string()) return Fail(code::kInvalidToken, fmt::format("{} claim is not a string", what));
  const std::string& s = value->get_ref<const std::string&>();
  return s.empty() ? std::optional<std::string>() : std::optional<std::string>(s);
}

}  // namespace

Result<ClaimRules> CompileClaimRules(const OidcSettings& settings) {
  if (settings.issuer.empty()) return Err("OIDC issuer is not set");
  if (settings.audiences.empty()) return Err("OIDC needs at least one audience");
  ClaimRules rules;
  rules.issuer = settings.issuer;
  rules.audiences = settings.audiences;
  rules.leeway_s = std::clamp<int64_t>(settings.leeway.count(), 0, OidcSettings::kMaxLeeway.count());
  CITADEL_ASSIGN_OR_RETURN(rules.subject, ParseClaimPath(settings.subject_claim));
  CITADEL_ASSIGN_OR_RETURN(rules.tenant, ParseClaimPath(settings.tenant_claim));
  rules.default_tenant = settings.default_tenant;
  for (const std::string& text : settings.roles_claims) {
    CITADEL_ASSIGN_OR_RETURN(ClaimPath path, ParseClaimPath(text));
    rules.roles.push_back(std::move(path));
  }
  return rules;
}

Result<Identity> IdentityFromClaims(const json& payload, const ClaimRules& rules, int64_t now) {
  CITADEL_RETURN_IF_ERROR(CheckIssuerAndAudience(payload, rules));
  CITADEL_RETURN_IF_ERROR(CheckTimes(payload, rules.leeway_s, now));
  Identity id;
  id.method = AuthMethod::kJwt;
  CITADEL_ASSIGN_OR_RETURN(const std::optional<std::string> subject, OptionalString(payload, rules.subject, "subject"));
  if (!subject) return Fail(code::kMissingClaim, "token has no subject claim");
  id.subject = *subject;
  CITADEL_ASSIGN_OR_RETURN(const std::optional<std::string> tenant, OptionalString(payload, rules.tenant, "tenant"));
  if (!tenant && rules.default_tenant.empty()) return Fail(code::kMissingClaim, "token has no tenant claim and no default tenant is set");
  id.tenant = tenant ? *tenant : rules.default_tenant;
  for (const ClaimPath& path : rules.roles) {
    if (const json* value = FindClaim(payload, path)) AppendStringList(*value, id.roles);
  }
  if (const auto amr = payload.find("amr"); amr != payload.end()) AppendStringList(*amr, id.amr);
  if (const auto acr = payload.find("acr"); acr != payload.end() && acr->is_string()) id.acr = acr->get<std::string>();
  if (const auto jti = payload.find("jti"); jti != payload.end() && jti->is_string()) id.credential_id = jti->get<std::string>();
  ReadDate(payload, "exp", id.expires_at);
  return id;
}

}  // namespace citadel::guard
