#pragma once
// Claim paths such as "realm_access.roles": segments separated by '.', where "\." is a literal dot
// inside a segment and "\\" a literal backslash ("https://example\.com/roles" names one claim).
// Nothing else is special; there is no array indexing or wildcard.

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace citadel::guard {

using ClaimPath = std::vector<std::string>;

// Fails on an empty path, an empty segment or a dangling backslash.
Result<ClaimPath> ParseClaimPath(std::string_view text);

// The value at `path` inside `root`, or nullptr when any step is missing or not an object.
const nlohmann::json* FindClaim(const nlohmann::json& root, const ClaimPath& path);

// Appends the strings of `value` to `out`, skipping ones already there: an array contributes its
// string elements (others are ignored), a string its space-separated words; anything else nothing.
void AppendStringList(const nlohmann::json& value, std::vector<std::string>& out);

}  // namespace citadel::guard
