#include "server/config.h"

#include <toml++/toml.h>

#include <cmath>
#include <functional>
#include <map>
#include <utility>

#include "server/audit_config.h"
#include "server/pii_config.h"

namespace citadel::server {
namespace {

// One settable key: how to read it from a TOML node into the config.
using Setter = std::function<Result<void>(const toml::node&, ServeConfig&)>;

template <class T>
Setter Int(T ServeConfig::*field) {
  return [field](const toml::node& n, ServeConfig& c) -> Result<void> {
    const auto v = n.value<int64_t>();
    if (!n.is_integer() || !v) return Err("must be an integer");
    c.*field = static_cast<T>(*v);
    return Ok();
  };
}

Setter Text(std::string ServeConfig::*field) {
  return [field](const toml::node& n, ServeConfig& c) -> Result<void> {
    if (!n.is_string()) return Err("must be a string");
    c.*field = *n.value<std::string>();
    return Ok();
  };
}

Setter Seconds(std::chrono::milliseconds ServerLimits::*field) {
  return [field](const toml::node& n, ServeConfig& c) -> Result<void> {
    if (!n.is_number()) return Err("must be a number of seconds");
    const double s = *n.value<double>();
    if (!(s > 0 && s <= 86400)) return Err("{} is outside (0, 86400]", s);
    c.limits.*field = std::chrono::milliseconds(static_cast<int64_t>(s * 1000));
    return Ok();
  };
}

Result<void> ReadBool(const toml::node& n, bool& out) {
  if (!n.is_boolean()) return Err("must be true or false");
  out = *n.value<bool>();
  return Ok();
}

Setter TlsPath(std::string TlsSettings::*field) {
  return [field](const toml::node& n, ServeConfig& c) -> Result<void> {
    if (!n.is_string() || n.value<std::string>()->empty()) return Err("must be a file name");
    c.tls.*field = *n.value<std::string>();
    return Ok();
  };
}

template <class T>
Setter LimitInt(T ServerLimits::*field) {
  return [field](const toml::node& n, ServeConfig& c) -> Result<void> {
    if (!n.is_integer()) return Err("must be an integer");
    c.limits.*field = static_cast<T>(*n.value<int64_t>());
    return Ok();
  };
}

const std::map<std::string, Setter>& Keys() {
  static const std::map<std::string, Setter> keys = {
      {"model.path", Text(&ServeConfig::model_path)},
      {"model.id", Text(&ServeConfig::model_id)},
      {"server.host", Text(&ServeConfig::host)},
      {"server.port", Int(&ServeConfig::port)},
      {"server.allow_unauthenticated_remote",
       [](const toml::node& n, ServeConfig& c) { return ReadBool(n, c.allow_unauthenticated_remote); }},
      {"server.drain_seconds", Int(&ServeConfig::drain_seconds)},
      {"server.request_timeout_seconds", Int(&ServeConfig::request_timeout_seconds)},
      {"server.max_connections", LimitInt(&ServerLimits::max_connections)},
      {"server.max_header_bytes", LimitInt(&ServerLimits::max_header_bytes)},
      {"server.max_body_bytes", LimitInt(&ServerLimits::max_body_bytes)},
      {"server.io_threads", LimitInt(&ServerLimits::io_threads)},
      {"server.read_timeout_seconds", Seconds(&ServerLimits::read_timeout)},
      {"server.idle_timeout_seconds", Seconds(&ServerLimits::idle_timeout)},
      {"server.write_timeout_seconds", Seconds(&ServerLimits::write_timeout)},
      {"engine.threads", Int(&ServeConfig::threads)},
      {"engine.kv_memory",
       [](const toml::node& n, ServeConfig& c) -> Result<void> {
         if (n.is_integer()) {
           c.kv_memory_bytes = *n.value<int64_t>();
           return Ok();
         }
         if (!n.is_string()) return Err("must be a size such as \"2GiB\" or a number of bytes");
         CITADEL_ASSIGN_OR_RETURN(c.kv_memory_bytes, ParseSize(*n.value<std::string>()));
         return Ok();
       }},
      {"engine.kv_type",
       [](const toml::node& n, ServeConfig& c) -> Result<void> {
         if (!n.is_string()) return Err("must be \"f16\" or \"q8_0\"");
         CITADEL_ASSIGN_OR_RETURN(c.kv_type, model::ParseKvType(*n.value<std::string>()));
         return Ok();
       }},
      {"engine.parallel", Int(&ServeConfig::parallel)},
      {"engine.max_batch_tokens", Int(&ServeConfig::max_batch_tokens)},
      {"engine.max_queue", Int(&ServeConfig::max_queue)},
      {"engine.default_max_tokens", Int(&ServeConfig::default_max_tokens)},
      {"tls.cert", TlsPath(&TlsSettings::cert_file)},
      {"tls.key", TlsPath(&TlsSettings::key_file)},
      {"tls.client_ca", TlsPath(&TlsSettings::client_ca_file)},
      {"tls.allow_tls12", [](const toml::node& n, ServeConfig& c) { return ReadBool(n, c.tls.allow_tls12); }},
  };
  return keys;
}

bool IsLoopback(const std::string& host) { return host == "127.0.0.1" || host == "::1" || host.rfind("127.", 0) == 0; }

// Both files or neither; the others only with them; every named file present. Whether the files
// hold what they should is TlsContext's check, when the server starts.
Result<void> ValidateTls(const TlsSettings& t) {
  if (!t.cert_file.empty() && t.key_file.empty()) return Err("tls.key: missing; tls.cert needs its private key");
  if (t.cert_file.empty() && !t.key_file.empty()) return Err("tls.cert: missing; tls.key needs its certificate");
  if (t.cert_file.empty() && !t.client_ca_file.empty()) return Err("tls.client_ca: needs tls.cert and tls.key");
  if (t.cert_file.empty() && t.allow_tls12) return Err("tls.allow_tls12: needs tls.cert and tls.key");
  const std::pair<const char*, const std::string*> files[] = {
      {"tls.cert", &t.cert_file}, {"tls.key", &t.key_file}, {"tls.client_ca", &t.client_ca_file}};
  for (const auto& [key, path] : files) {
    if (path->empty()) continue;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(*path, ec)) return Err("{}: '{}' does not exist or is not a file", key, *path);
  }
  return Ok();
}

}  // namespace

