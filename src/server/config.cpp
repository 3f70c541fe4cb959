#include "server/config.h"

#include <toml++/toml.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

namespace citadel::server {
namespace {

using Setter = std::function<Result<void>(const toml::node&, ServerConfig&)>;

Setter String(std::string ServerConfig::*field) {
  return [field](const toml::node& n, ServerConfig& c) -> Result<void> {
    if (!n.is_string()) return Err("expected a string");
    c.*field = *n.value<std::string>();
    return Ok();
  };
}

Setter Integer(int ServerConfig::*field) {
  return [field](const toml::node& n, ServerConfig& c) -> Result<void> {
    if (!n.is_integer()) return Err("expected an integer");
    const int64_t v = *n.value<int64_t>();
    if (v < INT32_MIN || v > INT32_MAX) return Err("{} is out of range", v);
    c.*field = static_cast<int>(v);
    return Ok();
  };
}

Setter Seconds(double ServerConfig::*field) {
  return [field](const toml::node& n, ServerConfig& c) -> Result<void> {
    if (!n.is_number()) return Err("expected a number of seconds");
    c.*field = *n.value<double>();
    return Ok();
  };
}

Setter Size(int64_t ServerConfig::*field) {
  return [field](const toml::node& n, ServerConfig& c) -> Result<void> {
    if (n.is_integer()) {
      c.*field = *n.value<int64_t>();
      return Ok();
    }
    if (!n.is_string()) return Err("expected a size such as \"512MiB\" or a number of bytes");
    CITADEL_ASSIGN_OR_RETURN(c.*field, ParseSize(*n.value<std::string>()));
    return Ok();
  };
}

const std::map<std::string, Setter, std::less<>>& Setters() {
  static const std::map<std::string, Setter, std::less<>> kSetters = {
      {"model.path", String(&ServerConfig::model_path)},
      {"model.id", String(&ServerConfig::model_id)},
      {"server.host", String(&ServerConfig::host)},
      {"server.port", Integer(&ServerConfig::port)},
      {"server.max_connections", Integer(&ServerConfig::max_connections)},
      {"server.max_body_size", Size(&ServerConfig::max_body_bytes)},
      {"server.max_header_size", Size(&ServerConfig::max_header_bytes)},
      {"server.idle_timeout", Seconds(&ServerConfig::idle_timeout_s)},
      {"server.read_timeout", Seconds(&ServerConfig::read_timeout_s)},
      {"server.write_timeout", Seconds(&ServerConfig::write_timeout_s)},
      {"server.shutdown_timeout", Seconds(&ServerConfig::shutdown_timeout_s)},
      {"server.allow_insecure_remote",
       [](const toml::node& n, ServerConfig& c) -> Result<void> {
         if (!n.is_boolean()) return Err("expected true or false");
         c.allow_insecure_remote = *n.value<bool>();
         return Ok();
       }},
      {"engine.threads", Integer(&ServerConfig::threads)},
      {"engine.kv_memory", Size(&ServerConfig::kv_memory_bytes)},
      {"engine.parallel", Integer(&ServerConfig::parallel)},
      {"engine.max_queue", Integer(&ServerConfig::max_queue)},
      {"engine.max_context", Integer(&ServerConfig::max_context)},
  };
  return kSetters;
}

Result<void> Apply(const toml::table& table, const std::string& prefix, ServerConfig& config) {
  for (const auto& [k, node] : table) {
    const std::string key = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
    if (const toml::table* sub = node.as_table(); sub != nullptr && prefix.empty()) {
      CITADEL_RETURN_IF_ERROR(Apply(*sub, key, config));
      continue;
    }
    const auto it = Setters().find(key);
    if (it == Setters().end()) return Err("{}: unknown key", key);
    if (auto ok = it->second(node, config); !ok) return ok.error().Wrap(key);
  }
  return Ok();
}

bool IsLoopback(std::string_view host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

}  // namespace

Result<int64_t> ParseSize(std::string_view text) {
  std::string s;
  for (char c : text) {
    if (!std::isspace(static_cast<unsigned char>(c))) s += c;
  }
  double number = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), number);
  if (ec != std::errc() || !std::isfinite(number) || number < 0) return Err("'{}' is not a size", text);
  std::string unit = s.substr(static_cast<size_t>(end - s.data()));
  for (char& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (unit.ends_with("IB")) unit.resize(unit.size() - 2);
  else if (unit.ends_with("B")) unit.resize(unit.size() - 1);
  static const std::map<std::string, double, std::less<>> kUnits = {
      {"", 1.0}, {"K", 1024.0}, {"M", 1024.0 * 1024}, {"G", 1024.0 * 1024 * 1024}, {"T", 1024.0 * 1024 * 1024 * 1024}};
  const auto it = kUnits.find(unit);
  if (it == kUnits.end()) return Err("'{}' has an unknown unit (use K, M, G, T, e.g. \"512MiB\")", text);
  const double bytes = number * it->second;
  if (bytes > 9e18) return Err("'{}' is too large", text);
  return static_cast<int64_t>(bytes);
}

Result<ServerConfig> ParseConfig(std::string_view toml_text, std::string_view source) {
  ServerConfig config;
  toml::table table;
  try {
    table = toml::parse(toml_text, source);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    return Err("{}:{}:{}: {}", source, where.line, where.column, e.description());
  }
  if (auto ok = Apply(table, "", config); !ok) return ok.error().Wrap(source);
  return config;
}

Result<ServerConfig> LoadConfigFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Err("{}: cannot open", path);
  std::stringstream text;
  text << in.rdbuf();
  return ParseConfig(text.str(), path);
}

