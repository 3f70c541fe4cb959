#pragma once
// The query string of a request target, split and percent-decoded ('+' is a space, as HTML forms
// send it). Names are decoded too: "api%5Fkey" must not slip past a check for "api_key".

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace citadel {

// "/path?a=1&b=%20x" -> {{"a", "1"}, {"b", " x"}}; a bad escape is kept as written.
std::vector<std::pair<std::string, std::string>> QueryParameters(std::string_view target);
std::string PercentDecode(std::string_view text);

}  // namespace citadel
