#pragma once
// Typed reads of optional fields of a JSON request body. A missing field and an explicit null
// both read as nullopt (the SDKs send null for "not given"); a value of the wrong type or out of
// its range is an error that starts with the field's name, as api_error.h expects.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace citadel::api {

using Json = nlohmann::ordered_json;

// Parses a request body that must be a JSON object (invalid UTF-8 is a parse error).
Result<Json> ParseBodyObject(std::string_view body);

Result<std::optional<double>> OptionalNumber(const Json& object, std::string_view key);
// Integers only: 2.0 is accepted as 2, 2.5 is an error. [min, max] inclusive.
Result<std::optional<int64_t>> OptionalInteger(const Json& object, std::string_view key, int64_t min, int64_t max);
Result<std::optional<bool>> OptionalBool(const Json& object, std::string_view key);
Result<std::optional<std::string>> OptionalString(const Json& object, std::string_view key);
// A string or an array of strings (OpenAI's `stop` and `prompt`); a lone string is a list of one.
Result<std::optional<std::vector<std::string>>> OptionalStrings(const Json& object, std::string_view key);

// JSON type names as OpenAI's messages use them ("a string", "an array", ...).
std::string_view TypeName(const Json& value);

}  // namespace citadel::api
