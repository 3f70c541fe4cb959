#pragma once
// Q4_K x Q8_K dot products for decode on x86 with AVX2: unsigned nibbles times signed activations
// with the byte multiply-add (maddubs), the sub-block scale applied by the 16-bit multiply-add in
// the same step, so a super-block reduces to one exact int32 vector scaled once in float. About
// twice the Highway kernel's rate on AVX2/AVX-512 machines. K4DotKernel() returns nullptr on CPUs
// (or architectures) without AVX2; callers then use dot.h.

#include <cstddef>

#include "quant/blocks.h"

namespace citadel::kernels::x86 {

using Q4KDotFn = float (*)(const quant::BlockQ4_K* w, const quant::BlockQ8_K* x, size_t blocks);

Q4KDotFn Q4KDotKernel();

}  // namespace citadel::kernels::x86
