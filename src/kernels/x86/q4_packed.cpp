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
  std::memset(dst.data(), 0, dst.size());  // the padding rows of a last partial group
  for (size_t r = 0; r < rows; ++r) {
    const size_t group = r / kPackedGroupRows, lane = r % kPackedGroupRows;
    for (size_t b = 0; b < blocks; ++b) {
      quant::BlockQ4_0 block;
      std::memcpy(&block, src.data() + (r * blocks + b) * sizeof(block), sizeof(block));
      std::byte* out = dst.data() + (group * blocks + b) * kPackedGroupBytes;
      for (size_t j = 0; j < 4; ++j) std::memcpy(out + 64 * j + 4 * lane, block.qs + 4 * j, 4);
      std::memcpy(out + 256 + 2 * lane, &block.d, sizeof(block.d));
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
