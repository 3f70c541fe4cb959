#include "server/audit_config.h"

#include <fmt/format.h>

#include <functional>

namespace citadel::server {
namespace {

// Regulators (MLPS level 3) ask for six months of audit records.
constexpr int kMinRetentionDays = 180;

namespace sinks = audit::sinks;

// One key of a sink table; `set` returns false for a key the sink does not have.
using SinkReader = std::function<Result<bool>(std::string_view key, const toml::node& n)>;

Result<std::string> String(const toml::node& n) {
  if (!n.is_string()) return Err("must be a string");
  return *n.value<std::string>();
}

Result<sinks::SinkSettings> ReadSink(std::string_view kind, const toml::table& t) {
  sinks::SinkSettings settings;
  SinkReader read;
  if (kind == "syslog") {
    auto& s = settings.emplace<sinks::SyslogSinkSettings>();
    read = [&s](std::string_view key, const toml::node& n) -> Result<bool> {
      if (key == "host") { CITADEL_ASSIGN_OR_RETURN(s.host, String(n)); return true; }
      if (key == "hostname") { CITADEL_ASSIGN_OR_RETURN(s.hostname, String(n)); return true; }
      if (key == "enterprise_id") { CITADEL_ASSIGN_OR_RETURN(s.enterprise_id, String(n)); return true; }
      if (key == "facility") {
        CITADEL_ASSIGN_OR_RETURN(const std::string f, String(n));
        CITADEL_ASSIGN_OR_RETURN(s.facility, sinks::ParseSyslogFacility(f));
        return true;
      }
      if (key == "port") {
        const int64_t v = n.value<int64_t>().value_or(-1);
        if (!n.is_integer() || v < 1 || v > 65535) return Err("must be a port number 1..65535");
        s.port = static_cast<uint16_t>(v);
        return true;
      }
      return false;
    };
  } else if (kind == "loki") {
    auto& s = settings.emplace<sinks::LokiSinkSettings>();
    read = [&s](std::string_view key, const toml::node& n) -> Result<bool> {
      if (key == "url") { CITADEL_ASSIGN_OR_RETURN(s.url, String(n)); return true; }
      if (key == "org_id") { CITADEL_ASSIGN_OR_RETURN(s.org_id, String(n)); return true; }
      if (key == "tenant_label") {
        if (!n.is_boolean()) return Err("must be true or false");
        s.tenant_label = *n.value<bool>();
        return true;
      }
      if (key == "labels") {
        const toml::table* labels = n.as_table();
        if (labels == nullptr) return Err("must be a table of strings");
        for (const auto& [name, value] : *labels) {
          if (!value.is_string()) return Err("{}: must be a string", name.str());
          s.labels[std::string(name.str())] = *value.value<std::string>();
        }
        return true;
      }
      return false;
    };
  } else if (kind == "postgres") {
    auto& s = settings.emplace<sinks::PostgresSinkSettings>();
    read = [&s](std::string_view key, const toml::node& n) -> Result<bool> {
      if (key == "conninfo") { CITADEL_ASSIGN_OR_RETURN(s.conninfo, String(n)); return true; }
      if (key == "table") { CITADEL_ASSIGN_OR_RETURN(s.table, String(n)); return true; }
      return false;
    };
  } else if (kind == "elastic") {
    auto& s = settings.emplace<sinks::ElasticSinkSettings>();
    read = [&s](std::string_view key, const toml::node& n) -> Result<bool> {
      if (key == "url") { CITADEL_ASSIGN_OR_RETURN(s.url, String(n)); return true; }
      if (key == "index") { CITADEL_ASSIGN_OR_RETURN(s.index, String(n)); return true; }
      return false;
    };
  } else {
    return Err("unknown sink (syslog, loki, postgres, elastic)");
  }
  for (const auto& [key, value] : t) {
    auto known = read(key.str(), value);
    if (!known) return Err("{}: {}", key.str(), known.error().message);
    if (!*known) return Err("{}: unknown key", key.str());
  }
  // The factory checks the values (a URL that parses, a table name that is safe) without connecting.
  if (auto made = sinks::MakeSink(settings); !made) return made.error();
  return settings;
}

Result<void> ReadKey(std::string_view key, const toml::node& n, AuditSettings& s) {
  if (key == "sinks") {
    const toml::table* t = n.as_table();
    if (t == nullptr) return Err("must be tables such as [audit.sinks.syslog]");
    for (const auto& [kind, node] : *t) {
      const toml::table* sink = node.as_table();
      if (sink == nullptr) return Err("{}: must be a table", kind.str());
      auto settings = ReadSink(kind.str(), *sink);
      if (!settings) return Err("{}.{}", kind.str(), settings.error().message);
      s.sinks.push_back(std::move(*settings));
    }
    return Ok();
  }
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
  if (s.store.empty() && !s.sinks.empty()) return Err("audit.sinks: ship from a trail; set audit.store");
  return Ok();
}

}  // namespace citadel::server
