#pragma once
// Who is calling, as every later stage sees it: established by an API key (guard/authn/api_keys)
// or by a verified OIDC token (guard/authn/jwt_verifier), never by an unverified claim.

#include <cstdint>
#include <string>
#include <vector>

namespace citadel::guard {

enum class AuthMethod { kNone, kApiKey, kJwt };

struct Identity {
  AuthMethod method = AuthMethod::kNone;
  std::string tenant;
  std::string subject;
  std::vector<std::string> roles;
  // The API key's id ("ck_…" prefix part, never the secret) or the token's `jti`: what the audit
  // record names as the credential.
  std::string credential_id;
  // Authentication strength from the token (`amr` values and `acr`); empty for API keys.
  std::vector<std::string> amr;
  std::string acr;
  // Models this credential alone may use (an API key created with --models); empty: the role decides.
  std::vector<std::string> models;
  int64_t expires_at = 0;  // Unix seconds; 0: no expiry
};

}  // namespace citadel::guard
