// The x86 tile kernels (AVX2 and AVX-512 VNNI builds, each where the CPU runs it) against a double
// dot product of the dequantized weights and activations, for Q8_0, Q4_0 and Q5_0 weights, over
// token counts and row ranges that exercise every tile shape, and odd block counts (the 512-bit
// build's single-block tail). Skips on CPUs (and architectures) without the instructions.

#include "kernels/x86/q8_tiles.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "kernels/activation_rounding.h"
#include "quant/quant.h"
#include "testing/random.h"

namespace citadel::kernels::x86 {
namespace {

using gguf::TensorType;

struct Build {
  const char* name;
  Q8TileFn (*get)(Q8Weights);
  bool (*cpu_has)();
};

void CheckBuild(const Build& build) {
  if (!build.cpu_has()) GTEST_SKIP() << build.name << " is not available on this CPU";
  CITADEL_SEEDED_RNG(rng);
  for (const auto& [weights, type] : {std::pair{Q8Weights::kQ8_0, TensorType::kQ8_0}, {Q8Weights::kQ4_0, TensorType::kQ4_0},
                                      {Q8Weights::kQ5_0, TensorType::kQ5_0}}) {
    const Q8TileFn fn = build.get(weights);
    ASSERT_NE(fn, nullptr) << build.name;
    for (const size_t blocks : {1ul, 2ul, 7ul}) {
      const size_t cols = blocks * 32, rows = 11, n = 7;
      const auto w_values = testing::RandomFloats(rng, rows * cols);
      const size_t row_bytes = blocks * gguf::Info(type).block_bytes;
      std::vector<std::byte> w(rows * row_bytes);
      ASSERT_TRUE(quant::Quantize(type, w_values, w));
      std::vector<float> w_deq(rows * cols);
      ASSERT_TRUE(quant::Dequantize(type, w, w_deq));
      const auto x_values = testing::RandomFloats(rng, n * cols);
      std::vector<quant::BlockQ8_0> x(n * blocks);
      QuantizeActivationsQ8_0(x_values, x);
      std::vector<float> x_deq(n * cols);
      ASSERT_TRUE(quant::Dequantize(TensorType::kQ8_0, std::as_bytes(std::span(x)), x_deq));
      for (const size_t tokens : {1ul, 2ul, 3ul, 4ul, 7ul}) {
        const size_t row_begin = 1, row_end = rows;  // an unaligned start and a ragged end
        std::vector<float> y(tokens * rows, NAN);
        fn({w.data(), row_bytes, blocks, x.data(), tokens, row_begin, row_end, y.data(), rows});
        for (size_t t = 0; t < tokens; ++t) {
          EXPECT_TRUE(std::isnan(y[t * rows])) << "row 0 is outside the range and must stay untouched";
          for (size_t r = row_begin; r < row_end; ++r) {
            double dot = 0, abs_sum = 0;
            for (size_t c = 0; c < cols; ++c) {
              const double p = double{w_deq[r * cols + c]} * x_deq[t * cols + c];
              dot += p;
              abs_sum += std::abs(p);
            }
            // Integer block sums are exact; only float scaling and accumulation round.
            EXPECT_NEAR(y[t * rows + r], dot, 1e-5 * abs_sum + 1e-30)
                << build.name << " " << gguf::Name(type) << " blocks " << blocks << " tokens " << tokens << " t " << t
                << " r " << r;
          }
        }
      }
    }
  }
}

TEST(Q8Tiles, Avx2MatchesDequantizedDot) { CheckBuild({"AVX2", &TiledQ8KernelAvx2, &CpuHasAvx2}); }
TEST(Q8Tiles, VnniMatchesDequantizedDot) { CheckBuild({"AVX-512 VNNI", &TiledQ8KernelVnni, &CpuHasVnni}); }

}  // namespace
}  // namespace citadel::kernels::x86
