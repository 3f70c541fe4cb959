#include "server/pii_config.h"

#include <fmt/format.h>

#include <cctype>
#include <set>

#include "guard/pii/pii_type.h"

namespace citadel::server {
namespace {

namespace pii = guard::pii;

Result<pii::Action> Action(const toml::node& n) {
  if (!n.is_string()) return Err("must be an action (allow, redact, placeholder, hash, block)");
  return pii::ParseAction(*n.value<std::string>());
}

Result<void> ReadPolicy(const toml::table& t, pii::Policy& policy, const std::set<std::string>& custom_labels) {
  for (const auto& [key, value] : t) {
    const std::string label(key.str());
    auto action = Action(value);
    if (!action) return Err("{}: {}", label, action.error().message);
    if (label == "default") {
      policy.default_action = *action;
    } else if (pii::TypeFromName(label) || custom_labels.contains(label)) {
      policy.by_label[label] = *action;
    } else {
      return Err("{}: not a PII type (ID_CARD, PHONE, LANDLINE, BANK_CARD, EMAIL, IPV4, IPV6, PASSPORT, "
                 "HK_MACAU_PERMIT, SSN, IBAN, PRIVATE_KEY, AWS_ACCESS_KEY, JWT, API_KEY, or a custom detector's "
                 "upper-cased name)",
                 label);
    }
  }
  return Ok();
}

Result<void> ReadDetector(const std::string& name, const toml::table& t, pii::ScannerConfig& config) {
  const toml::node* pattern = t.get("pattern");
  const toml::node* phrases = t.get("phrases");
  if ((pattern == nullptr) == (phrases == nullptr)) return Err("give either pattern or phrases");
  for (const auto& [key, value] : t) {
    if (key.str() != "pattern" && key.str() != "phrases" && key.str() != "ignore_case") {
      return Err("{}: unknown key", key.str());
    }
  }
  if (pattern != nullptr) {
    if (!pattern->is_string()) return Err("pattern: must be a string");
    config.regexes.push_back({name, *pattern->value<std::string>()});
    return Ok();
  }
  pii::DictionaryDetector d{name, {}, false};
  const toml::array* list = phrases->as_array();
  if (list == nullptr) return Err("phrases: must be an array of strings");
  for (const toml::node& p : *list) {
    if (!p.is_string()) return Err("phrases: must be an array of strings");
    d.phrases.push_back(*p.value<std::string>());
  }
  if (const toml::node* ic = t.get("ignore_case")) {
    if (!ic->is_boolean()) return Err("ignore_case: must be true or false");
    d.ignore_case = *ic->value<bool>();
  }
  config.dictionaries.push_back(std::move(d));
  return Ok();
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

Result<void> ReadPiiSection(const toml::table& table, PiiSettings& s) {
  // Detectors first: policies may name their labels.
  std::set<std::string> custom_labels;
  if (const toml::node* detectors = table.get("detectors")) {
    const toml::table* t = detectors->as_table();
    if (t == nullptr) return Err("pii.detectors: must be a table of [pii.detectors.NAME]");
    for (const auto& [name, node] : *t) {
      const toml::table* d = node.as_table();
      if (d == nullptr) return Err("pii.detectors.{}: must be a table", name.str());
      if (auto ok = ReadDetector(std::string(name.str()), *d, s.detectors); !ok) {
        return Err("pii.detectors.{}.{}", name.str(), ok.error().message);
      }
      custom_labels.insert(Upper(name.str()));
    }
  }
  for (const auto& [key, value] : table) {
    const std::string_view k = key.str();
    if (k == "detectors") continue;
    if (k == "policies") {
      const toml::table* t = value.as_table();
      if (t == nullptr) return Err("pii.policies: must be a table of [pii.policies.NAME]");
      for (const auto& [name, node] : *t) {
        const toml::table* p = node.as_table();
        if (p == nullptr) return Err("pii.policies.{}: must be a table", name.str());
        pii::Policy& policy = s.policies[std::string(name.str())];
        if (auto ok = ReadPolicy(*p, policy, custom_labels); !ok) return Err("pii.policies.{}.{}", name.str(), ok.error().message);
      }
    } else if (k == "hash_key_file" || k == "default_policy") {
      if (!value.is_string()) return Err("pii.{}: must be a string", k);
      (k == "hash_key_file" ? s.hash_key_file : s.default_policy) = *value.value<std::string>();
    } else {
      return Err("pii.{}: unknown key", k);
    }
  }
  return Ok();
}

}  // namespace citadel::server
