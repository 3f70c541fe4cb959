#pragma once
// Q4_0 weights repacked once at load into groups of 16 rows, and the x86 kernels that multiply them
// with Q8_0 activations for any number of tokens.
//
// Why: in the file's layout one row's 32 codes of a block sit together, so a kernel computes one
// (row, token) dot product per vector and pays a horizontal sum and per-row scale shuffling for it.
// Interleaving 16 rows makes each 32-bit lane of a 512-bit vector (or of two 256-bit halves) one
// row: four activation bytes broadcast to every lane meet four codes of each of 16 rows in one
// dpbusd (or maddubs), one block of 16 rows is 8 such steps, and the 16 results land in the lanes
// of the output rows: no horizontal sums, the 16 weight scales one vector load.
//
// Layout (kPackedGroupBytes per group of 16 rows and one 32-element block, groups row-major over
// blocks: group g, block b at (g * blocks + b) * kPackedGroupBytes):
//   bytes [64 j, 64 j + 64), j = 0..3: lane l (4 bytes) = bytes 4 j .. 4 j + 3 of row 16 g + l's qs:
//     low nibbles are elements 4 j .. 4 j + 3, high nibbles elements 16 + 4 j .. 16 + 4 j + 3;
//   bytes [256, 288): the 16 rows' binary16 scales d.
// Rows past the matrix's last (the padding of a last partial group) have zero codes and scales.
// The size is the file's (18 bytes a row-block) plus that padding.
//
// Arithmetic, identical for every lane whatever the number of tokens and rows computed, so a token's
// results do not depend on its batch (and the AVX2 and AVX-512 builds agree bit for bit): per
// block, the exact integer sum(code * x) - 8 * sum(x) (int32), converted to float, times
// (d_w * d_x) rounded once, added by one FMA to the running float sum, blocks in order.

#include <cstddef>
#include <cstdint>
#include <span>

#include "quant/blocks.h"

namespace citadel::kernels::x86 {

inline constexpr size_t kPackedGroupRows = 16;
inline constexpr size_t kPackedGroupBytes = kPackedGroupRows * sizeof(quant::BlockQ4_0);  // 288

// Bytes of the packed form of a rows x (blocks * 32) Q4_0 matrix.
size_t PackedQ4_0Bytes(size_t rows, size_t blocks);

// Repacks `src` (rows * blocks Q4_0 blocks, row-major) into `dst` (PackedQ4_0Bytes). Portable.
void PackQ4_0(std::span<const std::byte> src, size_t rows, size_t blocks, std::span<std::byte> dst);

// The activation side of one Q8_0 block that every row shares: its scale as a float and
// -8 * (sum of its codes), the term that turns a dot product with Q4_0's unsigned codes into one
// with their values (code - 8).
struct Q8BlockSide {
  float d;
  int32_t offset_sum;
};

// sides[i] for blocks[i]. Portable.
void Q8BlockSides(std::span<const quant::BlockQ8_0> blocks, std::span<Q8BlockSide> sides);

struct PackedQ4Args {
  const std::byte* packed;       // PackQ4_0's output
  size_t blocks;                 // 32-element blocks per row
  const quant::BlockQ8_0* x;     // [n][blocks]
  const Q8BlockSide* sides;      // [n][blocks]
  size_t n;                      // tokens
  size_t row_begin, row_end;     // any range; whole groups are computed, only these rows written
  float* y;                      // y[t * y_stride + r]
  size_t y_stride;
};

using PackedQ4Fn = void (*)(const PackedQ4Args&);

// The build this CPU runs best (AVX-512 VNNI, else AVX2), or nullptr: then weights are not packed.
PackedQ4Fn PackedQ4Kernel();

// The builds, for tests that force one (nullptr when not compiled in).
PackedQ4Fn PackedQ4KernelAvx2();
PackedQ4Fn PackedQ4KernelVnni();

}  // namespace citadel::kernels::x86
