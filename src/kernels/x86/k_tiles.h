#pragma once
// Register-tiled int8 matrix multiply for Q4_K, Q5_K and Q6_K weights against Q8_K activations on
// x86, for batches of two tokens or more: a tile of a few weight rows x a few tokens is accumulated
// in registers across the whole row, so each weight super-block is loaded and unpacked (nibbles,
// 6-bit scales) once per tile of tokens and each activation block once per tile of rows.
//
// Batch invariance: every (row, token) result is bit-for-bit the decode dot's (k_dots.h, used for
// one token): the integer sums per super-block are exact and the float combination is the dot's
// (k_superblocks.inc), whatever the tile shape, token count or instruction set.
//
// Two builds of the same code: AVX2 (+FMA, F16C) and AVX-512 VNNI (two 32-byte chunks per 512-bit
// vector, byte pairs from maddubs scaled and summed by dpwssd, two tokens per float accumulator).
// Callers dispatch through TiledKKernel(), which picks by the CPU at run time and returns nullptr
// on CPUs (or architectures) without AVX2.

#include <cstddef>

#include "kernels/x86/cpu.h"
#include "quant/blocks.h"

namespace citadel::kernels::x86 {

struct KTileArgs {
  const std::byte* weights;  // row r starts at weights + r * row_bytes
  size_t row_bytes;
  size_t blocks;                // 256-element super-blocks per row
  const quant::BlockQ8_K* x;    // [n][blocks]
  size_t n;                     // tokens
  size_t row_begin, row_end;
  float* y;                     // y[t * y_stride + r]
  size_t y_stride;
};

using KTileFn = void (*)(const KTileArgs&);

enum class KWeights { kQ4_K, kQ5_K, kQ6_K };

KTileFn TiledKKernel(KWeights weights);

// The builds, for tests that force one (nullptr when not compiled in).
KTileFn TiledKKernelAvx2(KWeights weights);
KTileFn TiledKKernelVnni(KWeights weights);

}  // namespace citadel::kernels::x86
