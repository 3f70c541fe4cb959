#pragma once
// The access-control sections of citadel.toml — [auth], [auth.oidc], [roles.NAME],
// [tenants.NAME] and [quota] — read into the guard's settings. Like the rest of the file, unknown
// keys are errors and every error names its key.

#include <toml++/toml.h>

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "guard/authn/oidc_settings.h"
#include "guard/authz/access_policy.h"

namespace citadel::server {

struct AccessConfig {
  std::string api_keys;                // [auth] api_keys: the key store file (`citadel keys create --store`)
  std::vector<std::string> allow_ips;  // [auth] allow_ips: CIDR blocks; empty admits every address
  guard::OidcSettings oidc;            // [auth.oidc]; off while oidc.issuer is empty
  std::string quota_store;             // [quota] store: SQLite file for daily/monthly totals; "" = memory
  guard::AccessPolicy policy;          // [roles.*], [tenants.*] ("*" sets the default tenant limits)

  bool authentication_configured() const { return !api_keys.empty() || !oidc.issuer.empty(); }
};

// Whether a top-level table belongs to this file's sections.
bool IsAccessSection(std::string_view section);
// Reads one such table; errors are "<section>.<key>: why".
Result<void> ReadAccessSection(std::string_view section, const toml::table& table, AccessConfig& config);

}  // namespace citadel::server
