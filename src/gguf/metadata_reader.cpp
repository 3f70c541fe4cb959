#include "gguf/metadata_reader.h"

#include <vector>

namespace citadel::gguf::internal {
namespace {

// Smallest encoding of one element, used to refuse counts the remaining bytes cannot hold before
// anything is allocated for them.
uint64_t MinEncodedSize(ValueType type) {
  switch (type) {
    case ValueType::kUint8: case ValueType::kInt8: case ValueType::kBool: return 1;
    case ValueType::kUint16: case ValueType::kInt16: return 2;
    case ValueType::kUint32: case ValueType::kInt32: case ValueType::kFloat32: return 4;
    case ValueType::kUint64: case ValueType::kInt64: case ValueType::kFloat64: return 8;
    case ValueType::kString: return 8;  // length field
    case ValueType::kArray: return 12;  // element type + count
  }
  return 1;
}

template <class T>
Result<Value> AsValue(Result<T> r) {
  if (!r) return std::move(r).error();
  return Value(std::move(*r));
}

template <class T>
Result<T> ReadBool(ByteCursor& cursor, std::string_view what) {
  const uint64_t at = cursor.offset();
  CITADEL_ASSIGN_OR_RETURN(const uint8_t raw, cursor.Read<uint8_t>(what));
  if (raw > 1) return Err("offset {}: {}: boolean byte {} is neither 0 nor 1", at, what, raw);
  return static_cast<T>(raw);
}

template <class T>
Result<Array> ReadScalars(ByteCursor& cursor, uint64_t count, std::string_view what) {
  std::vector<T> items(count);
  for (auto& item : items) {
    CITADEL_ASSIGN_OR_RETURN(item, cursor.Read<T>(what));
  }
  return Array::Of(std::move(items));
}

Result<Value> ReadValueAtDepth(ByteCursor& cursor, uint32_t raw_type, const ReaderLimits& limits,
                               std::string_view what, uint32_t depth);

Result<Array> ReadArray(ByteCursor& cursor, const ReaderLimits& limits, std::string_view what, uint32_t depth) {
  const uint64_t at = cursor.offset();
  if (depth >= limits.max_array_depth) {
    return Err("offset {}: {}: arrays nested deeper than {}", at, what, limits.max_array_depth);
  }
  CITADEL_ASSIGN_OR_RETURN(const uint32_t raw_type, cursor.Read<uint32_t>(what));
  if (raw_type >= kValueTypeCount) return Err("offset {}: {}: unknown array element type {}", at, what, raw_type);
  const auto type = static_cast<ValueType>(raw_type);
  const uint64_t count_at = cursor.offset();
  CITADEL_ASSIGN_OR_RETURN(const uint64_t count, cursor.Read<uint64_t>(what));
  if (count > limits.max_array_elements) {
    return Err("offset {}: {}: array of {} elements > limit {}", count_at, what, count, limits.max_array_elements);
  }
  if (count > cursor.remaining() / MinEncodedSize(type)) {
    return Err("offset {}: {}: array of {} {} elements cannot fit in the {} bytes left", count_at, what, count,
               Name(type), cursor.remaining());
  }
  switch (type) {
    case ValueType::kUint8: return ReadScalars<uint8_t>(cursor, count, what);
    case ValueType::kInt8: return ReadScalars<int8_t>(cursor, count, what);
    case ValueType::kUint16: return ReadScalars<uint16_t>(cursor, count, what);
    case ValueType::kInt16: return ReadScalars<int16_t>(cursor, count, what);
    case ValueType::kUint32: return ReadScalars<uint32_t>(cursor, count, what);
    case ValueType::kInt32: return ReadScalars<int32_t>(cursor, count, what);
    case ValueType::kFloat32: return ReadScalars<float>(cursor, count, what);
    case ValueType::kUint64: return ReadScalars<uint64_t>(cursor, count, what);
    case ValueType::kInt64: return ReadScalars<int64_t>(cursor, count, what);
    case ValueType::kFloat64: return ReadScalars<double>(cursor, count, what);
    case ValueType::kBool: {
      std::vector<uint8_t> items(count);
      for (auto& item : items) {
        CITADEL_ASSIGN_OR_RETURN(item, ReadBool<uint8_t>(cursor, what));
      }
      return Array::OfBools(std::move(items));
    }
    case ValueType::kString: {
      std::vector<std::string> items(count);
      for (auto& item : items) {
        CITADEL_ASSIGN_OR_RETURN(item, cursor.ReadString(what, limits.max_string_bytes));
      }
      return Array::Of(std::move(items));
    }
    case ValueType::kArray: {
      std::vector<Array> items(count);
      for (auto& item : items) {
        CITADEL_ASSIGN_OR_RETURN(item, ReadArray(cursor, limits, what, depth + 1));
      }
      return Array::OfArrays(std::move(items));
    }
  }
  return Err("offset {}: {}: unknown array element type {}", at, what, raw_type);
}

Result<Value> ReadValueAtDepth(ByteCursor& cursor, uint32_t raw_type, const ReaderLimits& limits,
                               std::string_view what, uint32_t depth) {
  switch (static_cast<ValueType>(raw_type)) {
    case ValueType::kUint8: return AsValue(cursor.Read<uint8_t>(what));
    case ValueType::kInt8: return AsValue(cursor.Read<int8_t>(what));
    case ValueType::kUint16: return AsValue(cursor.Read<uint16_t>(what));
    case ValueType::kInt16: return AsValue(cursor.Read<int16_t>(what));
    case ValueType::kUint32: return AsValue(cursor.Read<uint32_t>(what));
    case ValueType::kInt32: return AsValue(cursor.Read<int32_t>(what));
    case ValueType::kFloat32: return AsValue(cursor.Read<float>(what));
    case ValueType::kUint64: return AsValue(cursor.Read<uint64_t>(what));
    case ValueType::kInt64: return AsValue(cursor.Read<int64_t>(what));
    case ValueType::kFloat64: return AsValue(cursor.Read<double>(what));
    case ValueType::kBool: return AsValue(ReadBool<bool>(cursor, what));
    case ValueType::kString: return AsValue(cursor.ReadString(what, limits.max_string_bytes));
    case ValueType::kArray: return AsValue(ReadArray(cursor, limits, what, depth));
  }
  return Err("offset {}: {}: unknown value type {}", cursor.offset() - 4, what, raw_type);
}

}  // namespace

Result<Value> ReadValue(ByteCursor& cursor, uint32_t raw_type, const ReaderLimits& limits, std::string_view what) {
  return ReadValueAtDepth(cursor, raw_type, limits, what, 0);
}

}  // namespace citadel::gguf::internal
