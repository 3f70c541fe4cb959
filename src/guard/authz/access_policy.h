#pragma once
// Role-based access: what each role may do, deny by default. A caller holding several roles gets
// the first of them (in the caller's order) that allows the endpoint and model; a role that
// requires MFA admits only tokens whose `amr` or `acr` shows a second factor.

#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "guard/authn/identity.h"
#include "guard/denial.h"
#include "guard/quota/limits.h"

namespace citadel::guard {

// Endpoint names roles grant: "chat.completions", "completions", "chat", "models", "usage",
// "audit", "watermark.detect"; "*" grants all.
struct RolePolicy {
  std::string name;
  std::vector<std::string> models{"*"};      // model ids; "*" = every served model
  std::vector<std::string> endpoints;        // empty = none
  int max_tokens = 0;                        // ceiling on a request's max_tokens; 0 = none
  quota::Limits limits;                      // per credential holding this role
  bool require_mfa = false;
  std::vector<std::string> mfa_amr{"otp", "mfa", "hwk"};  // any of these in `amr` satisfies MFA
  std::vector<std::string> mfa_acr;                        // or `acr` equal to one of these
  bool audit_all_tenants = false;  // GET /v1/audit may read every tenant's records, not only its own
  // Names of the policies later stages apply (defined in their own config sections).
  std::string pii_policy, audit_policy, watermark_policy;
};

struct AccessPolicy {
  std::map<std::string, RolePolicy, std::less<>> roles;
  std::map<std::string, quota::Limits, std::less<>> tenants;  // per tenant, summed over its callers
  quota::Limits default_tenant_limits;                         // tenants not listed
};

// The role that admits `identity` to `endpoint` (and `model`, when the endpoint names one), or why not.
std::variant<const RolePolicy*, Denial> Authorize(const AccessPolicy& policy, const Identity& identity,
                                                  std::string_view endpoint, std::string_view model);

const quota::Limits& TenantLimits(const AccessPolicy& policy, std::string_view tenant);

}  // namespace citadel::guard
