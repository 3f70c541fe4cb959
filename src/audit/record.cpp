#include "audit/record.h"

#include <nlohmann/json.hpp>

#include <array>
#include <type_traits>

namespace citadel::audit {
namespace {

constexpr std::array<std::string_view, 8> kKindNames = {
    "request", "key_created", "key_revoked", "config_reloaded", "erasure", "audit_verified", "export", "purge"};
constexpr std::array<std::string_view, 5> kDecisionNames = {"none", "allowed", "denied", "rate_limited", "failed"};
constexpr std::array<std::string_view, 4> kContentNames = {"none", "present", "erased", "purged"};

template <class Enum, size_t N>
Result<Enum> ParseName(const std::array<std::string_view, N>& names, std::string_view name, std::string_view what) {
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == name) return static_cast<Enum>(i);
  }
  std::string known;
  for (std::string_view n : names) known.append(known.empty() ? "" : ", ").append(n);
  return Err("unknown {} '{}' (one of {})", what, name, known);
}

}  // namespace

std::string_view Name(EventKind kind) { return kKindNames.at(static_cast<size_t>(kind)); }
std::string_view Name(Decision decision) { return kDecisionNames.at(static_cast<size_t>(decision)); }
std::string_view Name(ContentState state) { return kContentNames.at(static_cast<size_t>(state)); }

Result<EventKind> ParseEventKind(std::string_view name) { return ParseName<EventKind>(kKindNames, name, "event kind"); }
Result<Decision> ParseDecision(std::string_view name) { return ParseName<Decision>(kDecisionNames, name, "decision"); }

std::string PiiToText(const std::map<std::string, int64_t>& findings) {
  // std::map iterates in key order and nlohmann::json sorts object keys: the text is canonical.
  return nlohmann::json(findings).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<std::map<std::string, int64_t>> PiiFromText(std::string_view text) {
  const auto parsed = nlohmann::json::parse(text, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) return Err("pii_findings is not a JSON object");
  std::map<std::string, int64_t> out;
  for (const auto& [type, count] : parsed.items()) {
    if (!count.is_number_integer()) return Err("pii_findings['{}'] is not an integer", type);
    out[type] = count.get<int64_t>();
  }
  return out;
}

nlohmann::ordered_json ToJson(const StoredRecord& stored) {
  nlohmann::ordered_json out;
  out["seq"] = stored.seq;
  ForEachField(stored.record, [&out](const char* name, const auto& value) {
    using T = std::decay_t<decltype(value)>;
    if constexpr (std::is_enum_v<T>) {
      out[name] = std::string(Name(value));
    } else {
      out[name] = value;
    }
  });
  out["content"] = std::string(Name(stored.content));
  if (stored.record.prompt) out["prompt"] = *stored.record.prompt;
  if (stored.record.response) out["response"] = *stored.record.response;
  out["hash"] = ToHex(stored.hash);
  return out;
}

}  // namespace citadel::audit
