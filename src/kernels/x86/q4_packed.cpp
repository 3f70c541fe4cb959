#include "kernels/x86/q4_packed.h"

#include <cstring>

#include "core/check.h"
#include "core/float16.h"
#include "kernels/x86/cpu.h"

namespace citadel::kernels::x86 {

size_t PackedQ4_0Bytes(size_t rows, size_t blocks) {
  return (rows + kPackedGroupRows - 1) / kPackedGroupRows * blocks * kPackedGroupBytes;
}

void PackQ4_0(std::span<const std::byte> src, size_t rows, size_t blocks, std::span<std::byte> dst) {
  CITADEL_CHECK(src.size() == rows * blocks * sizeof(quant::BlockQ4_0));
  CITADEL_CHECK(dst.size() == PackedQ4_0Bytes(rows, blocks));
  // Row by row: each row is read once in order while its group's output (16 rows' worth, tens of
  // KB) stays in cache. The padding rows of a last partial group keep zero codes and scales.
  const size_t full = rows / kPackedGroupRows * blocks * kPackedGroupBytes;
  std::memset(dst.data() + full, 0, dst.size() - full);
  for (size_t r = 0; r < rows; ++r) {
    const size_t group = r / kPackedGroupRows, lane = r % kPackedGroupRows;
    const std::byte* in = src.data() + r * blocks * sizeof(quant::BlockQ4_0);
    std::byte* out = dst.data() + group * blocks * kPackedGroupBytes;
    for (size_t b = 0; b < blocks; ++b, in += sizeof(quant::BlockQ4_0), out += kPackedGroupBytes) {
      // BlockQ4_0 is d (2 bytes) then qs (16).
      for (size_t j = 0; j < 4; ++j) std::memcpy(out + 64 * j + 4 * lane, in + 2 + 4 * j, 4);
      std::memcpy(out + 256 + 2 * lane, in, 2);
    }
  }
}

void Q8BlockSides(std::span<const quant::BlockQ8_0> blocks, std::span<Q8BlockSide> sides) {
  CITADEL_CHECK(sides.size() == blocks.size());
  for (size_t i = 0; i < blocks.size(); ++i) {
    int32_t sum = 0;
    for (const int8_t q : blocks[i].qs) sum += q;
    sides[i] = {HalfToFloat(blocks[i].d), -8 * sum};
  }
}

PackedQ4Fn PackedQ4Kernel() { return PickBuild(PackedQ4KernelVnni(), PackedQ4KernelAvx2()); }

}  // namespace citadel::kernels::x86
