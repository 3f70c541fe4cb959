#pragma once
// Internal to src/quant: bit packing shared by the K-quant encoder and decoder, and the sub-block
// scale search the encoders use. Layouts are documented on the structs in blocks.h.

#include <cstddef>
#include <cstdint>

#include "quant/blocks.h"
#include "quant/codec.h"

namespace citadel::quant::internal {

using quant::UnpackScaleMinK4;  // blocks.h: part of the documented layout

// Inverse of UnpackScaleMinK4 for all eight pairs (each value < 64).
void PackScaleMinK4(const uint8_t* scales, const uint8_t* mins, uint8_t* packed);

// Q3_K: the 16 stored 6-bit scales (biased by 32, so 0..63) from the 12 packed bytes, and back.
uint8_t UnpackScaleQ3K(const uint8_t* packed, size_t j);
void PackScalesQ3K(const uint8_t* scales, uint8_t* packed);

// Result of fitting x ~ scale * q - offset with integer codes q in [0, max_code] and offset >= 0
// (the grid always reaches down to min(x, 0), which is what the K formats store).
// Largest sub-block any K format fits at once.
inline constexpr size_t kSuperBlockMaxSub = 32;

struct OffsetFit {
  float scale = 0.0f;
  float offset = 0.0f;
};

// Least-squares fit of one sub-block for an offset format (Q2_K, Q4_K, Q5_K).
OffsetFit FitOffsetScale(const float* x, size_t n, int max_code);

// Least-squares fit of x ~ scale * q with q in [min_code, max_code] (Q3_K, Q6_K). The sign of the
// scale is chosen so the element of largest magnitude lands on the longer side of the code range.
float FitSymmetricScale(const float* x, size_t n, int min_code, int max_code);

// The per-format halves of the K family's Codec (k_blocks_dequant.cpp, k_blocks_quant.cpp).
DequantizeFn DequantizeFnK(gguf::TensorType type);
QuantizeFn QuantizeFnK(gguf::TensorType type);

}  // namespace citadel::quant::internal
