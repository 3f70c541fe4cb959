// The x86 K-quant tile kernels (AVX2 and AVX-512 VNNI builds, each where the CPU runs it), Q4_K,
// Q5_K and Q6_K weights: every output must be bit-for-bit the decode dot's (k_dots.h) for its row and token,
// whatever the token count, tile shape and row range (batch invariance), and must match the
// scalar reference. Token counts and row ranges cover every tile shape and remainder; two weight
// scales make every scale and min pattern occur. Skips on CPUs without the instructions.

#include "kernels/x86/k_tiles.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <vector>

#include "kernels/activation_rounding.h"
#include "kernels/dot_reference.h"
#include "kernels/x86/k_dots.h"
#include "kernels/x86/cpu.h"
#include "quant/quant.h"
#include "testing/random.h"

namespace citadel::kernels::x86 {
namespace {

using gguf::TensorType;

// The tiles `fn` (the build named `build`) of `Block` weights against the dot `dot` and the
// reference `reference`.
template <class Block, class DotFn, class ReferenceFn>
void CheckType(const char* build, KTileFn fn, TensorType type, DotFn dot, ReferenceFn reference) {
  ASSERT_NE(fn, nullptr) << build;
  ASSERT_NE(dot, nullptr);
  CITADEL_SEEDED_RNG(rng);
  constexpr size_t kMaxTokens = 33;
  for (const size_t blocks : {1ul, 3ul}) {
    for (const size_t rows : {1ul, 2ul, 5ul, 11ul}) {
      const float w_scale = rows % 2 == 0 ? 100.0f : 1.0f;
      const size_t cols = blocks * 256;
      const auto w_values = testing::RandomFloats(rng, rows * cols, w_scale);
      std::vector<Block> w(rows * blocks);
      ASSERT_TRUE(quant::Quantize(type, w_values, std::as_writable_bytes(std::span(w))));
      const auto x_values = testing::RandomFloats(rng, kMaxTokens * cols);
      std::vector<quant::BlockQ8_K> x(kMaxTokens * blocks);
      QuantizeActivationsQ8_K(x_values, x);
      for (const size_t n : {1ul, 2ul, 3ul, 4ul, 5ul, 7ul, 8ul, 16ul, 33ul}) {
        // Rows [row_begin, rows): an unaligned start where there is room; row 0 then stays untouched.
        const size_t row_begin = rows > 2 ? 1 : 0;
        std::vector<float> y(n * rows, NAN);
        fn({reinterpret_cast<const std::byte*>(w.data()), blocks * sizeof(Block), blocks, x.data(), n, row_begin, rows,
            y.data(), rows});
        for (size_t t = 0; t < n; ++t) {
          if (row_begin == 1) {
            EXPECT_TRUE(std::isnan(y[t * rows])) << "row 0 is outside the range";
          }
          for (size_t r = row_begin; r < rows; ++r) {
            const Block* row = w.data() + r * blocks;
            const quant::BlockQ8_K* xt = x.data() + t * blocks;
            const float got = y[t * rows + r];
            const float alone = dot(row, xt, blocks);
            ASSERT_EQ(std::bit_cast<uint32_t>(got), std::bit_cast<uint32_t>(alone))
                << build << " " << gguf::Name(type) << " blocks " << blocks << " rows " << rows << " n " << n
                << " t " << t << " r " << r << ": " << got << " vs the dot's " << alone;
            const reference::DotResult expected =
                reference(std::span<const Block>(row, blocks), std::span<const quant::BlockQ8_K>(xt, blocks));
            EXPECT_NEAR(got, expected.dot, 1e-5 * expected.abs_sum + 1e-30)
                << build << " " << gguf::Name(type) << " blocks " << blocks << " n " << n << " t " << t << " r " << r;
          }
        }
      }
    }
  }
}

void CheckBuild(const char* build, bool cpu_has, KTileFn (*get)(KWeights)) {
  if (!cpu_has) GTEST_SKIP() << build << " is not available on this CPU";
  CheckType<quant::BlockQ4_K>(build, get(KWeights::kQ4_K), TensorType::kQ4_K, Q4KDotKernel(), &reference::DotQ4_K);
  CheckType<quant::BlockQ5_K>(build, get(KWeights::kQ5_K), TensorType::kQ5_K, Q5KDotKernel(), &reference::DotQ5_K);
  CheckType<quant::BlockQ6_K>(build, get(KWeights::kQ6_K), TensorType::kQ6_K, Q6KDotKernel(), &reference::DotQ6_K);
}

TEST(KTiles, Avx2MatchesDecodeDotBitForBit) { CheckBuild("AVX2", CpuHasAvx2(), &TiledKKernelAvx2); }
TEST(KTiles, VnniMatchesDecodeDotBitForBit) { CheckBuild("AVX-512 VNNI", CpuHasVnni(), &TiledKKernelVnni); }

}  // namespace
}  // namespace citadel::kernels::x86
