// The packed Q4_0 kernels (AVX2 and AVX-512 VNNI builds, each where the CPU runs it): against the
// scalar reference dot, bit-for-bit the same for a token whatever the batch it is in (n = 1, 3, 16,
// 33, 512, at different offsets) and whatever the row range, the two builds bit-for-bit equal,
// rows outside the range untouched, row counts that leave a partial last group. Then MatMulRows
// on a packed matrix against the unpacked one. Skips on CPUs without the instructions.

#include "kernels/x86/q4_packed.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <vector>

#include "kernels/activation_rounding.h"
#include "kernels/dot_reference.h"
#include "kernels/matmul.h"
#include "kernels/x86/cpu.h"
#include "quant/quant.h"
#include "testing/random.h"

namespace citadel::kernels::x86 {
namespace {

using gguf::TensorType;

constexpr size_t kTokens = 512;

struct Problem {
  size_t rows = 0, blocks = 0;
  std::vector<std::byte> w;                  // Q4_0, row-major
  std::vector<std::byte> packed;             // PackQ4_0(w)
  std::vector<quant::BlockQ8_0> x;           // [kTokens][blocks]
  std::vector<Q8BlockSide> sides;            // [kTokens][blocks]
};

Problem MakeProblem(std::mt19937_64& rng, size_t rows, size_t blocks) {
  Problem p;
  p.rows = rows;
  p.blocks = blocks;
  const size_t cols = blocks * quant::kLegacyBlock;
  // Rows of very different magnitudes, so the scales vary across the lanes of a group.
  std::vector<float> w_values = testing::RandomFloats(rng, rows * cols);
  for (size_t r = 0; r < rows; ++r) {
    for (size_t c = 0; c < cols; ++c) w_values[r * cols + c] *= static_cast<float>(1 + r % 5 * 40);
  }
  p.w.resize(rows * blocks * sizeof(quant::BlockQ4_0));
  EXPECT_TRUE(quant::Quantize(TensorType::kQ4_0, w_values, p.w));
  p.packed.resize(PackedQ4_0Bytes(rows, blocks));
  PackQ4_0(p.w, rows, blocks, p.packed);
  p.x.resize(kTokens * blocks);
  QuantizeActivationsQ8_0(testing::RandomFloats(rng, kTokens * cols), p.x);
  p.sides.resize(p.x.size());
  Q8BlockSides(p.x, p.sides);
  return p;
}

// y[t * rows + r] for tokens [t0, t0 + n) and rows [row_begin, row_end); NaN elsewhere.
std::vector<float> Multiply(PackedQ4Fn fn, const Problem& p, size_t t0, size_t n, size_t row_begin, size_t row_end) {
  std::vector<float> y(n * p.rows, NAN);
  fn({p.packed.data(), p.blocks, p.x.data() + t0 * p.blocks, p.sides.data() + t0 * p.blocks, n, row_begin, row_end,
      y.data(), p.rows});
  return y;
}

void CheckBuild(const char* name, PackedQ4Fn fn) {
  ASSERT_NE(fn, nullptr) << name;
  CITADEL_SEEDED_RNG(rng);
  for (const size_t blocks : {1ul, 3ul, 8ul}) {
    for (const size_t rows : {1ul, 16ul, 37ul}) {
      SCOPED_TRACE(::testing::Message() << name << " rows " << rows << " blocks " << blocks);
      const Problem p = MakeProblem(rng, rows, blocks);
      const std::vector<float> all = Multiply(fn, p, 0, kTokens, 0, rows);
      const auto* w = reinterpret_cast<const quant::BlockQ4_0*>(p.w.data());
      for (size_t t = 0; t < kTokens; ++t) {
        for (size_t r = 0; r < rows; ++r) {
          const auto ref = reference::DotQ4_0({w + r * blocks, blocks}, {p.x.data() + t * blocks, blocks});
          ASSERT_NEAR(all[t * rows + r], ref.dot, 1e-5 * ref.abs_sum + 1e-30) << "t " << t << " r " << r;
        }
      }
      // Batch invariance: the same token alone or in smaller batches at other offsets, over a
      // row range that starts and ends inside a group.
      const size_t row_begin = rows > 3 ? 3 : 0, row_end = rows > 3 ? rows - 1 : rows;
      for (const size_t n : {1ul, 3ul, 16ul, 33ul, 512ul}) {
        for (const size_t t0 : {0ul, kTokens - n, (kTokens - n) / 2}) {
          const std::vector<float> y = Multiply(fn, p, t0, n, row_begin, row_end);
          for (size_t t = 0; t < n; ++t) {
            for (size_t r = 0; r < rows; ++r) {
              const float got = y[t * rows + r];
              if (r < row_begin || r >= row_end) {
                ASSERT_TRUE(std::isnan(got)) << "row " << r << " is outside the range and must stay untouched";
                continue;
              }
              ASSERT_EQ(std::bit_cast<uint32_t>(got), std::bit_cast<uint32_t>(all[(t0 + t) * rows + r]))
                  << "n " << n << " t0 " << t0 << " t " << t << " r " << r;
            }
          }
        }
      }
    }
  }
}

TEST(PackedQ4, Avx2MatchesReferenceAndIsBatchInvariant) {
  if (!CpuHasAvx2()) GTEST_SKIP() << "AVX2 is not available on this CPU";
  CheckBuild("AVX2", PackedQ4KernelAvx2());
}

TEST(PackedQ4, VnniMatchesReferenceAndIsBatchInvariant) {
  if (!CpuHasVnni()) GTEST_SKIP() << "AVX-512 VNNI is not available on this CPU";
  CheckBuild("AVX-512 VNNI", PackedQ4KernelVnni());
}

TEST(PackedQ4, BuildsAgreeBitForBit) {
  if (!CpuHasVnni() || PackedQ4KernelVnni() == nullptr) GTEST_SKIP() << "needs both builds";
  CITADEL_SEEDED_RNG(rng);
  const Problem p = MakeProblem(rng, 37, 5);
  for (const size_t n : {1ul, 7ul, 64ul}) {
    const std::vector<float> a = Multiply(PackedQ4KernelAvx2(), p, 0, n, 0, p.rows);
    const std::vector<float> b = Multiply(PackedQ4KernelVnni(), p, 0, n, 0, p.rows);
    for (size_t i = 0; i < a.size(); ++i) {
      ASSERT_EQ(std::bit_cast<uint32_t>(a[i]), std::bit_cast<uint32_t>(b[i])) << "n " << n << " index " << i;
    }
  }
}

TEST(PackedQ4, MatMulRowsReadsThePackedCopy) {
  if (PackedQ4Kernel() == nullptr) GTEST_SKIP() << "no packed kernel on this CPU";
  CITADEL_SEEDED_RNG(rng);
  const size_t rows = 45, blocks = 6, cols = blocks * quant::kLegacyBlock, n = 40;
  const Problem p = MakeProblem(rng, rows, blocks);
  const MatrixView plain{TensorType::kQ4_0, p.w, rows, cols};
  MatrixView packed = plain;
  packed.packed = p.packed;
  ASSERT_TRUE(ValidateMatMul(packed).has_value());
  const auto x = testing::RandomFloats(rng, n * cols);
  PreparedBatch batch;
  ASSERT_TRUE(PrepareBatch(TensorType::kQ4_0, x, n, batch).has_value());
  std::vector<float> scratch(kGemmRowChunk * cols * 2), y_plain(n * rows), y_packed(n * rows);
  MatMulRows(plain, batch, 0, rows, y_plain, rows, scratch);
  MatMulRows(packed, batch, 0, rows, y_packed, rows, scratch);
  std::vector<float> w_deq(rows * cols);
  ASSERT_TRUE(quant::Dequantize(TensorType::kQ4_0, p.w, w_deq));
  for (size_t t = 0; t < n; ++t) {
    for (size_t r = 0; r < rows; ++r) {
      double abs_sum = 0;  // both round activations and sums differently only at float precision
      for (size_t c = 0; c < cols; ++c) abs_sum += std::abs(double{w_deq[r * cols + c]} * x[t * cols + c]);
      EXPECT_NEAR(y_packed[t * rows + r], y_plain[t * rows + r], 1e-5 * abs_sum) << "t " << t << " r " << r;
    }
  }
  // A packed copy of the wrong size is refused.
  packed.packed = std::span(p.packed).first(p.packed.size() - 1);
  EXPECT_FALSE(ValidateMatMul(packed).has_value());
}

}  // namespace
}  // namespace citadel::kernels::x86
