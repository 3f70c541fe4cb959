#include "guard/authn/jwt_verifier.h"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "guard/authn/auth_error.h"
#include "guard/authn/http_fetch.h"
#include "guard/authn/jwt_decode.h"

namespace citadel::guard {
namespace {

namespace code = authn_error;

Error Fail(std::string_view error_code, std::string message) { return Error{std::move(message), std::string(error_code)}; }

}  // namespace

Result<std::unique_ptr<JwtVerifier>> JwtVerifier::Create(const OidcSettings& settings, Fetcher fetch, UnixClock now) {
  CITADEL_ASSIGN_OR_RETURN(ClaimRules rules, CompileClaimRules(settings));
  std::vector<JwsAlg> allowed;
  for (const std::string& name : settings.allowed_algorithms) {
    const std::optional<JwsAlg> alg = ParseJwsAlg(name);
    if (!alg) return Err("OIDC algorithm '{}' is not supported (use RS*, PS*, ES256, ES384 or EdDSA)", name);
    allowed.push_back(*alg);
  }
  if (allowed.empty()) return Err("OIDC allows no signature algorithm");
  if (settings.max_token_bytes == 0) return Err("OIDC max token size must be positive");
  if (!fetch) return Err("OIDC needs a fetcher");
  return std::unique_ptr<JwtVerifier>(
      new JwtVerifier(settings, std::move(rules), std::move(allowed), std::move(fetch), std::move(now)));
}

Result<std::unique_ptr<JwtVerifier>> JwtVerifier::Create(const OidcSettings& settings) {
  return Create(settings, MakeHttpFetcher(HttpFetchOptions{.timeout = settings.http_timeout, .ca_file = settings.ca_file}));
}

JwtVerifier::JwtVerifier(const OidcSettings& settings, ClaimRules rules, std::vector<JwsAlg> allowed, Fetcher fetch,
                         UnixClock now)
    : rules_(std::move(rules)),
      allowed_(std::move(allowed)),
      max_token_bytes_(settings.max_token_bytes),
      now_(now ? std::move(now) : UnixClock(SystemUnixSeconds)),
      keys_(std::make_unique<JwksCache>(JwksCacheOptions{.issuer = settings.issuer,
                                                         .jwks_uri = settings.jwks_uri,
                                                         .refresh_interval = settings.jwks_refresh_interval,
                                                         .unknown_kid_min_interval = settings.unknown_kid_min_interval},
                                        std::move(fetch), now_)) {}

Result<Identity> JwtVerifier::Verify(std::string_view token) const {
  CITADEL_ASSIGN_OR_RETURN(const DecodedJwt jwt, DecodeJwt(token, max_token_bytes_));
  // RFC 7515 §4.1.11: a recipient must reject extensions it does not understand; we know none.
  if (jwt.header.contains("crit")) return Fail(code::kInvalidToken, "token header has crit extensions");
  const auto alg_it = jwt.header.find("alg");
  if (alg_it == jwt.header.end() || !alg_it->is_string()) return Fail(code::kInvalidToken, "token header has no alg");
  const std::string& alg_name = alg_it->get_ref<const std::string&>();
  const std::optional<JwsAlg> alg = ParseJwsAlg(alg_name);
  if (!alg || std::find(allowed_.begin(), allowed_.end(), *alg) == allowed_.end()) {
    return Fail(code::kUnsupportedAlgorithm, fmt::format("alg '{}' is not accepted", Printable(alg_name)));
  }
  const auto kid_it = jwt.header.find("kid");
  if (kid_it == jwt.header.end() || !kid_it->is_string() || kid_it->get_ref<const std::string&>().empty()) {
    return Fail(code::kUnknownKey, "token header has no kid");
  }
  const std::string& kid = kid_it->get_ref<const std::string&>();

  CITADEL_ASSIGN_OR_RETURN(std::shared_ptr<const KeySet> keys, keys_->Keys());
  const VerificationKey* key = keys->Find(kid);
  if (key == nullptr) {
    keys = keys_->RefreshForUnknownKid(keys);
    key = keys ? keys->Find(kid) : nullptr;
    if (key == nullptr) return Fail(code::kUnknownKey, fmt::format("kid '{}' is not in the issuer's JWKS", Printable(kid)));
  }
  // `keys` keeps `key` alive below, even if a refresh replaces the set meanwhile.
  if (!AlgFitsKey(*alg, key->family) || (!key->alg.empty() && key->alg != alg_name)) {
    return Fail(code::kUnsupportedAlgorithm, fmt::format("alg {} does not fit key '{}'", alg_name, Printable(kid)));
  }
  if (auto ok = VerifyJwsSignature(*alg, key->pkey.get(), jwt.signing_input, jwt.signature); !ok) {
    return Fail(code::kInvalidSignature, std::move(ok).error().message);
  }
  return IdentityFromClaims(jwt.payload, rules_, now_());
}

}  // namespace citadel::guard
