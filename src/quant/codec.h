#pragma once
// Internal to src/quant: the per-format conversion table that quant.cpp dispatches through. Each
// family file (float_types.cpp, legacy_blocks.cpp, k_blocks_*.cpp) registers its formats here.
// Callers have already validated sizes: src/dst cover exactly the same whole number of blocks.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "core/float16.h"
#include "gguf/tensor_type.h"

namespace citadel::quant::internal {

using DequantizeFn = void (*)(std::span<const std::byte> src, std::span<float> dst);
// Quantize may assume every input element is finite (quant.cpp rejects NaN/Inf for block formats).
using QuantizeFn = void (*)(std::span<const float> src, std::span<std::byte> dst);

struct Codec {
  DequantizeFn dequantize = nullptr;
  QuantizeFn quantize = nullptr;
};

// Both pointers null when the family does not handle `type`.
Codec FindFloatCodec(gguf::TensorType type);
Codec FindLegacyCodec(gguf::TensorType type);
Codec FindKCodec(gguf::TensorType type);

// Largest finite binary16. Scales beyond it saturate rather than become infinity (see quant.cpp).
inline constexpr float kMaxHalf = 65504.0f;

inline uint16_t SaturatingHalf(float v) {
  return FloatToHalf(std::fmax(-kMaxHalf, std::fmin(kMaxHalf, v)));
}

// round(v) clamped to [lo, hi]; out-of-range and huge values clamp before rounding so the
// conversion to int is always defined.
inline int RoundClamp(float v, int lo, int hi) {
  if (!(v > static_cast<float>(lo))) return lo;
  if (v >= static_cast<float>(hi)) return hi;
  return static_cast<int>(std::lround(v));
}

// Applies `per_block(const Block&, float* out)` to every block. Blocks are copied out with memcpy
// because tensor data inside a GGUF file carries no alignment promise for the struct.
template <class Block, void (*PerBlock)(const Block&, float*)>
void DequantizeBlocks(std::span<const std::byte> src, std::span<float> dst) {
  const size_t n_blocks = dst.size() / Block::kElements;
  for (size_t i = 0; i < n_blocks; ++i) {
    Block block;
    std::memcpy(&block, src.data() + i * sizeof(Block), sizeof(Block));
    PerBlock(block, dst.data() + i * Block::kElements);
  }
}

// Applies `per_block(const float* in, Block&)` to every block and writes the bytes out.
template <class Block, void (*PerBlock)(const float*, Block&)>
void QuantizeBlocks(std::span<const float> src, std::span<std::byte> dst) {
  const size_t n_blocks = src.size() / Block::kElements;
  for (size_t i = 0; i < n_blocks; ++i) {
    Block block{};
    PerBlock(src.data() + i * Block::kElements, block);
    std::memcpy(dst.data() + i * sizeof(Block), &block, sizeof(Block));
  }
}

}  // namespace citadel::quant::internal
