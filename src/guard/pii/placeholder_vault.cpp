#include "guard/pii/placeholder_vault.h"

#include <fmt/format.h>

#include <algorithm>

namespace citadel::guard::pii {

std::string PlaceholderVault::PlaceholderFor(std::string_view label, std::string_view value) {
  std::string key(label);
  key.push_back('\0');
  key.append(value);
  if (auto it = by_value_.find(key); it != by_value_.end()) return it->second;
  auto counter = counters_.find(label);
  if (counter == counters_.end()) counter = counters_.emplace(std::string(label), 0).first;
  std::string placeholder = fmt::format("[{}_{}]", label, ++counter->second);
  longest_ = std::max(longest_, placeholder.size());
  by_placeholder_.emplace(placeholder, std::string(value));
  by_value_.emplace(std::move(key), placeholder);
  return placeholder;
}

const std::string* PlaceholderVault::Original(std::string_view placeholder) const {
  const auto it = by_placeholder_.find(placeholder);
  return it == by_placeholder_.end() ? nullptr : &it->second;
}

std::string PlaceholderVault::Restore(std::string_view text) const {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const size_t open = text.find('[', i);
    if (open == std::string_view::npos) break;
    // The shortest bracket pair starting here; longer spans cannot be one placeholder.
    const size_t close = text.find_first_of("[]", open + 1);
    if (close == std::string_view::npos || text[close] == '[' || close - open + 1 > longest_) {
      out.append(text.substr(i, open + 1 - i));
      i = open + 1;
      continue;
    }
    out.append(text.substr(i, open - i));
    const std::string_view candidate = text.substr(open, close + 1 - open);
    const std::string* original = Original(candidate);
    out.append(original != nullptr ? std::string_view(*original) : candidate);
    i = close + 1;
  }
  out.append(text.substr(std::min(i, text.size())));
  return out;
}

}  // namespace citadel::guard::pii
