#pragma once
// The guard pipeline a request passes before the engine sees it, in the order the server calls it:
//   1. Authenticate — from the connection's address and the Authorization header only, so an
//      unauthenticated caller costs no body parsing: the IP allowlist, then an API key or an OIDC
//      token (credentials in the URL are refused, they end up in proxy logs).
//   2. Authorize — once the body named the model: the caller's roles, deny by default, MFA.
//   3. Admit — once the prompt is tokenized: rate limits and quotas of the credential and tenant.
// With no authentication configured (a loopback-only development setup) every caller is the
// anonymous tenant "default" with every permission and no limits.
// Keys and policies can be replaced while serving (SIGHUP); each request sees one version.

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/result.h"
#include "guard/authn/api_key_store.h"
#include "guard/authn/identity.h"
#include "guard/authz/access_policy.h"
#include "guard/denial.h"
#include "guard/network/ip_allowlist.h"
#include "guard/quota/limiter.h"

namespace citadel::guard {

// Verifies a bearer token that is not an API key (an OIDC JWT); errors carry a code.
using TokenVerifier = std::function<Result<Identity>(std::string_view token)>;

struct GuardSettings {
  std::shared_ptr<ApiKeyStore> api_keys;  // null: API keys not accepted
  TokenVerifier verify_token;             // null: OIDC tokens not accepted
  AccessPolicy policy;
  IpAllowlist allowlist;
  std::unique_ptr<quota::UsageStore> usage_store;  // null: in memory
};

struct RequestCredentials {
  std::string_view client_address;  // "" when unknown
  std::string_view authorization;   // the Authorization header, "" when absent
  std::string_view target;          // path and query, to refuse credentials in the URL
};

class Gatekeeper {
 public:
  explicit Gatekeeper(GuardSettings settings);
  ~Gatekeeper();

  // Whether callers must identify themselves (an API key store or an OIDC issuer is configured).
  bool authentication_required() const { return authentication_required_; }

  std::variant<Identity, Denial> Authenticate(const RequestCredentials& credentials) const;
  // The role that admits the request (a copy: policies can be replaced meanwhile). `model` may be
  // empty for endpoints that name none.
  std::variant<RolePolicy, Denial> Authorize(const Identity& identity, std::string_view endpoint,
                                             std::string_view model) const;
  std::variant<quota::Limiter::Ticket, Denial> Admit(const Identity& identity, const RolePolicy& role,
                                                     int64_t prompt_tokens);
  std::vector<quota::ScopeUsage> Usage(const Identity& identity, const RolePolicy& role);

  // SIGHUP: a new policy and allowlist take effect for requests that start after the call.
  void ReplacePolicy(AccessPolicy policy, IpAllowlist allowlist);

 private:
  struct Snapshot {
    AccessPolicy policy;
    IpAllowlist allowlist;
  };
  std::shared_ptr<const Snapshot> Current() const { return snapshot_.load(); }
  std::vector<quota::Scope> ScopesOf(const Identity& identity, const RolePolicy& role) const;

  std::shared_ptr<ApiKeyStore> api_keys_;
  TokenVerifier verify_token_;
  bool authentication_required_;
  std::atomic<std::shared_ptr<const Snapshot>> snapshot_;
  quota::Limiter limiter_;
};

}  // namespace citadel::guard
