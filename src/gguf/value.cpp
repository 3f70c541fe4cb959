#include "gguf/value.h"

#include <array>
#include <limits>

namespace citadel::gguf {

std::string_view Name(ValueType type) {
  static constexpr std::array<std::string_view, kValueTypeCount> kNames = {
      "UINT8", "INT8", "UINT16", "INT16", "UINT32", "INT32", "FLOAT32",
      "BOOL",  "STRING", "ARRAY", "UINT64", "INT64", "FLOAT64"};
  const auto index = static_cast<uint32_t>(type);
  return index < kNames.size() ? kNames[index] : std::string_view("UNKNOWN");
}

Result<int64_t> Value::AsInteger() const {
  return std::visit(
      [this](const auto& v) -> Result<int64_t> {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
          if constexpr (std::is_same_v<T, uint64_t>) {
            if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
              return Err("value {} does not fit in a signed 64-bit integer", v);
            }
          }
          return static_cast<int64_t>(v);
        } else {
          return Err("has type {}, expected an integer", Name(type()));
        }
      },
      storage_);
}

Result<double> Value::AsFloat() const {
  if (const auto* f = std::get_if<float>(&storage_)) return static_cast<double>(*f);
  if (const auto* d = std::get_if<double>(&storage_)) return *d;
  return Err("has type {}, expected FLOAT32 or FLOAT64", Name(type()));
}

}  // namespace citadel::gguf
