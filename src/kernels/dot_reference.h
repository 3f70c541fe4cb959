#pragma once
// Scalar twins of dot.h: dequantize with the quant/ reference, then multiply and add in double.
// Tests compare every Highway target against these; nothing on the serving path calls them.

#include <cstdint>
#include <span>

#include "quant/blocks.h"

namespace citadel::kernels::reference {

// The exact-ish dot product and the sum of |w_i * x_i|, the scale tests state tolerances against
// (a relative error of the dot itself is meaningless when terms cancel).
struct DotResult {
  double dot = 0.0;
  double abs_sum = 0.0;
};

DotResult DotF32(std::span<const float> w, std::span<const float> x);
DotResult DotF16(std::span<const uint16_t> w_f16, std::span<const float> x);
DotResult DotQ8_0(std::span<const quant::BlockQ8_0> w, std::span<const quant::BlockQ8_0> x_q8);
DotResult DotQ4_0(std::span<const quant::BlockQ4_0> w, std::span<const quant::BlockQ8_0> x_q8);
DotResult DotQ4_K(std::span<const quant::BlockQ4_K> w, std::span<const quant::BlockQ8_K> x_q8);
DotResult DotQ5_K(std::span<const quant::BlockQ5_K> w, std::span<const quant::BlockQ8_K> x_q8);  // x86 kernels only
DotResult DotQ6_K(std::span<const quant::BlockQ6_K> w, std::span<const quant::BlockQ8_K> x_q8);

}  // namespace citadel::kernels::reference
