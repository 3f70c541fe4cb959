#include "server/audit_config.h"

#include <fmt/format.h>

namespace citadel::server {
namespace {

// Regulators (MLPS level 3) ask for six months of audit records.
constexpr int kMinRetentionDays = 180;

Result<void> ReadKey(std::string_view key, const toml::node& n, AuditSettings& s) {
  const auto text = [&](std::string& field) -> Result<void> {
    if (!n.is_string()) return Err("must be a string");
    field = *n.value<std::string>();
    return Ok();
  };
  const auto flag = [&](bool& field) -> Result<void> {
    if (!n.is_boolean()) return Err("must be true or false");
    field = *n.value<bool>();
    return Ok();
  };
  const auto days = [&](int& field) -> Result<void> {
    if (!n.is_integer()) return Err("must be a number of days");
    const int64_t v = *n.value<int64_t>();
    if (v < 1 || v > 36500) return Err("{} is outside [1, 36500]", v);
    field = static_cast<int>(v);
    return Ok();
  };
  if (key == "store") return text(s.store);
  if (key == "key_file") return text(s.key_file);
  if (key == "fail_closed") return flag(s.fail_closed);
  if (key == "allow_short_retention") return flag(s.allow_short_retention);
  if (key == "retention_days") return days(s.retention_days);
  if (key == "content_retention_days") return days(s.content_retention_days);
  if (key == "content") {
    if (!n.is_string()) return Err("must be a string");
    CITADEL_ASSIGN_OR_RETURN(s.content, ParseContentMode(*n.value<std::string>()));
    return Ok();
  }
  return Err("unknown key");
}

}  // namespace

Result<void> ReadAuditSection(const toml::table& table, AuditSettings& settings) {
  for (const auto& [key, value] : table) {
    if (auto ok = ReadKey(key.str(), value, settings); !ok) return Err("audit.{}: {}", key.str(), ok.error().message);
  }
  return Ok();
}

Result<void> ValidateAudit(const AuditSettings& s) {
  if (s.retention_days < kMinRetentionDays && !s.allow_short_retention) {
    return Err("audit.retention_days: {} is below {} (six months); set audit.allow_short_retention = true to force it",
               s.retention_days, kMinRetentionDays);
  }
  if (s.content_retention_days > s.retention_days) {
    return Err("audit.content_retention_days: {} is longer than audit.retention_days ({})", s.content_retention_days,
               s.retention_days);
  }
  if (!s.store.empty() && s.key_file.empty()) return Err("audit.key_file: required when audit.store is set");
  return Ok();
}

}  // namespace citadel::server