Result<int64_t> ParseSize(std::string_view text) {
  size_t used = 0;
  double value = 0;
  try {
    value = std::stod(std::string(text), &used);
  } catch (...) {
    return Err("'{}' is not a size (e.g. 512MiB, 2GiB)", text);
  }
  std::string unit(text.substr(used));
  while (!unit.empty() && unit.front() == ' ') unit.erase(unit.begin());
  static const std::map<std::string, double> kUnits = {
      {"", 1},         {"B", 1},          {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12},
      {"KiB", 1024.0}, {"MiB", 1048576.0}, {"GiB", 1073741824.0}, {"TiB", 1099511627776.0}};
  const auto it = kUnits.find(unit);
  if (it == kUnits.end() || !(value >= 0) || !std::isfinite(value)) {
    return Err("'{}' is not a size (e.g. 512MiB, 2GiB)", text);
  }
  const double bytes = value * it->second;
  if (bytes > 9e18) return Err("'{}' is too large", text);
  return static_cast<int64_t>(bytes);
}

Result<ServeConfig> LoadConfig(const std::filesystem::path& file, ServeConfig config) {
  toml::table root;
  try {  // Debian's toml++ is built with exceptions: parse errors arrive as toml::parse_error
    root = toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    return Err("{}:{}:{}: {}", file.string(), e.source().begin.line, e.source().begin.column, e.description());
  }
  for (const auto& [section, node] : root) {
    const toml::table* table = node.as_table();
    if (table == nullptr) {
      return Err("{}: '{}' must be a table ([model], [server], [engine], [tls], [auth], [roles.NAME], [tenants.NAME], [quota], [audit], [pii] or [watermark])",
                 file.string(), section.str());
    }
    if (section.str() == "watermark") {
      if (auto ok = ReadWatermarkSection(*table, config.watermark); !ok) return Err("{}: {}", file.string(), ok.error().message);
      continue;
    }
    if (section.str() == "pii") {
      if (auto ok = ReadPiiSection(*table, config.pii); !ok) return Err("{}: {}", file.string(), ok.error().message);
      continue;
    }
    if (section.str() == "audit") {
      if (auto ok = ReadAuditSection(*table, config.audit); !ok) return Err("{}: {}", file.string(), ok.error().message);
      continue;
    }
    if (IsAccessSection(section.str())) {
      if (auto ok = ReadAccessSection(section.str(), *table, config.access); !ok) {
        return Err("{}: {}", file.string(), ok.error().message);
      }
      continue;
    }
    for (const auto& [key, value] : *table) {
      const std::string name = std::string(section.str()) + "." + std::string(key.str());
      const auto it = Keys().find(name);
      if (it == Keys().end()) return Err("{}: unknown key '{}'", file.string(), name);
      if (auto ok = it->second(value, config); !ok) return Err("{}: {}: {}", file.string(), name, ok.error().message);
    }
  }
  CITADEL_RETURN_IF_ERROR(Validate(config));
  return config;
}

