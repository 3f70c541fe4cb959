// F32, F16 and BF16: one element per "block". Conversions are the exact ones of core/float16.h;
// NaN and infinity pass through (F16 overflows to infinity), since these formats can hold them.

#include <cstdint>
#include <cstring>
#include <span>

#include "core/float16.h"
#include "quant/codec.h"

namespace citadel::quant::internal {
namespace {

void DequantizeF32(std::span<const std::byte> src, std::span<float> dst) {
  std::memcpy(dst.data(), src.data(), dst.size_bytes());
}

void QuantizeF32(std::span<const float> src, std::span<std::byte> dst) {
  std::memcpy(dst.data(), src.data(), src.size_bytes());
}

uint16_t LoadU16(const std::byte* p) {
  uint16_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

void StoreU16(std::byte* p, uint16_t v) { std::memcpy(p, &v, sizeof(v)); }

void DequantizeF16(std::span<const std::byte> src, std::span<float> dst) {
  for (size_t i = 0; i < dst.size(); ++i) dst[i] = HalfToFloat(LoadU16(src.data() + 2 * i));
}

void QuantizeF16(std::span<const float> src, std::span<std::byte> dst) {
  for (size_t i = 0; i < src.size(); ++i) StoreU16(dst.data() + 2 * i, FloatToHalf(src[i]));
}

void DequantizeBf16(std::span<const std::byte> src, std::span<float> dst) {
  for (size_t i = 0; i < dst.size(); ++i) dst[i] = Bf16ToFloat(LoadU16(src.data() + 2 * i));
}

void QuantizeBf16(std::span<const float> src, std::span<std::byte> dst) {
  for (size_t i = 0; i < src.size(); ++i) StoreU16(dst.data() + 2 * i, FloatToBf16(src[i]));
}

}  // namespace

Codec FindFloatCodec(gguf::TensorType type) {
  switch (type) {
    case gguf::TensorType::kF32: return {DequantizeF32, QuantizeF32};
    case gguf::TensorType::kF16: return {DequantizeF16, QuantizeF16};
    case gguf::TensorType::kBF16: return {DequantizeBf16, QuantizeBf16};
    default: return {};
  }
}

}  // namespace citadel::quant::internal
