#pragma once
// The registered-claim checks (iss, aud, exp, nbf, iat) on a verified payload, and the mapping of
// the configured claims onto an Identity. Only the payload is read: a "roles" member placed in the
// JOSE header, or in a claim nobody configured, grants nothing.

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "guard/authn/claim_path.h"
#include "guard/authn/identity.h"
#include "guard/authn/oidc_settings.h"

namespace citadel::guard {

// OidcSettings with the claim paths parsed and the leeway capped, done once at start.
struct ClaimRules {
  std::string issuer;
  std::vector<std::string> audiences;
  int64_t leeway_s = 60;
  ClaimPath subject;
  ClaimPath tenant;
  std::string default_tenant;
  std::vector<ClaimPath> roles;
};

Result<ClaimRules> CompileClaimRules(const OidcSettings& settings);

// `now` in Unix seconds. Error codes from auth_error.h.
Result<Identity> IdentityFromClaims(const nlohmann::json& payload, const ClaimRules& rules, int64_t now);

}  // namespace citadel::guard