Result<void> Validate(const ServeConfig& c) {
  const auto range = [](const char* key, int64_t v, int64_t lo, int64_t hi) -> Result<void> {
    if (v < lo || v > hi) return Err("{}: {} is outside [{}, {}]", key, v, lo, hi);
    return Ok();
  };
  CITADEL_RETURN_IF_ERROR(range("server.port", c.port, 0, 65535));
  CITADEL_RETURN_IF_ERROR(range("server.drain_seconds", c.drain_seconds, 0, 3600));
  CITADEL_RETURN_IF_ERROR(range("server.request_timeout_seconds", c.request_timeout_seconds, 1, 86400));
  CITADEL_RETURN_IF_ERROR(range("server.max_connections", c.limits.max_connections, 1, 1'000'000));
  CITADEL_RETURN_IF_ERROR(range("server.max_header_bytes", static_cast<int64_t>(c.limits.max_header_bytes), 1024, 1 << 20));
  CITADEL_RETURN_IF_ERROR(range("server.max_body_bytes", static_cast<int64_t>(c.limits.max_body_bytes), 1024, 1 << 30));
  CITADEL_RETURN_IF_ERROR(range("server.io_threads", c.limits.io_threads, 1, 256));
  CITADEL_RETURN_IF_ERROR(range("engine.threads", c.threads, 0, 1024));
  CITADEL_RETURN_IF_ERROR(range("engine.kv_memory", c.kv_memory_bytes, 0, int64_t{1} << 50));
  CITADEL_RETURN_IF_ERROR(range("engine.parallel", c.parallel, 1, 4096));
  CITADEL_RETURN_IF_ERROR(range("engine.max_batch_tokens", c.max_batch_tokens, 1, 65536));
  CITADEL_RETURN_IF_ERROR(range("engine.max_queue", c.max_queue, 0, 1'000'000));
  CITADEL_RETURN_IF_ERROR(range("engine.default_max_tokens", c.default_max_tokens, 0, 1 << 24));
  CITADEL_RETURN_IF_ERROR(ValidateTls(c.tls));
  CITADEL_RETURN_IF_ERROR(ValidateAudit(c.audit));
  if (!c.pii.default_policy.empty() && !c.pii.policies.contains(c.pii.default_policy)) {
    return Err("pii.default_policy: no [pii.policies.{}]", c.pii.default_policy);
  }
  for (const auto& [name, role] : c.access.policy.roles) {
    if (!role.pii_policy.empty() && !c.pii.policies.contains(role.pii_policy)) {
      return Err("roles.{}.pii_policy: no [pii.policies.{}]", name, role.pii_policy);
    }
    if (!role.watermark_policy.empty() && !c.watermark.policies.contains(role.watermark_policy)) {
      return Err("roles.{}.watermark_policy: no [watermark.policies.{}]", name, role.watermark_policy);
    }
    if (!role.audit_policy.empty() && !ParseContentMode(role.audit_policy)) {
      return Err("roles.{}.audit_policy: '{}' is not a content policy (none, hash, masked, full)", name, role.audit_policy);
    }
  }
  if (!IsLoopback(c.host) && !c.access.authentication_configured() && !c.allow_unauthenticated_remote) {
    return Err("server.host: '{}' is not a loopback address and no authentication is configured ([auth] api_keys "
               "or [auth.oidc]); refusing to expose the model to the network without it (--insecure-no-auth "
               "or server.allow_unauthenticated_remote = true accepts the risk)",
               c.host);
  }
  return Ok();
}

}  // namespace citadel::server
