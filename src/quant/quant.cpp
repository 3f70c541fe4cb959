// Dispatch and validation for quant.h. Sizes are checked once here, so the family files can assume
// whole blocks and matching spans.
//
// NaN/Inf policy:
//   - F32/F16/BF16 carry NaN and infinity through both directions (F16 overflow becomes infinity).
//   - Block formats share one scale among many elements, so a single NaN or infinity would poison
//     the whole block: Quantize rejects non-finite input with an error naming the element.
//     Finite values too large for a binary16 scale saturate (the scale clamps to 65504), so finite
//     input always yields finite blocks.
//   - Dequantize never inspects values: a block whose stored scale is NaN/Inf decodes to whatever
//     the arithmetic gives, exactly as llama.cpp does.

#include "quant/quant.h"

#include <cmath>

#include "quant/codec.h"

namespace citadel::quant {
namespace {

internal::Codec FindCodec(gguf::TensorType type) {
  if (auto c = internal::FindFloatCodec(type); c.dequantize != nullptr) return c;
  if (auto c = internal::FindLegacyCodec(type); c.dequantize != nullptr) return c;
  return internal::FindKCodec(type);
}

// Checks that `n_elements` floats and `n_bytes` bytes describe the same whole number of blocks.
Result<void> CheckSizes(std::string_view op, gguf::TensorType type, size_t n_elements, size_t n_bytes) {
  const auto& info = gguf::Info(type);
  if (n_elements % info.block_elements != 0) {
    return Err("{} {}: {} elements is not a whole number of {}-element blocks", op, info.name,
               n_elements, info.block_elements);
  }
  const size_t n_blocks = n_elements / info.block_elements;
  const size_t expected = n_blocks * info.block_bytes;
  if (n_bytes != expected) {
    return Err("{} {}: {} elements ({} blocks) need {} bytes, got {}", op, info.name, n_elements,
               n_blocks, expected, n_bytes);
  }
  return Ok();
}

}  // namespace

bool CanDequantize(gguf::TensorType type) {
  return FindCodec(type).dequantize != nullptr;
}

bool CanQuantize(gguf::TensorType type) {
  return FindCodec(type).quantize != nullptr;
}

Result<void> Dequantize(gguf::TensorType type, std::span<const std::byte> src, std::span<float> dst) {
  const internal::Codec codec = FindCodec(type);
  if (codec.dequantize == nullptr) {
    return Err("Dequantize {}: type not supported", gguf::Name(type));
  }
  CITADEL_RETURN_IF_ERROR(CheckSizes("Dequantize", type, dst.size(), src.size()));
  codec.dequantize(src, dst);
  return Ok();
}

Result<void> Quantize(gguf::TensorType type, std::span<const float> src, std::span<std::byte> dst) {
  const internal::Codec codec = FindCodec(type);
  if (codec.quantize == nullptr) {
    return Err("Quantize {}: type not supported", gguf::Name(type));
  }
  CITADEL_RETURN_IF_ERROR(CheckSizes("Quantize", type, src.size(), dst.size()));
  if (gguf::Info(type).block_elements > 1) {
    for (size_t i = 0; i < src.size(); ++i) {
      if (!std::isfinite(src[i])) {
        return Err("Quantize {}: element {} is {}; block formats hold only finite values",
                   gguf::Name(type), i, src[i]);
      }
    }
  }
  codec.quantize(src, dst);
  return Ok();
}

}  // namespace citadel::quant
