#include "guard/authz/access_policy.h"

#include <fmt/format.h>

#include <algorithm>

namespace citadel::guard {
namespace {

bool Grants(const std::vector<std::string>& allowed, std::string_view wanted) {
  return std::any_of(allowed.begin(), allowed.end(), [&](const std::string& a) { return a == "*" || a == wanted; });
}

bool HasSecondFactor(const RolePolicy& role, const Identity& id) {
  for (const std::string& amr : id.amr) {
    if (std::find(role.mfa_amr.begin(), role.mfa_amr.end(), amr) != role.mfa_amr.end()) return true;
  }
  return !id.acr.empty() && std::find(role.mfa_acr.begin(), role.mfa_acr.end(), id.acr) != role.mfa_acr.end();
}

}  // namespace

std::variant<const RolePolicy*, Denial> Authorize(const AccessPolicy& policy, const Identity& identity,
                                                  std::string_view endpoint, std::string_view model) {
  if (!model.empty() && !identity.models.empty() && !Grants(identity.models, model)) {
    return Forbidden("model_not_allowed", fmt::format("this credential may not use the model '{}'", model));
  }
  // The most specific reason wins: a role that would allow the request but for MFA says so.
  const RolePolicy* needs_mfa = nullptr;
  bool endpoint_ok = false;
  for (const std::string& name : identity.roles) {
    const auto it = policy.roles.find(name);
    if (it == policy.roles.end()) continue;  // unknown roles grant nothing
    const RolePolicy& role = it->second;
    if (!Grants(role.endpoints, endpoint)) continue;
    endpoint_ok = true;
    if (!model.empty() && !Grants(role.models, model)) continue;
    if (role.require_mfa && !HasSecondFactor(role, identity)) {
      needs_mfa = needs_mfa != nullptr ? needs_mfa : &role;
      continue;
    }
    return &role;
  }
  if (needs_mfa != nullptr) {
    return Forbidden("mfa_required", fmt::format("role '{}' requires multi-factor authentication (amr: {})",
                                                 needs_mfa->name, fmt::join(needs_mfa->mfa_amr, ", ")));
  }
  if (endpoint_ok) {
    return Forbidden("model_not_allowed", fmt::format("no role of this caller may use the model '{}'", model));
  }
  if (identity.roles.empty()) return Forbidden("permission_denied", "the caller has no role");
  return Forbidden("permission_denied", fmt::format("no role of this caller grants '{}'", endpoint));
}

const quota::Limits& TenantLimits(const AccessPolicy& policy, std::string_view tenant) {
  const auto it = policy.tenants.find(tenant);
  return it != policy.tenants.end() ? it->second : policy.default_tenant_limits;
}

}  // namespace citadel::guard
