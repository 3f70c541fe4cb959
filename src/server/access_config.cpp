#include "server/access_config.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <functional>
#include <chrono>
#include <map>

#include "guard/network/ip_allowlist.h"

namespace citadel::server {
namespace {

constexpr std::array<std::string_view, 8> kEndpoints = {
    "*", "chat.completions", "completions", "chat", "models", "usage", "audit", "watermark.detect"};

Result<std::vector<std::string>> Strings(const toml::node& n) {
  const toml::array* a = n.as_array();
  if (a == nullptr) return Err("must be an array of strings");
  std::vector<std::string> out;
  for (const toml::node& item : *a) {
    if (!item.is_string()) return Err("must be an array of strings");
    out.push_back(*item.value<std::string>());
  }
  return out;
}

Result<int64_t> NonNegative(const toml::node& n) {
  if (!n.is_integer()) return Err("must be an integer");
  const int64_t v = *n.value<int64_t>();
  if (v < 0) return Err("{} is negative (0 means unlimited)", v);
  return v;
}

Result<std::string> Text(const toml::node& n) {
  if (!n.is_string()) return Err("must be a string");
  return *n.value<std::string>();
}

// Sets one quota limit; false when `key` is not a limit.
Result<bool> ReadLimit(std::string_view key, const toml::node& n, guard::quota::Limits& l) {
  static const std::map<std::string_view, int64_t guard::quota::Limits::*> kLimits = {
      {"requests_per_minute", &guard::quota::Limits::requests_per_minute},
      {"tokens_per_minute", &guard::quota::Limits::tokens_per_minute},
      {"concurrent", &guard::quota::Limits::concurrent},
      {"tokens_per_day", &guard::quota::Limits::tokens_per_day},
      {"tokens_per_month", &guard::quota::Limits::tokens_per_month}};
  const auto it = kLimits.find(key);
  if (it == kLimits.end()) return false;
  CITADEL_ASSIGN_OR_RETURN(l.*(it->second), NonNegative(n));
  return true;
}

Result<void> ReadRoleKey(std::string_view key, const toml::node& n, guard::RolePolicy& role) {
  CITADEL_ASSIGN_OR_RETURN(const bool limit, ReadLimit(key, n, role.limits));
  if (limit) return Ok();
  if (key == "models") {
    CITADEL_ASSIGN_OR_RETURN(role.models, Strings(n));
  } else if (key == "endpoints") {
    CITADEL_ASSIGN_OR_RETURN(role.endpoints, Strings(n));
    for (const std::string& e : role.endpoints) {
      if (std::find(kEndpoints.begin(), kEndpoints.end(), e) == kEndpoints.end()) {
        return Err("unknown endpoint '{}' (known: {})", e, fmt::join(kEndpoints, ", "));
      }
    }
  } else if (key == "max_tokens") {
    CITADEL_ASSIGN_OR_RETURN(const int64_t v, NonNegative(n));
    if (v > (1 << 24)) return Err("{} is too large", v);
    role.max_tokens = static_cast<int>(v);
  } else if (key == "require_mfa") {
    if (!n.is_boolean()) return Err("must be true or false");
    role.require_mfa = *n.value<bool>();
  } else if (key == "audit_all_tenants") {
    if (!n.is_boolean()) return Err("must be true or false");
    role.audit_all_tenants = *n.value<bool>();
  } else if (key == "mfa_amr") {
    CITADEL_ASSIGN_OR_RETURN(role.mfa_amr, Strings(n));
  } else if (key == "mfa_acr") {
    CITADEL_ASSIGN_OR_RETURN(role.mfa_acr, Strings(n));
  } else if (key == "pii_policy") {
    CITADEL_ASSIGN_OR_RETURN(role.pii_policy, Text(n));
  } else if (key == "audit_policy") {
    CITADEL_ASSIGN_OR_RETURN(role.audit_policy, Text(n));
  } else if (key == "watermark_policy") {
    CITADEL_ASSIGN_OR_RETURN(role.watermark_policy, Text(n));
  } else {
    return Err("unknown key");
  }
  return Ok();
}

// [roles.NAME] / [tenants.NAME]: a table of tables.
template <class Entry>
Result<void> ReadNamed(std::string_view section, const toml::table& table,
                       const std::function<Result<void>(std::string_view, const toml::node&, Entry&)>& read,
                       const std::function<Entry&(const std::string&)>& entry) {
  for (const auto& [name, node] : table) {
    const toml::table* t = node.as_table();
    const std::string prefix = fmt::format("{}.{}", section, name.str());
    if (t == nullptr) return Err("{}: must be a table ([{}])", prefix, prefix);
    Entry& e = entry(std::string(name.str()));
    for (const auto& [key, value] : *t) {
      if (auto ok = read(key.str(), value, e); !ok) return Err("{}.{}: {}", prefix, key.str(), ok.error().message);
    }
  }
  return Ok();
}

Result<std::chrono::seconds> Seconds(const toml::node& n, int64_t lo, int64_t hi) {
  if (!n.is_integer()) return Err("must be a whole number of seconds");
  const int64_t v = *n.value<int64_t>();
  if (v < lo || v > hi) return Err("{} is outside [{}, {}]", v, lo, hi);
  return std::chrono::seconds(v);
}

Result<void> ReadOidcKey(std::string_view key, const toml::node& n, guard::OidcSettings& o) {
  if (key == "issuer") {
    CITADEL_ASSIGN_OR_RETURN(o.issuer, Text(n));
  } else if (key == "jwks_uri") {
    CITADEL_ASSIGN_OR_RETURN(o.jwks_uri, Text(n));
  } else if (key == "audiences") {
    CITADEL_ASSIGN_OR_RETURN(o.audiences, Strings(n));
  } else if (key == "algorithms") {
    CITADEL_ASSIGN_OR_RETURN(o.allowed_algorithms, Strings(n));
  } else if (key == "roles_claims") {
    CITADEL_ASSIGN_OR_RETURN(o.roles_claims, Strings(n));
  } else if (key == "subject_claim") {
    CITADEL_ASSIGN_OR_RETURN(o.subject_claim, Text(n));
  } else if (key == "tenant_claim") {
    CITADEL_ASSIGN_OR_RETURN(o.tenant_claim, Text(n));
  } else if (key == "default_tenant") {
    CITADEL_ASSIGN_OR_RETURN(o.default_tenant, Text(n));
  } else if (key == "ca_file") {
    CITADEL_ASSIGN_OR_RETURN(o.ca_file, Text(n));
  } else if (key == "leeway_seconds") {
    CITADEL_ASSIGN_OR_RETURN(o.leeway, Seconds(n, 0, guard::OidcSettings::kMaxLeeway.count()));
  } else if (key == "jwks_refresh_seconds") {
    CITADEL_ASSIGN_OR_RETURN(o.jwks_refresh_interval, Seconds(n, 10, 7 * 86400));
  } else if (key == "unknown_kid_min_interval_seconds") {
    CITADEL_ASSIGN_OR_RETURN(o.unknown_kid_min_interval, Seconds(n, 1, 3600));
  } else if (key == "http_timeout_seconds") {
    CITADEL_ASSIGN_OR_RETURN(const auto s, Seconds(n, 1, 60));
    o.http_timeout = s;
  } else if (key == "max_token_bytes") {
    CITADEL_ASSIGN_OR_RETURN(const int64_t v, NonNegative(n));
    if (v < 1024 || v > 65536) return Err("{} is outside [1024, 65536]", v);
    o.max_token_bytes = static_cast<size_t>(v);
  } else {
    return Err("unknown key");
  }
  return Ok();
}

}  // namespace

bool IsAccessSection(std::string_view section) {
  return section == "auth" || section == "roles" || section == "tenants" || section == "quota";
}

Result<void> ReadAccessSection(std::string_view section, const toml::table& table, AccessConfig& c) {
  if (section == "roles") {
    return ReadNamed<guard::RolePolicy>(section, table, ReadRoleKey, [&](const std::string& name) -> guard::RolePolicy& {
      guard::RolePolicy& role = c.policy.roles[name];
      role.name = name;
      return role;
    });
  }
  if (section == "tenants") {
    return ReadNamed<guard::quota::Limits>(
        section, table,
        [](std::string_view key, const toml::node& n, guard::quota::Limits& l) -> Result<void> {
          CITADEL_ASSIGN_OR_RETURN(const bool limit, ReadLimit(key, n, l));
          if (!limit) return Err("unknown key (tenants take requests_per_minute, tokens_per_minute, concurrent, "
                                 "tokens_per_day, tokens_per_month)");
          return Ok();
        },
        [&](const std::string& name) -> guard::quota::Limits& {
          return name == "*" ? c.policy.default_tenant_limits : c.policy.tenants[name];
        });
  }
  for (const auto& [key_node, value] : table) {
    const std::string_view key = key_node.str();
    const std::string name = fmt::format("{}.{}", section, key);
    Result<void> ok = Ok();
    if (section == "auth" && key == "oidc") {
      const toml::table* t = value.as_table();
      if (t == nullptr) return Err("auth.oidc: must be a table ([auth.oidc])");
      for (const auto& [k, v] : *t) {
        if (auto r = ReadOidcKey(k.str(), v, c.oidc); !r) return Err("auth.oidc.{}: {}", k.str(), r.error().message);
      }
      if (c.oidc.issuer.empty()) return Err("auth.oidc.issuer: required");
      if (c.oidc.audiences.empty()) return Err("auth.oidc.audiences: at least one audience is required");
      continue;
    } else if (section == "auth" && key == "api_keys") {
      auto text = Text(value);
      ok = text ? (c.api_keys = *text, Ok()) : Result<void>(text.error());
    } else if (section == "auth" && key == "allow_ips") {
      auto list = Strings(value);
      if (list) {
        auto parsed = guard::IpAllowlist::Parse(*list);
        ok = parsed ? (c.allow_ips = *list, Ok()) : Result<void>(parsed.error());
      } else {
        ok = list.error();
      }
    } else if (section == "quota" && key == "store") {
      auto text = Text(value);
      ok = text ? (c.quota_store = *text, Ok()) : Result<void>(text.error());
    } else {
      ok = Err("unknown key");
    }
    if (!ok) return Err("{}: {}", name, ok.error().message);
  }
  return Ok();
}

}  // namespace citadel::server
