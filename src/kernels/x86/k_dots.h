#pragma once
// Q4_K, Q5_K and Q6_K x Q8_K dot products for decode on x86 with AVX2: unsigned codes times signed activations
// with the byte multiply-add (maddubs), the sub-block scale applied by the 16-bit multiply-add in
// the same step, so a super-block reduces to one exact int32 vector scaled once in float (Q4_K's min
// correction to a second one). About a quarter above the Highway kernels' rate on AVX2/AVX-512
// machines. The tile kernels of k_tiles.h reproduce these results bit for bit (both are built on
// k_superblocks.inc), so prompt batches and decode agree. The getters return nullptr on CPUs (or
// architectures) without AVX2; callers then use dot.h.

#include <cstddef>

#include "quant/blocks.h"

namespace citadel::kernels::x86 {

using Q4KDotFn = float (*)(const quant::BlockQ4_K* w, const quant::BlockQ8_K* x, size_t blocks);
using Q5KDotFn = float (*)(const quant::BlockQ5_K* w, const quant::BlockQ8_K* x, size_t blocks);
using Q6KDotFn = float (*)(const quant::BlockQ6_K* w, const quant::BlockQ8_K* x, size_t blocks);

Q4KDotFn Q4KDotKernel();
Q5KDotFn Q5KDotKernel();  // Q5_K has no Highway kernel: without AVX2 it is dequantized (matmul.h)
Q6KDotFn Q6KDotKernel();

}  // namespace citadel::kernels::x86
