#pragma once
// Register-tiled int8 matrix multiply for Q8_0, Q4_0 and Q5_0 weights against Q8_0 activations on x86:
// a tile of up to 4 weight rows x 3 tokens is accumulated in registers across the whole row, so
// each weight block is loaded once per 3 tokens and each activation block once per 4 rows. Signed
// int8 pairs are multiplied with the unsigned x signed byte instructions (|w| times x carrying w's
// sign), which cannot saturate for codes in [-128, 127] x [-127, 127].
//
// Two builds of the same code: AVX2 (+FMA, F16C) and AVX-512 VNNI (two blocks per 512-bit vector,
// dpbusd replacing the two-step multiply-add). Every (row, token) result is computed by the same
// instruction sequence whatever the tile shape or token count, so a token's output does not
// depend on what else is in the batch. Callers dispatch through TiledQ8Kernel(), which picks by
// the CPU at run time and returns nullptr on CPUs (or architectures) without AVX2, where the
// portable Highway kernels serve instead.

#include <cstddef>

#include "kernels/x86/cpu.h"
#include "quant/blocks.h"

namespace citadel::kernels::x86 {

struct Q8TileArgs {
  const std::byte* weights;  // row r starts at weights + r * row_bytes
  size_t row_bytes;
  size_t blocks;                      // 32-element blocks per row
  const quant::BlockQ8_0* x;          // [n][blocks]
  size_t n;                           // tokens
  size_t row_begin, row_end;
  float* y;                           // y[t * y_stride + r]
  size_t y_stride;
};

using Q8TileFn = void (*)(const Q8TileArgs&);

// The weight formats whose codes unpack to signed bytes with one scale per 32 (Q8_0 as is,
// Q4_0 nibble - 8, Q5_0 five bits - 16).
enum class Q8Weights { kQ8_0, kQ4_0, kQ5_0 };

Q8TileFn TiledQ8Kernel(Q8Weights weights);

// The builds, for tests that force one (nullptr when not compiled in).
Q8TileFn TiledQ8KernelAvx2(Q8Weights weights);
Q8TileFn TiledQ8KernelVnni(Q8Weights weights);

}  // namespace citadel::kernels::x86
