#include "guard/authn/claim_path.h"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace citadel::guard {
namespace {

void AppendUnique(std::string value, std::vector<std::string>& out) {
  if (value.empty() || std::find(out.begin(), out.end(), value) != out.end()) return;
  out.push_back(std::move(value));
}

}  // namespace

Result<ClaimPath> ParseClaimPath(std::string_view text) {
  ClaimPath path(1);
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\\') {
      if (i + 1 == text.size() || (text[i + 1] != '.' && text[i + 1] != '\\')) {
        return Err("claim path '{}': '\\' must be followed by '.' or '\\'", text);
      }
      path.back().push_back(text[++i]);
    } else if (c == '.') {
      if (path.back().empty()) return Err("claim path '{}' has an empty segment", text);
      path.emplace_back();
    } else {
      path.back().push_back(c);
    }
  }
  if (path.back().empty()) return Err("claim path '{}' has an empty segment", text);
  return path;
}

const nlohmann::json* FindClaim(const nlohmann::json& root, const ClaimPath& path) {
  const nlohmann::json* node = &root;
  for (const std::string& segment : path) {
    if (!node->is_object()) return nullptr;
    const auto it = node->find(segment);
    if (it == node->end()) return nullptr;
    node = &*it;
  }
  return node;
}

void AppendStringList(const nlohmann::json& value, std::vector<std::string>& out) {
  if (value.is_array()) {
    for (const nlohmann::json& item : value) {
      if (item.is_string()) AppendUnique(item.get<std::string>(), out);
    }
  } else if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    size_t start = 0;
    while (start < text.size()) {
      size_t end = text.find(' ', start);
      if (end == std::string::npos) end = text.size();
      AppendUnique(text.substr(start, end - start), out);
      start = end + 1;
    }
  }
}

}  // namespace citadel::guard
