#include "guard/gatekeeper.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <chrono>

#include "core/url_query.h"

namespace citadel::guard {
namespace {

constexpr size_t kMaxCredentialBytes = 16 * 1024;

int64_t UnixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// Query parameters that carry credentials in common clients; a URL ends up in access logs,
// proxies and browser history, so these are refused rather than ignored.
bool CredentialInQuery(std::string_view target) {
  for (const auto& [name, value] : QueryParameters(target)) {
    for (std::string_view bad : {"api_key", "apikey", "api-key", "key", "access_token", "token", "id_token", "bearer"}) {
      if (EqualsIgnoreCase(name, bad)) return true;
    }
  }
  return false;
}

bool LooksLikeJwt(std::string_view token) {
  return std::count(token.begin(), token.end(), '.') == 2 &&
         std::all_of(token.begin(), token.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
         });
}

const RolePolicy& Unrestricted() {
  static const RolePolicy role{.name = "anonymous", .models = {"*"}, .endpoints = {"*"}};
  return role;
}

}  // namespace

Gatekeeper::Gatekeeper(GuardSettings settings)
    : api_keys_(std::move(settings.api_keys)), verify_token_(std::move(settings.verify_token)),
      authentication_required_(api_keys_ != nullptr || verify_token_ != nullptr),
      snapshot_(std::make_shared<const Snapshot>(Snapshot{std::move(settings.policy), std::move(settings.allowlist)})),
      limiter_(settings.usage_store ? std::move(settings.usage_store) : quota::MemoryUsageStore()) {}

Gatekeeper::~Gatekeeper() = default;

void Gatekeeper::ReplacePolicy(AccessPolicy policy, IpAllowlist allowlist) {
  snapshot_.store(std::make_shared<const Snapshot>(Snapshot{std::move(policy), std::move(allowlist)}));
}

std::variant<Identity, Denial> Gatekeeper::Authenticate(const RequestCredentials& c) const {
  const auto snapshot = Current();
  if (!snapshot->allowlist.Allows(c.client_address)) {
    return Forbidden("ip_not_allowed", fmt::format("the address {} is not in the allowlist", c.client_address));
  }
  if (CredentialInQuery(c.target)) {
    return Unauthenticated("credentials_in_url",
                           "credentials in the URL are refused; send them in the Authorization header");
  }
  if (!authentication_required_) {
    Identity anonymous;
    anonymous.tenant = "default";
    anonymous.subject = "anonymous";
    return anonymous;
  }
  if (c.authorization.empty()) {
    return Unauthenticated("missing_credentials",
                           "no credentials: send 'Authorization: Bearer <API key or access token>'");
  }
  constexpr std::string_view kBearer = "bearer ";
  if (c.authorization.size() <= kBearer.size() || !EqualsIgnoreCase(c.authorization.substr(0, kBearer.size()), kBearer)) {
    return Unauthenticated("invalid_authorization", "the Authorization header must be 'Bearer <credential>'");
  }
  std::string_view token = c.authorization.substr(kBearer.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  if (token.size() > kMaxCredentialBytes) return Unauthenticated("token_too_large", "the bearer credential is too large");
  const int64_t now = UnixNow();
  if (token.rfind("ck_", 0) == 0) {
    if (api_keys_ == nullptr) return Unauthenticated("invalid_api_key", "API keys are not accepted by this server");
    auto id = api_keys_->Authenticate(token, now);
    if (!id) return Unauthenticated(id.error().code.empty() ? "invalid_api_key" : id.error().code, id.error().message);
    return std::move(*id);
  }
  if (verify_token_ == nullptr || !LooksLikeJwt(token)) {
    return Unauthenticated(verify_token_ == nullptr ? "invalid_api_key" : "invalid_token",
                           "the bearer credential is neither a valid API key nor an access token");
  }
  auto id = verify_token_(token);
  if (!id) return Unauthenticated(id.error().code.empty() ? "invalid_token" : id.error().code, id.error().message);
  return std::move(*id);
}

std::variant<RolePolicy, Denial> Gatekeeper::Authorize(const Identity& identity, std::string_view endpoint,
                                                       std::string_view model) const {
  if (!authentication_required_) return Unrestricted();
  const auto snapshot = Current();
  auto verdict = guard::Authorize(snapshot->policy, identity, endpoint, model);
  if (auto* denial = std::get_if<Denial>(&verdict)) return std::move(*denial);
  return *std::get<const RolePolicy*>(verdict);
}

std::vector<quota::Scope> Gatekeeper::ScopesOf(const Identity& identity, const RolePolicy& role) const {
  std::vector<quota::Scope> scopes;
  if (!authentication_required_) return scopes;
  const auto snapshot = Current();
  if (identity.method == AuthMethod::kApiKey) {
    scopes.push_back({"key:" + identity.credential_id, "API key " + identity.credential_id, role.limits});
  } else {
    scopes.push_back({fmt::format("subject:{}/{}", identity.tenant, identity.subject),
                      fmt::format("subject '{}'", identity.subject), role.limits});
  }
  scopes.push_back({"tenant:" + identity.tenant, fmt::format("tenant '{}'", identity.tenant),
                    TenantLimits(snapshot->policy, identity.tenant)});
  return scopes;
}

std::variant<quota::Limiter::Ticket, Denial> Gatekeeper::Admit(const Identity& identity, const RolePolicy& role,
                                                               int64_t prompt_tokens) {
  const std::vector<quota::Scope> scopes = ScopesOf(identity, role);
  return limiter_.Admit(scopes, prompt_tokens);
}

std::vector<quota::ScopeUsage> Gatekeeper::Usage(const Identity& identity, const RolePolicy& role) {
  const std::vector<quota::Scope> scopes = ScopesOf(identity, role);
  return limiter_.Usage(scopes);
}

}  // namespace citadel::guard
