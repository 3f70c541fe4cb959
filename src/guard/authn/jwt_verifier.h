#pragma once
// Verifies an OIDC bearer token (a JWS-signed JWT) against the issuer's published keys and turns
// its claims into an Identity. Thread-safe: one verifier serves every request thread.
//
//   auto verifier = JwtVerifier::Create(settings);            // real HTTPS fetcher
//   Result<Identity> who = (*verifier)->Verify(bearer_token);  // error codes: auth_error.h
//
// Keys come only from the configured JWKS; a token's jku, x5u or embedded jwk is never used.

#include <memory>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "guard/authn/identity.h"
#include "guard/authn/jwks_cache.h"
#include "guard/authn/jws_signature.h"
#include "guard/authn/jwt_claims.h"
#include "guard/authn/oidc_settings.h"

namespace citadel::guard {

class JwtVerifier {
 public:
  // Fails on settings that cannot work (no issuer or audience, bad claim path, unknown or
  // forbidden algorithm name). Keys are fetched lazily by the first Verify.
  static Result<std::unique_ptr<JwtVerifier>> Create(const OidcSettings& settings, Fetcher fetch,
                                                      UnixClock now = {});
  // Same, fetching over HTTP(S) with settings.http_timeout and settings.ca_file.
  static Result<std::unique_ptr<JwtVerifier>> Create(const OidcSettings& settings);

  Result<Identity> Verify(std::string_view token) const;

 private:
  JwtVerifier(const OidcSettings& settings, ClaimRules rules, std::vector<JwsAlg> allowed, Fetcher fetch,
              UnixClock now);

  const ClaimRules rules_;
  const std::vector<JwsAlg> allowed_;
  const size_t max_token_bytes_;
  const UnixClock now_;
  std::unique_ptr<JwksCache> keys_;  // internally synchronized
};

}  // namespace citadel::guard
