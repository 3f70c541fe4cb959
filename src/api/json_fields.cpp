#include "api/json_fields.h"

#include <cmath>

namespace citadel::api {
namespace {

// The field, or nullptr when absent or null.
const Json* Find(const Json& object, std::string_view key) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

}  // namespace

Result<Json> ParseBodyObject(std::string_view body) {
  Json parsed = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return Err("We could not parse the JSON body of your request (it must be valid JSON in UTF-8)");
  }
  if (!parsed.is_object()) return Err("the request body must be a JSON object, not {}", TypeName(parsed));
  return parsed;
}

std::string_view TypeName(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null: return "null";
    case Json::value_t::object: return "an object";
    case Json::value_t::array: return "an array";
    case Json::value_t::string: return "a string";
    case Json::value_t::boolean: return "a boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned: return "an integer";
    case Json::value_t::number_float: return "a number";
    default: return "an unsupported value";
  }
}

Result<std::optional<double>> OptionalNumber(const Json& object, std::string_view key) {
  const Json* v = Find(object, key);
  if (v == nullptr) return std::optional<double>();
  if (!v->is_number()) return Err("{}: expected a number, got {}", key, TypeName(*v));
  return std::optional<double>(v->get<double>());
}

Result<std::optional<int64_t>> OptionalInteger(const Json& object, std::string_view key, int64_t min, int64_t max) {
  const Json* v = Find(object, key);
  if (v == nullptr) return std::optional<int64_t>();
  if (!v->is_number()) return Err("{}: expected an integer, got {}", key, TypeName(*v));
  const double d = v->get<double>();
  if (v->is_number_float() && (std::floor(d) != d || !std::isfinite(d))) {
    return Err("{}: expected an integer, got {}", key, d);
  }
  if (d < static_cast<double>(min) || d > static_cast<double>(max)) {
    return Err("{}: {} is outside [{}, {}]", key, v->dump(), min, max);
  }
  if (v->is_number_unsigned()) return std::optional<int64_t>(static_cast<int64_t>(v->get<uint64_t>()));
  if (v->is_number_integer()) return std::optional<int64_t>(v->get<int64_t>());
  return std::optional<int64_t>(static_cast<int64_t>(d));
}

Result<std::optional<bool>> OptionalBool(const Json& object, std::string_view key) {
  const Json* v = Find(object, key);
  if (v == nullptr) return std::optional<bool>();
  if (!v->is_boolean()) return Err("{}: expected a boolean, got {}", key, TypeName(*v));
  return std::optional<bool>(v->get<bool>());
}

Result<std::optional<std::string>> OptionalString(const Json& object, std::string_view key) {
  const Json* v = Find(object, key);
  if (v == nullptr) return std::optional<std::string>();
  if (!v->is_string()) return Err("{}: expected a string, got {}", key, TypeName(*v));
  return std::optional<std::string>(v->get<std::string>());
}

Result<std::optional<std::vector<std::string>>> OptionalStrings(const Json& object, std::string_view key) {
  using Strings = std::vector<std::string>;
  const Json* v = Find(object, key);
  if (v == nullptr) return std::optional<Strings>();
  if (v->is_string()) return std::optional<Strings>(Strings{v->get<std::string>()});
  if (!v->is_array()) return Err("{}: expected a string or an array of strings, got {}", key, TypeName(*v));
  Strings out;
  for (size_t i = 0; i < v->size(); ++i) {
    const Json& s = (*v)[i];
    if (!s.is_string()) return Err("{}: element {} is {}, expected a string", key, i, TypeName(s));
    out.push_back(s.get<std::string>());
  }
  return std::optional<Strings>(std::move(out));
}

}  // namespace citadel::api
