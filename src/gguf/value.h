#pragma once
// GGUF metadata values. The variant index of Value::Storage and Array::Storage equals the on-disk
// type code (gguf_type), so the type of a value is simply its index.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "core/result.h"

namespace citadel::gguf {

enum class ValueType : uint32_t {
  kUint8 = 0, kInt8 = 1, kUint16 = 2, kInt16 = 3, kUint32 = 4, kInt32 = 5, kFloat32 = 6,
  kBool = 7, kString = 8, kArray = 9, kUint64 = 10, kInt64 = 11, kFloat64 = 12,
};
inline constexpr uint32_t kValueTypeCount = 13;

// "UINT32", "STRING", ... (the names llama.cpp's gguf tools print).
std::string_view Name(ValueType type);

template <class T> struct ValueTypeOf;
template <> struct ValueTypeOf<uint8_t> { static constexpr ValueType value = ValueType::kUint8; };
template <> struct ValueTypeOf<int8_t> { static constexpr ValueType value = ValueType::kInt8; };
template <> struct ValueTypeOf<uint16_t> { static constexpr ValueType value = ValueType::kUint16; };
template <> struct ValueTypeOf<int16_t> { static constexpr ValueType value = ValueType::kInt16; };
template <> struct ValueTypeOf<uint32_t> { static constexpr ValueType value = ValueType::kUint32; };
template <> struct ValueTypeOf<int32_t> { static constexpr ValueType value = ValueType::kInt32; };
template <> struct ValueTypeOf<float> { static constexpr ValueType value = ValueType::kFloat32; };
template <> struct ValueTypeOf<bool> { static constexpr ValueType value = ValueType::kBool; };
template <> struct ValueTypeOf<std::string> { static constexpr ValueType value = ValueType::kString; };
template <> struct ValueTypeOf<uint64_t> { static constexpr ValueType value = ValueType::kUint64; };
template <> struct ValueTypeOf<int64_t> { static constexpr ValueType value = ValueType::kInt64; };
template <> struct ValueTypeOf<double> { static constexpr ValueType value = ValueType::kFloat64; };

// A homogeneous array. Booleans are stored one byte each (0 or 1) so they can be viewed as a span;
// arrays of arrays hold one Array per element, each with its own element type.
struct Array {
  using Storage = std::variant<std::vector<uint8_t>, std::vector<int8_t>, std::vector<uint16_t>,
                               std::vector<int16_t>, std::vector<uint32_t>, std::vector<int32_t>,
                               std::vector<float>, std::vector<uint8_t> /* bool */, std::vector<std::string>,
                               std::vector<Array>, std::vector<uint64_t>, std::vector<int64_t>,
                               std::vector<double>>;
  Storage items;

  template <class T>
  static Array Of(std::vector<T> values) {
    Array a;
    a.items.emplace<static_cast<size_t>(ValueTypeOf<T>::value)>(std::move(values));
    return a;
  }
  static Array OfBools(std::vector<uint8_t> values) {
    Array a;
    a.items.emplace<static_cast<size_t>(ValueType::kBool)>(std::move(values));
    return a;
  }
  static Array OfArrays(std::vector<Array> values) {
    Array a;
    a.items.emplace<static_cast<size_t>(ValueType::kArray)>(std::move(values));
    return a;
  }

  ValueType element_type() const { return static_cast<ValueType>(items.index()); }
  size_t size() const {
    return std::visit([](const auto& v) { return v.size(); }, items);
  }
  // The elements when they are of type T, else an empty span (check element_type() first).
  template <class T>
  std::span<const T> Elements() const {
    constexpr auto index = static_cast<size_t>(ValueTypeOf<T>::value);
    if (items.index() != index) return {};
    return std::get<index>(items);
  }
  std::span<const uint8_t> Bools() const {
    if (element_type() != ValueType::kBool) return {};
    return std::get<static_cast<size_t>(ValueType::kBool)>(items);
  }
  std::span<const Array> Arrays() const {
    if (element_type() != ValueType::kArray) return {};
    return std::get<static_cast<size_t>(ValueType::kArray)>(items);
  }

  bool operator==(const Array&) const = default;
};

class Value {
 public:
  using Storage = std::variant<uint8_t, int8_t, uint16_t, int16_t, uint32_t, int32_t, float, bool,
                               std::string, Array, uint64_t, int64_t, double>;

  Value() = default;
  template <class T>
    requires(std::is_constructible_v<Storage, T &&> && !std::is_same_v<std::decay_t<T>, const char*>)
  Value(T&& v) : storage_(std::forward<T>(v)) {}  // NOLINT: implicit by design
  Value(const char* s) : storage_(std::string(s)) {}  // NOLINT

  ValueType type() const { return static_cast<ValueType>(storage_.index()); }
  const Storage& storage() const { return storage_; }

  // Exact type match: As<uint32_t>() on a UINT64 value is an error naming both types.
  template <class T>
  Result<T> As() const {
    constexpr auto index = static_cast<size_t>(ValueTypeOf<T>::value);
    if (storage_.index() != index) return Err("has type {}, expected {}", Name(type()), Name(ValueTypeOf<T>::value));
    return std::get<index>(storage_);
  }
  // Any integer type that fits in int64 (bool excluded); llama.cpp writers are not consistent.
  Result<int64_t> AsInteger() const;
  // FLOAT32 or FLOAT64.
  Result<double> AsFloat() const;
  const Array* AsArray() const { return std::get_if<Array>(&storage_); }
  const std::string* AsString() const { return std::get_if<std::string>(&storage_); }

  bool operator==(const Value&) const = default;

 private:
  Storage storage_;
};

}  // namespace citadel::gguf
