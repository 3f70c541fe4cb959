#pragma once
// What an operator configures for OIDC bearer tokens ([auth.oidc] in the configuration file).

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace citadel::guard {

struct OidcSettings {
  // Compared with the token's `iss` byte for byte ("https://idp/realms/x" and ".../x/" differ).
  std::string issuer;
  // Empty: found through <issuer>/.well-known/openid-configuration.
  std::string jwks_uri;
  // The token's `aud` (string or array) must contain at least one of these.
  std::vector<std::string> audiences;
  // Clock skew allowed on exp, nbf and iat; values above kMaxLeeway are lowered to it.
  std::chrono::seconds leeway{60};
  // JWS algorithms accepted; "none" and HS* are refused whatever this says.
  std::vector<std::string> allowed_algorithms = {"RS256", "RS384", "RS512", "PS256", "PS384",
                                                 "PS512", "ES256", "ES384", "EdDSA"};
  // Claim paths: segments separated by '.', a literal dot inside a segment written "\." (so the
  // Auth0-style claim "https://example.com/roles" is "https://example\.com/roles").
  std::string subject_claim = "sub";
  std::string tenant_claim = "tenant";
  // Used when the tenant claim is absent; empty: a token without a tenant is refused.
  std::string default_tenant;
  // Every path is read and the roles are merged; each may hold an array of strings or one
  // space-separated string. Keycloak: "realm_access.roles", "resource_access.<client>.roles".
  std::vector<std::string> roles_claims = {"roles"};
  std::chrono::seconds jwks_refresh_interval{3600};
  // An unknown kid triggers a JWKS fetch at most this often, so forged kids cannot flood the IdP.
  std::chrono::seconds unknown_kid_min_interval{10};
  size_t max_token_bytes = 8192;
  std::chrono::milliseconds http_timeout{5000};
  // PEM bundle to verify the IdP's TLS certificate; empty: the system CA store.
  std::string ca_file;

  static constexpr std::chrono::seconds kMaxLeeway{300};
};

}  // namespace citadel::guard