Result<void> Validate(const ServerConfig& c) {
  auto range = [](std::string_view key, double v, double lo, double hi) -> Result<void> {
    if (v < lo || v > hi || !std::isfinite(v)) return Err("{}: {} is outside [{}, {}]", key, v, lo, hi);
    return Ok();
  };
  if (c.model_path.empty()) return Err("model.path: required (or --model)");
  if (c.host.empty()) return Err("server.host: must not be empty");
  if (!IsLoopback(c.host) && !c.allow_insecure_remote) {
    return Err("server.host: '{}' is not a loopback address and this server has no authentication yet; set "
               "server.allow_insecure_remote = true to listen there anyway", c.host);
  }
  CITADEL_RETURN_IF_ERROR(range("server.port", c.port, 0, 65535));
  CITADEL_RETURN_IF_ERROR(range("server.max_connections", c.max_connections, 1, 1e6));
  CITADEL_RETURN_IF_ERROR(range("server.max_body_size", static_cast<double>(c.max_body_bytes), 1024, 1 << 30));
  CITADEL_RETURN_IF_ERROR(range("server.max_header_size", static_cast<double>(c.max_header_bytes), 1024, 1 << 20));
  CITADEL_RETURN_IF_ERROR(range("server.idle_timeout", c.idle_timeout_s, 0.01, 86400));
  CITADEL_RETURN_IF_ERROR(range("server.read_timeout", c.read_timeout_s, 0.01, 86400));
  CITADEL_RETURN_IF_ERROR(range("server.write_timeout", c.write_timeout_s, 0.01, 86400));
  CITADEL_RETURN_IF_ERROR(range("server.shutdown_timeout", c.shutdown_timeout_s, 0, 86400));
  CITADEL_RETURN_IF_ERROR(range("engine.threads", c.threads, 0, 1024));
  CITADEL_RETURN_IF_ERROR(range("engine.kv_memory", static_cast<double>(c.kv_memory_bytes), 0, 9e18));
  CITADEL_RETURN_IF_ERROR(range("engine.parallel", c.parallel, 1, 4096));
  CITADEL_RETURN_IF_ERROR(range("engine.max_queue", c.max_queue, 1, 1e6));
  CITADEL_RETURN_IF_ERROR(range("engine.max_context", c.max_context, 0, 1 << 24));
  return Ok();
}

}  // namespace citadel::server
