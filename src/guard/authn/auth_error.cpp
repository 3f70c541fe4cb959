#include "guard/authn/auth_error.h"

#include <algorithm>

namespace citadel::guard {

std::string Printable(std::string_view untrusted, size_t max_chars) {
  std::string out;
  out.reserve(std::min(untrusted.size(), max_chars) + 3);
  for (const char c : untrusted.substr(0, max_chars)) out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  if (untrusted.size() > max_chars) out += "...";
  return out;
}

}  // namespace citadel::guard
