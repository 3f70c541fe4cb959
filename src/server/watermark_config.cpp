#include "server/watermark_config.h"

#include <fmt/format.h>

namespace citadel::server {
namespace {

Result<double> Number(const toml::node& n) {
  if (!n.is_number()) return Err("must be a number");
  return *n.value<double>();
}

Result<void> ReadPolicy(const toml::table& t, WatermarkPolicy& p) {
  for (const auto& [key, value] : t) {
    const std::string_view k = key.str();
    Result<void> ok = Ok();
    if (k == "enabled") {
      if (!value.is_boolean()) return Err("enabled: must be true or false");
      p.enabled = *value.value<bool>();
    } else if (k == "gamma" || k == "delta") {
      auto v = Number(value);
      if (!v) return Err("{}: {}", k, v.error().message);
      (k == "gamma" ? p.settings.gamma : p.settings.delta) = *v;
    } else if (k == "context") {
      if (!value.is_integer()) return Err("context: must be an integer");
      p.settings.context_width = static_cast<int>(*value.value<int64_t>());
    } else if (k == "scheme") {
      if (!value.is_string()) return Err("scheme: must be \"previous\" or \"minhash\"");
      auto scheme = watermark::ParseScheme(*value.value<std::string>());
      if (!scheme) return Err("scheme: {}", scheme.error().message);
      p.settings.scheme = *scheme;
    } else {
      return Err("{}: unknown key", k);
    }
  }
  return p.settings.Validate();
}

}  // namespace

Result<void> ReadWatermarkSection(const toml::table& table, WatermarkConfig& c) {
  for (const auto& [key, value] : table) {
    const std::string_view k = key.str();
    if (k == "policies") {
      const toml::table* t = value.as_table();
      if (t == nullptr) return Err("watermark.policies: must be tables such as [watermark.policies.NAME]");
      for (const auto& [name, node] : *t) {
        const toml::table* p = node.as_table();
        if (p == nullptr) return Err("watermark.policies.{}: must be a table", name.str());
        if (auto ok = ReadPolicy(*p, c.policies[std::string(name.str())]); !ok) {
          return Err("watermark.policies.{}.{}", name.str(), ok.error().message);
        }
      }
    } else if (k == "key_file" || k == "default_policy") {
      if (!value.is_string()) return Err("watermark.{}: must be a string", k);
      (k == "key_file" ? c.key_file : c.default_policy) = *value.value<std::string>();
    } else if (k == "threshold") {
      auto v = Number(value);
      if (!v || *v <= 0 || *v > 100) return Err("watermark.threshold: must be a number in (0, 100]");
      c.threshold = *v;
    } else {
      return Err("watermark.{}: unknown key", k);
    }
  }
  if (!c.default_policy.empty() && !c.policies.contains(c.default_policy)) {
    return Err("watermark.default_policy: no [watermark.policies.{}]", c.default_policy);
  }
  if (!c.policies.empty() && c.key_file.empty()) return Err("watermark.key_file: required with watermark policies");
  return Ok();
}

}  // namespace citadel::server
