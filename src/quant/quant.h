#pragma once
// Scalar reference conversion between float and every GGUF block format Citadel computes with.
// These are the ground truth: bit-exact with the dequantized tensors llama.cpp produces from the
// same file, and the reference every SIMD kernel is tested against.

#include <cstddef>
#include <span>

#include "core/result.h"
#include "gguf/tensor_type.h"

namespace citadel::quant {

// F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q8_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, Q8_K.
bool CanDequantize(gguf::TensorType type);
bool CanQuantize(gguf::TensorType type);

// dst.size() elements from src; dst.size() must be a whole number of blocks and src exactly the
// bytes of those blocks. Errors name the type and the mismatch; nothing is read out of bounds.
Result<void> Dequantize(gguf::TensorType type, std::span<const std::byte> src, std::span<float> dst);

// The inverse, for test data, generated models and activations. Same size rules.
Result<void> Quantize(gguf::TensorType type, std::span<const float> src, std::span<std::byte> dst);

}  // namespace citadel::quant
