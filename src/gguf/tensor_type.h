#pragma once
// The tensor element types a GGUF file can declare (ggml's numbering, which is the on-disk value),
// with the block geometry the reader needs to validate tensor sizes.

#include <cstdint>
#include <optional>
#include <string_view>

namespace citadel::gguf {

enum class TensorType : uint32_t {
  kF32 = 0, kF16 = 1, kQ4_0 = 2, kQ4_1 = 3, kQ5_0 = 6, kQ5_1 = 7, kQ8_0 = 8, kQ8_1 = 9,
  kQ2_K = 10, kQ3_K = 11, kQ4_K = 12, kQ5_K = 13, kQ6_K = 14, kQ8_K = 15,
  kIQ2_XXS = 16, kIQ2_XS = 17, kIQ3_XXS = 18, kIQ1_S = 19, kIQ4_NL = 20, kIQ3_S = 21, kIQ2_S = 22,
  kIQ4_XS = 23, kI8 = 24, kI16 = 25, kI32 = 26, kI64 = 27, kF64 = 28, kIQ1_M = 29, kBF16 = 30,
  kTQ1_0 = 34, kTQ2_0 = 35, kMXFP4 = 39,
};

struct TensorTypeInfo {
  TensorType type;
  std::string_view name;  // as ggml prints it: "Q4_K", "F16", ...
  uint32_t block_elements;  // elements per block (1 for plain types)
  uint32_t block_bytes;     // bytes per block
};

// Geometry of a type the file format defines; nullopt for a value no ggml version assigned.
std::optional<TensorTypeInfo> LookupTensorType(uint32_t raw);
const TensorTypeInfo& Info(TensorType type);
std::string_view Name(TensorType type);
std::optional<TensorType> TensorTypeFromName(std::string_view name);  // case-insensitive

}  // namespace citadel::gguf
