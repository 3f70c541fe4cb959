#pragma once
// Row dot products for matrix x vector (decode). Each function dispatches at run time to the best
// Highway target the CPU supports; dot_reference.h holds the scalar twins the tests compare with.
//
// Quantized kernels take the activations already quantized (Q8_0 for legacy weights, Q8_K for
// K-quants): each block's integer dot product is exact in int32, then scaled by the two block scales
// and accumulated in float. Results therefore differ from a float dot of the dequantized values only
// by the activation quantization and float accumulation order, never by integer overflow (int8 x int8
// pairs summed over 32 elements stay below 2^20).
//
// Preconditions (checked, abort on violation): both spans have the same number of elements/blocks.
// Callers validate untrusted shapes before calling (see matvec.h).

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "quant/blocks.h"

namespace citadel::kernels {

float DotF32(std::span<const float> w, std::span<const float> x);

// w holds IEEE binary16 bits.
float DotF16(std::span<const uint16_t> w_f16, std::span<const float> x);

float DotQ8_0(std::span<const quant::BlockQ8_0> w, std::span<const quant::BlockQ8_0> x_q8);
float DotQ4_0(std::span<const quant::BlockQ4_0> w, std::span<const quant::BlockQ8_0> x_q8);
float DotQ4_K(std::span<const quant::BlockQ4_K> w, std::span<const quant::BlockQ8_K> x_q8);
float DotQ6_K(std::span<const quant::BlockQ6_K> w, std::span<const quant::BlockQ8_K> x_q8);

// Highway targets (HWY_AVX2, ...) this library was compiled for and the CPU supports, in no
// particular order. Tests iterate these with hwy::SetSupportedTargetsForTest.
std::vector<int64_t> KernelTargets();

// The target the kernels dispatch to now (hwy::TargetName gives its name, e.g. for a startup log).
int64_t ActiveKernelTarget();

}  // namespace citadel::kernels
